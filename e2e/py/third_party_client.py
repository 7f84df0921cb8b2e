"""A PagerDuty REST client that is not ours (PagerDuty's python-pagerduty) lists every
service, user, team and escalation policy of pd-sandbox with its own pagination, and the
signed-in user's contact methods and notification rules. Prints the counts as JSON.

usage: python third_party_client.py API_URL TOKEN
"""
import json
import sys

import pagerduty

api_url, token = sys.argv[1], sys.argv[2]
client = pagerduty.RestApiV2Client(token, auth_type="oauth2")
# The library insists on https (right for PagerDuty); the sandbox is plain http on loopback,
# so set the base URL past that one check. Everything else is the library's own code.
client._url = api_url
services = [s["id"] for s in client.iter_all("services")]
users = [u["id"] for u in client.iter_all("users")]
me = client.rget("/users/me")
teams = [t["id"] for t in client.iter_all("teams")]
policies = [p["id"] for p in client.iter_all("escalation_policies")]
methods = client.rget(f"/users/{me['id']}/contact_methods")
rules = client.rget(f"/users/{me['id']}/notification_rules")
print(json.dumps({
    "services": len(services), "unique_services": len(set(services)),
    "users": len(users), "unique_users": len(set(users)),
    "me": me.get("email"),
    "teams": len(teams), "unique_teams": len(set(teams)),
    "escalation_policies": len(policies), "unique_escalation_policies": len(set(policies)),
    "my_contact_methods": sorted({m["type"] for m in methods}),
    "my_notification_rules": len(rules),
}))
