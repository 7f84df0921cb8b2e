"""PagerDuty's own python-pagerduty writes through pd-sandbox the way an onboarding script
would, then reads everything back with its own calls. Prints what it read as JSON.

usage: python third_party_writes.py API_URL TOKEN FROM_EMAIL
"""
import json
import sys

import pagerduty

api_url, token, from_email = sys.argv[1], sys.argv[2], sys.argv[3]
client = pagerduty.RestApiV2Client(token, auth_type="oauth2", default_from=from_email)
# The library insists on https (right for PagerDuty); the sandbox is plain http on loopback.
client._url = api_url

user = client.rpost("users", json={"user": {
    "type": "user", "name": "Third Party", "email": "third.party@example.com",
    "time_zone": "Europe/London", "role": "limited_user", "job_title": "SRE"}})
phone = client.rpost(f"/users/{user['id']}/contact_methods", json={"contact_method": {
    "type": "phone_contact_method", "label": "Mobile", "country_code": 44, "address": "7700900123"}})
rule = client.rpost(f"/users/{user['id']}/notification_rules", json={"notification_rule": {
    "type": "assignment_notification_rule", "start_delay_in_minutes": 5, "urgency": "high",
    "contact_method": {"id": phone["id"], "type": "phone_contact_method_reference"}}})
team = next(client.iter_all("teams"))
added = client.put(f"/teams/{team['id']}/users/{user['id']}", json={"role": "responder"})
policy = next(client.iter_all("escalation_policies"))
service = client.rpost("services", json={"service": {
    "type": "service", "name": "Third Party Checkout", "description": "made by python-pagerduty",
    "escalation_policy": {"id": policy["id"], "type": "escalation_policy_reference"}}})

# Read back with the library's own calls.
again = client.rget(f"/users/{user['id']}")
methods = client.rget(f"/users/{user['id']}/contact_methods")
rules = client.rget(f"/users/{user['id']}/notification_rules")
members = [m["user"]["id"] for m in client.iter_all(f"/teams/{team['id']}/members")]
found = client.find("services", "Third Party Checkout", attribute="name")
print(json.dumps({
    "user": [again["name"], again["email"], again["role"], again.get("invitation_sent")],
    "methods": sorted((m["type"], m.get("country_code"), m["address"]) for m in methods),
    "rule_delays": sorted(r["start_delay_in_minutes"] for r in rules),
    "rule_created": rule["start_delay_in_minutes"],
    "team_put_status": added.status_code,
    "in_team": user["id"] in members,
    "service": [found["id"] == service["id"], found["escalation_policy"]["id"] == policy["id"]] if found else None,
}))
