#!/usr/bin/env bash
# Smoke test of the embedded default: `make run` in the background prints its URL (once the web
# server and the worker answer), /healthz answers, register and sign in work; then stop it (SIGTERM to
# the process group: make, bin/run, supervisord, which stops gunicorn, the worker and beat) and check
# that no process of it is left.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${SMOKE_PORT:-8765}
VAR=$(mktemp -d)
LOG="$VAR/run.log"

env -u DATABASE_URL -u CELERY_BROKER_URL -u REDIS_URL -u CASTFEED_REQUIRE_SERVICES CASTFEED_VAR_DIR="$VAR" \
  setsid make run PORT="$PORT" >"$LOG" 2>&1 &
RUN_PID=$!
leftovers() {  # processes started for this run: they carry its var/ folder in their environment
  grep -lsxF "CASTFEED_VAR_DIR=$VAR" --null-data /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3 || true
}
stop() {
  kill -TERM -- "-$RUN_PID" 2>/dev/null || true
  for _ in $(seq 200); do [ -z "$(leftovers)" ] && break; sleep 0.25; done  # a worker's warm shutdown: <= 20 s
  left=$(leftovers)
  if [ -n "$left" ]; then
    ps -o pid,args -p "$(echo $left | tr ' ' ,)" >&2 || true
    kill -KILL $left 2>/dev/null || true
    rm -rf "$VAR"
    echo "smoke test failed: processes left after stopping make run" >&2
    exit 1
  fi
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

deadline = time.monotonic() + 600  # a first run migrates and collects static files
# The URL line comes once /healthz answers 200 and the worker answers a ping.
while f"castfeed is running at http://127.0.0.1:{port}/" not in open(log).read():
    if time.monotonic() > deadline or "did not come up" in open(log).read():
        sys.exit("make run did not print its URL in 600 s:\n" + open(log).read()[-4000:])
    time.sleep(0.5)
status, body = call("GET", "/healthz")
assert status == 200 and body == {"status": "ok", "database": "ok", "broker": "ok"}, (status, body)
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
