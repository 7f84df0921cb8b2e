"""After an import: PagerDuty's own Python client (python-pagerduty) reads every user of
pd-sandbox whose e-mail starts with PREFIX, with contact methods, notification rules and
teams, and every team. Prints them as JSON for the test to compare with the file.

usage: python import_check.py API_URL TOKEN PREFIX
"""
import json
import sys

import pagerduty

api_url, token, prefix = sys.argv[1], sys.argv[2], sys.argv[3]
client = pagerduty.RestApiV2Client(token, auth_type="oauth2")
# The library insists on https; the sandbox is plain http on loopback (see third_party_client.py).
client._url = api_url
teams = {t["id"]: t["name"] for t in client.iter_all("teams")}
users = {}
for u in client.iter_all("users", params={"include[]": ["contact_methods", "notification_rules", "teams"]}):
    if not u["email"].startswith(prefix):
        continue
    users.setdefault(u["email"], []).append({
        "name": u["name"],
        "role": u["role"],
        "time_zone": u["time_zone"],
        "methods": sorted([m["type"], m.get("country_code"), m["address"]] for m in u["contact_methods"]),
        "rules": sorted([r["contact_method"]["type"], r["start_delay_in_minutes"]] for r in u["notification_rules"]),
        "teams": sorted(teams.get(t["id"], t["id"]) for t in u["teams"]),
    })
print(json.dumps({"users": users, "team_names": sorted(teams.values())}))
