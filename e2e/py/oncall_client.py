"""PagerDuty's own python-pagerduty does what an offboarding script does, against pd-sandbox's
`--scenario offboarding`: lists schedules, policies, incidents and on-calls, reassigns an
incident, replaces a user in a schedule layer (GET, swap, PUT the layers back in PUT order,
GET again), is refused a user delete and a team removal, and creates an integration and reads
its key back. Prints what it saw as JSON.

usage: python oncall_client.py API_URL TOKEN FROM_EMAIL
"""
import json
import sys

import pagerduty

api_url, token, from_email = sys.argv[1], sys.argv[2], sys.argv[3]
client = pagerduty.RestApiV2Client(token, auth_type="oauth2", default_from=from_email)
# The library insists on https (right for PagerDuty); the sandbox is plain http on loopback.
client._url = api_url

schedules = list(client.iter_all("schedules"))
policies = list(client.iter_all("escalation_policies"))
incidents = list(client.iter_all("incidents", params={
    "statuses[]": ["triggered", "acknowledged"], "date_range": "all"}))
oncalls = list(client.iter_all("oncalls"))
me = client.find("users", from_email, attribute="email")

# Reassign the first open incident to the signed-in person.
incident = incidents[0]
client.rput(f"/incidents/{incident['id']}", json={"incident": {
    "type": "incident_reference",
    "assignments": [{"assignee": {"id": me["id"], "type": "user_reference"}}]}})
reassigned = client.rget(f"/incidents/{incident['id']}")

# Replace a user in a layer, in the same position; PUT takes the layers in the opposite
# order to GET (PagerDuty's known quirk), so reverse them before writing.
watch = next(s for s in schedules if s["name"] == "Offboarding Watch")
before = client.rget(f"/schedules/{watch['id']}")
gone = client.find("users", "many-policies@example.com", attribute="email")
layers = before["schedule_layers"]
for layer in layers:
    for entry in layer["users"]:
        if entry["user"]["id"] == gone["id"]:
            entry["user"] = {"id": me["id"], "type": "user_reference"}
keep = ("id", "name", "start", "end", "rotation_virtual_start", "rotation_turn_length_seconds",
        "users", "restrictions")
body = {"schedule": {"type": "schedule", "name": before["name"], "time_zone": before["time_zone"],
                     "schedule_layers": [{k: l[k] for k in keep if k in l} for l in reversed(layers)]}}
client.rput(f"/schedules/{watch['id']}", json=body)
after = client.rget(f"/schedules/{watch['id']}")

def refusal(response):
    try:
        return [response.status_code, response.json()]
    except ValueError:
        return [response.status_code, None]

solo = client.find("users", "solo@example.com", attribute="email")
deleted = client.delete(f"/users/{solo['id']}")
teamed = client.rget("/users/" + client.find("users", "team-policy@example.com", attribute="email")["id"],
                     params={"include[]": ["teams"]})
removed = client.delete(f"/teams/{teamed['teams'][0]['id']}/users/{teamed['id']}")

service = next(client.iter_all("services"))
made = client.rpost(f"/services/{service['id']}/integrations", json={"integration": {
    "type": "events_api_v2_inbound_integration", "name": "Alerts from python-pagerduty"}})
read = client.rget(f"/services/{service['id']}/integrations/{made['id']}")

print(json.dumps({
    "counts": [len(schedules), len(policies), len(incidents), len(oncalls)],
    "reassigned": [a["assignee"]["id"] for a in reassigned["assignments"]] == [me["id"]],
    "layer_order": [[l["id"] for l in before["schedule_layers"]], [l["id"] for l in after["schedule_layers"]]],
    "layer_users": [[u["user"]["id"] for u in l["users"]] for l in after["schedule_layers"]],
    "me": me["id"], "gone": gone["id"],
    "delete": refusal(deleted),
    "team_removal": refusal(removed),
    "integration": [made["id"] == read["id"], read.get("integration_key")],
}))
