"""After an import of services: PagerDuty's own Python client (python-pagerduty) reads every
service of pd-sandbox whose name starts with PREFIX, with its integrations in full, as
PagerDuty's export_routing_keys script does. Prints {name: [routing key of each Events API v2
integration]} as JSON for the test to count.

usage: python integrations_check.py API_URL TOKEN PREFIX
"""
import json
import sys

import pagerduty

api_url, token, prefix = sys.argv[1], sys.argv[2], sys.argv[3]
client = pagerduty.RestApiV2Client(token, auth_type="oauth2")
# The library insists on https; the sandbox is plain http on loopback (see third_party_client.py).
client._url = api_url
out = {}
for s in client.iter_all("services", params={"include[]": ["integrations"]}):
    if s["name"].startswith(prefix):
        out[s["name"]] = [
            i.get("integration_key")
            for i in s["integrations"]
            if i["type"] == "events_api_v2_inbound_integration"
        ]
print(json.dumps(out))
