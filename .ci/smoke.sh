#!/usr/bin/env bash
# Smoke test of the embedded default: `make run` in the background, /healthz answers, register and
# sign in work, then stop it (the whole process group: make, gunicorn, the Celery worker).
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${SMOKE_PORT:-8765}
VAR=$(mktemp -d)
LOG="$VAR/run.log"
export CASTFEED_VAR_DIR="$VAR"

env -u DATABASE_URL -u CELERY_BROKER_URL -u REDIS_URL -u CASTFEED_REQUIRE_SERVICES \
  setsid make run PORT="$PORT" >"$LOG" 2>&1 &
RUN_PID=$!
stop() {
  kill -TERM -- "-$RUN_PID" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$RUN_PID" 2>/dev/null || break; sleep 0.2; done
  kill -KILL -- "-$RUN_PID" 2>/dev/null || true
  rm -rf "$VAR"
}
trap stop EXIT

.venv/bin/python - "$PORT" "$LOG" <<'PY'
import json, sys, time, urllib.error, urllib.request

port, log = sys.argv[1], sys.argv[2]
base = f"http://127.0.0.1:{port}"

def call(method, path, body=None, token=None):
    request = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode() if body else None)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")

deadline = time.monotonic() + 180
while True:
    try:
        status, body = call("GET", "/healthz")
        if status == 200:
            break
    except (urllib.error.URLError, ConnectionError, OSError):
        pass
    if time.monotonic() > deadline:
        sys.exit("make run did not answer /healthz in 180 s:\n" + open(log).read()[-4000:])
    time.sleep(0.5)
assert body == {"status": "ok", "database": "ok", "broker": "ok"}, body
for _ in range(20):  # the URL line is printed right after the first healthy answer
    if "castfeed is running at http://127.0.0.1:" in open(log).read():
        break
    time.sleep(0.25)
else:
    sys.exit("make run did not print its URL")
status, body = call("POST", "/api/v1/auth/register", {"handle": "smoke.test", "password": "a-smoke-test-passphrase"})
assert status == 201, (status, body)
status, body = call("POST", "/api/v1/auth/token", {"handle": "smoke.test", "password": "a-smoke-test-passphrase"})
assert status == 200, (status, body)
status, me = call("GET", "/api/v1/me", token=body["token"])
assert status == 200 and me["handle"] == "smoke.test", (status, me)
status, body = call("POST", "/api/v1/auth/token", {"handle": "smoke.test", "password": "wrong"})
assert status == 400 and body["error"] == "invalid_credentials", (status, body)
print("smoke test passed: healthz, register, sign in, me")
PY
