#!/usr/bin/env bash
# Smoke test of the script itself: `./inbox up` brings the product up (on its own ports, state and database,
# so it never touches a developer's running stack), a signed webhook reaches the API, the Cloud API simulator's
# demo customers reach it too, an agent's reply goes out through Workers and the simulator, and `./inbox down`
# stops exactly what up started.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export INBOX_STATE; INBOX_STATE=$(mktemp -d)
BASE=${INBOX_SMOKE_PORT_BASE:-15080}
export INBOX_PORT_BASE=$BASE INBOX_DB=${INBOX_SMOKE_DB:-inbox_smoke}
# Its own vhost too: on a broker shared with other stacks, their Workers would take its sends (and Realtime drop
# its events as duplicates of theirs: outbox message ids repeat across databases).
export INBOX_VHOST=${INBOX_SMOKE_VHOST:-inbox-smoke}
cleanup() { "$ROOT/inbox" down >/dev/null 2>&1 || true; rm -rf "$INBOX_STATE"; }
trap cleanup EXIT

"$ROOT/inbox" up | tee "$INBOX_STATE/up.out"
grep -q "Inbox is running" "$INBOX_STATE/up.out"
grep -q "agent@demo.inbox.test" "$INBOX_STATE/up.out"
for port in $BASE $((BASE + 1)) $((BASE + 2)) $((BASE + 3)) $((BASE + 4)); do curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null; done
[[ $("$ROOT/inbox" status | grep -c ' running  pid') == 5 ]]
grep -q "Simulator      http://127.0.0.1:$((BASE + 4))/simulator" "$INBOX_STATE/up.out"
# The web inbox is built and served by the Api, and knows where the hub is.
grep -q "Web inbox      http://127.0.0.1:$BASE/" "$INBOX_STATE/up.out"
curl -fsS "http://127.0.0.1:$BASE/" | grep -q '<div id="root">'
curl -fsS "http://127.0.0.1:$BASE/api/client-config" | grep -q "http://127.0.0.1:$((BASE + 2))/hubs/inbox"

# A signed webhook for the demo number becomes a conversation the demo agent can read.
source "${INBOX_SECRETS:-$ROOT/.inbox/secrets.env}"
wamid="wamid.smoke$(date +%s%N)"
body='{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550001111","phone_number_id":"100000000000001"},"contacts":[{"profile":{"name":"Smoke"},"wa_id":"15550009999"}],"messages":[{"from":"15550009999","id":"'$wamid'","timestamp":"1763780000","type":"text","text":{"body":"smoke test"}}]}}]}]}'
signature="sha256=$(printf '%s' "$body" | openssl dgst -sha256 -hmac "$INBOX_APP_SECRET" -hex | awk '{print $NF}')"
curl -fsS -H "X-Hub-Signature-256: $signature" -H 'content-type: application/json' --data-binary "$body" \
  http://127.0.0.1:$((BASE + 1))/webhooks/whatsapp >/dev/null
token=$(curl -fsS -H 'content-type: application/json' -d '{"email":"agent@demo.inbox.test","password":"demo-agent-password"}' \
  http://127.0.0.1:$BASE/api/auth/login | python3 -c 'import sys, json; print(json.load(sys.stdin)["accessToken"])')
curl -fsS -H "Authorization: Bearer $token" http://127.0.0.1:$BASE/api/conversations | grep -q "smoke test"

# The simulator's demo traffic (signed with the same app secret) becomes the demo agent's conversations: the first
# script line is from Ana Sofía Pérez. Its webhooks are acknowledged in its report.
sim=http://127.0.0.1:$((BASE + 4))
for _ in $(seq 1 60); do
  curl -fsS -H "Authorization: Bearer $token" http://127.0.0.1:$BASE/api/conversations | grep -q "15557010001" && break
  sleep 0.5
done
curl -fsS -H "Authorization: Bearer $token" http://127.0.0.1:$BASE/api/conversations | grep -q "15557010001"
curl -fsS "$sim/simulator/report?items=false" | python3 -c 'import sys, json; assert json.load(sys.stdin)["summary"]["inbound"]["acknowledged"] >= 1'
# The demo number's token from secrets.env is the one the simulator's Graph API accepts.
curl -fsS -H "Authorization: Bearer $INBOX_DEMO_TOKEN" -H 'content-type: application/json' \
  -d '{"messaging_product":"whatsapp","to":"15557010001","type":"text","text":{"body":"smoke reply"}}' \
  "$sim/v24.0/100000000000001/messages" | grep -q '"wamid\.'

# An agent's reply through the API: Workers send it to the simulator's Graph API and its statuses come back.
conversation=$(curl -fsS -H "Authorization: Bearer $token" "http://127.0.0.1:$BASE/api/conversations?q=15557010001" \
  | python3 -c 'import sys, json; print(json.load(sys.stdin)["items"][0]["id"])')
message=$(curl -fsS -H "Authorization: Bearer $token" -H 'content-type: application/json' -H "Idempotency-Key: smoke-$(date +%s%N)" \
  -d '{"type":"text","text":"Hello from the smoke test"}' "http://127.0.0.1:$BASE/api/conversations/$conversation/messages" \
  | python3 -c 'import sys, json; print(json.load(sys.stdin)["id"])')
for _ in $(seq 1 60); do
  status=$(curl -fsS -H "Authorization: Bearer $token" "http://127.0.0.1:$BASE/api/messages/$message" \
    | python3 -c 'import sys, json; print(json.load(sys.stdin)["status"])')
  [[ $status == queued ]] || break
  sleep 0.5
done
[[ $status =~ ^(sent|delivered|read)$ ]] || { echo "the reply ended as $status"; exit 1; }

"$ROOT/inbox" down
[[ $("$ROOT/inbox" status | grep -c ' running  pid' || true) == 0 ]]
for port in $BASE $((BASE + 1)) $((BASE + 2)) $((BASE + 3)) $((BASE + 4)); do ! curl -fsS "http://127.0.0.1:$port/health/live" >/dev/null 2>&1; done
echo "smoke test passed"
