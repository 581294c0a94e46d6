#!/usr/bin/env bash
# The demo end to end: `connect-admin demo --headless` (a real connect-server, a simulated
# host over HTTP, a real store), then its summary checked against the store, and a sample of
# the simulator's tokens checked with Atlassian's Python atlassian-jwt. Prints "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${CONNECT_ADMIN_BIN:-.build/debug/connect-admin}
work=$(mktemp -d /tmp/e2e-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT
store="sqlite:$work/demo.sqlite"

"$BIN" demo --headless --duration 10s --seed 1 --store "$store" --sample-file "$work/samples.txt" > "$work/summary.txt" 2>"$work/stderr.txt"
status=$?
cat "$work/summary.txt"
[ $status -eq 0 ] || { echo "demo exited $status: $(cat "$work/stderr.txt")"; echo "e2e-demo: 0 passed, 1 failed"; exit 1; }

"$BIN" failures --store "$store" --limit 100000 --json > "$work/failures.jsonl"
"$BIN" history --store "$store" --limit 100000 --json > "$work/history.jsonl"
"$BIN" tenants --store "$store" --json > "$work/tenants.jsonl"

python3 - "$work" <<'PY'
import json, re, sys, collections
work = sys.argv[1]
summary = open(f"{work}/summary.txt").read()
failures = [json.loads(l) for l in open(f"{work}/failures.jsonl") if l.strip()]
history = [json.loads(l) for l in open(f"{work}/history.jsonl") if l.strip()]
tenants = {t["clientKey"]: t for t in (json.loads(l) for l in open(f"{work}/tenants.jsonl") if l.strip())}
passed = failed = 0
def check(ok, what):
    global passed, failed
    print(("ok - " if ok else "FAIL - ") + what)
    passed, failed = passed + bool(ok), failed + (not ok)

reported = {m.group(1): int(m.group(2)) for m in re.finditer(r"^    ([a-z_]+) (\d+)$", summary, re.M)}
stored = collections.Counter()
for f in failures:
    stored[f["reason"]] += f["count"]
check(len(reported) >= 5, f"the simulator produced {len(reported)} different reasons: {sorted(reported)}")
for reason, count in sorted(reported.items()):
    check(stored[reason] == count, f"{reason}: {count} reported by the simulator, {stored[reason]} in the store")
check(set(stored) == set(reported), "no reason in the store that the simulator did not see")

callbacks = int(re.search(r"lifecycle callbacks: (\d+)", summary).group(1))
check(len(history) == callbacks, f"{callbacks} lifecycle callbacks, {len(history)} install events in history")
rejected_lines = re.findall(r"rejected (\w+) (\S+): (\w+)( \(hijack attempt\))?", summary)
for event, key, reason, hijack in rejected_lines:
    match = [h for h in history if h["clientKey"] == key and h["outcome"] == "rejected" and h["reason"] == reason]
    check(bool(match), f"rejected {event} of {key} ({reason}) is in history")
    if hijack:
        tenant = tenants.get(key)
        accepted = [h for h in history if h["clientKey"] == key and h["outcome"] == "accepted" and h["eventType"] == "installed"]
        check(tenant is not None and tenant["secretFingerprint"] == accepted[0]["fingerprintAfter"],
              "the hijack attempt did not change the tenant's secret")
        check(tenant is not None and "attacker" not in tenant["baseUrl"], "nor its baseUrl")
installed = int(re.search(r"tenants installed: (\d+)", summary).group(1))
check(len(tenants) == installed, f"{installed} tenants installed, {len(tenants)} in the store")
print(f"e2e-demo summary: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
summary_status=$?

# Atlassian's Python implementation, in a throwaway virtual environment.
python3 -m venv "$work/venv" >/dev/null 2>&1 || { python3 -m pip --version >/dev/null 2>&1 && apt-get install -y -qq python3-venv >/dev/null 2>&1; python3 -m venv "$work/venv"; }
"$work/venv/bin/pip" install -q atlassian-jwt >/dev/null 2>&1 || { echo "could not install atlassian-jwt from PyPI"; echo "e2e-demo: 0 passed, 1 failed"; exit 1; }
"$work/venv/bin/python" scripts/check_tokens_with_atlassian_jwt.py "$work/samples.txt"
jwt_status=$?

# Tokens signed from an atlassian-connect-express store (ace+sqlite:, read-only) verify with
# atlassian-jwt and the secret the fixture holds.
ace="$work/ace.sqlite"
python3 - "$ace" > "$work/ace-secrets.txt" <<'PY'
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("CREATE TABLE `AddonSettings` (`id` INTEGER PRIMARY KEY AUTOINCREMENT, `clientKey` VARCHAR(255), `key` VARCHAR(255), `val` JSON)")
for i in range(3):
    key, secret = f"ace-client-{i}", f"ace-secret-{i}-Zx9Qw2Er4Ty6Ui8Op0As1Df3Gh5Jk7L"
    info = {"key": "com.example.ace-app", "clientKey": key, "sharedSecret": secret, "baseUrl": f"https://ace-{i}.atlassian.net",
            "productType": "jira", "description": "Atlassian JIRA", "eventType": "installed"}
    db.execute("INSERT INTO AddonSettings (clientKey, key, val) VALUES (?, 'clientInfo', ?)", (key, json.dumps(info)))
    print(f"{key}\t{secret}")
db.commit()
PY
: > "$work/ace-samples.txt"
while IFS=$'\t' read -r key secret; do
  for request in "GET /rest/api/3/myself" "POST /webhooks/jira:issue_updated?b=2&a=1" "GET /pages/hello?lic=active&xdm_e=https%3A%2F%2Fx"; do
    method=${request%% *} url=${request#* }
    token=$("$BIN" jwt sign --tenant "$key" --method "$method" --url "$url" --store "ace+sqlite:$ace") || { echo "FAIL jwt sign on the ACE store"; token=x; }
    printf '%s\t%s\t%s\t%s\n' "$secret" "$method" "$url" "$token" >> "$work/ace-samples.txt"
  done
done < "$work/ace-secrets.txt"
"$work/venv/bin/python" scripts/check_tokens_with_atlassian_jwt.py "$work/ace-samples.txt"
ace_status=$?
# Act-as-user assertions signed by the real binary from the demo store verify with PyJWT
# (atlassian-jwt's own dependency) and the tenant's secret, and carry exactly the documented claims.
"$BIN" tenants --store "$store" --state installed --json --reveal-secrets --limit 5 > "$work/revealed.jsonl"
: > "$work/assertions.jsonl"
while read -r line; do
  key=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["clientKey"])' "$line")
  "$BIN" jwt sign --kind user --tenant "$key" --account-id 5b10ac8d82e05b22cc7d4ef5 --store "$store" --json >> "$work/assertions.jsonl" \
    || echo '{"token": "sign-failed"}' >> "$work/assertions.jsonl"
done < "$work/revealed.jsonl"
"$work/venv/bin/python" - "$work" <<'PY'
import json, sys, jwt
work = sys.argv[1]
tenants = [json.loads(l) for l in open(f"{work}/revealed.jsonl") if l.strip()]
signed = [json.loads(l) for l in open(f"{work}/assertions.jsonl") if l.strip()]
passed = failed = 0
def check(ok, what):
    global passed, failed
    passed, failed = passed + ok, failed + (not ok)
    if not ok: print("FAIL", what)
check(len(tenants) > 0 and len(signed) == len(tenants), f"{len(signed)} assertions for {len(tenants)} tenants")
for tenant, out in zip(tenants, signed):
    try:
        claims = jwt.decode(out["token"], tenant["sharedSecret"], algorithms=["HS256"],
                            audience="https://oauth-2-authorization-server.services.atlassian.com",
                            issuer="urn:atlassian:connect:clientid:" + (tenant["oauthClientId"] or "?"),
                            options={"require": ["iss", "sub", "aud", "iat", "exp"]})
    except Exception as error:
        check(False, f"PyJWT refused the assertion for {tenant['clientKey']}: {error}")
        continue
    check(set(claims) == {"iss", "sub", "tnt", "aud", "iat", "exp"}, f"exactly the documented claims: {sorted(claims)}")
    check(claims["sub"] == "urn:atlassian:connect:useraccountid:5b10ac8d82e05b22cc7d4ef5", "sub is the account id urn")
    check(claims["tnt"] == tenant["baseUrl"], "tnt is the tenant's baseUrl")
    check(0 < claims["exp"] - claims["iat"] <= 60, "lives at most 60 s")
    check(jwt.get_unverified_header(out["token"])["alg"] == "HS256", "HS256")
print(f"act-as-user assertions with PyJWT: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
user_status=$?
[ $summary_status -eq 0 ] && [ $jwt_status -eq 0 ] && [ $ace_status -eq 0 ] && [ $user_status -eq 0 ]
