"""PagerDuty's own python-pagerduty reads an account after an offboarding run: which of the
given people are still users, every escalation rule and schedule layer that is empty or still
names one of them, and who the open incidents are assigned to. Prints what it saw as JSON.

usage: python offboard_check.py API_URL TOKEN FROM_EMAIL EMAIL...
"""
import json
import sys

import pagerduty

api_url, token, from_email, emails = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
client = pagerduty.RestApiV2Client(token, auth_type="oauth2", default_from=from_email)
# The library insists on https (right for PagerDuty); the sandbox is plain http on loopback.
client._url = api_url

users = list(client.iter_all("users"))
by_email = {u["email"]: u for u in users}
still = sorted(e for e in emails if e in by_email)

policies = list(client.iter_all("escalation_policies"))
schedules = [client.rget(f"/schedules/{s['id']}") for s in client.iter_all("schedules")]
incidents = list(client.iter_all("incidents", params={
    "statuses[]": ["triggered", "acknowledged"], "date_range": "all"}))

# The people's ids as they were: the caller passes ids of deleted people in the emails list
# as "id:<ID>".
ids = {e[3:] for e in emails if e.startswith("id:")} | {by_email[e]["id"] for e in still}
empty_rules, empty_layers, naming = [], [], []
for p in policies:
    for level, rule in enumerate(p["escalation_rules"], 1):
        targets = rule.get("targets", [])
        if not targets:
            empty_rules.append(f"{p['name']} level {level}")
        for t in targets:
            if t["id"] in ids:
                naming.append(f"{p['name']} level {level}")
for s in schedules:
    for layer in s["schedule_layers"]:
        if not layer["users"]:
            empty_layers.append(f"{s['name']} / {layer['name']}")
        for u in layer["users"]:
            if u["user"]["id"] in ids:
                naming.append(f"{s['name']} / {layer['name']}")

print(json.dumps({
    "still_users": still,
    "roles": {e: by_email[e]["role"] for e in still},
    "empty_rules": empty_rules,
    "empty_layers": empty_layers,
    "naming": naming,
    "incidents": sorted(
        (i["incident_number"], [a["assignee"]["id"] for a in i["assignments"]]) for i in incidents),
    "policies": len(policies),
    "schedules": len(schedules),
}))
