#!/usr/bin/env bash
# What "make demo" runs: starts the bundled Coder API simulator and runs playbooks/demo.yml
# against it as the deployment's owner.
set -euo pipefail
# shellcheck source=scripts/_common.sh
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

"$ROOT/scripts/setup.sh"
"$VENV_PY" "$ROOT/scripts/layout.py"

workdir=$(mktemp -d)
sim_pid=""
stop_simulator() {
  if [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null; then
    for _ in $(seq 50); do kill -0 "$sim_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$sim_pid" 2>/dev/null || true
  fi
  rm -rf "$workdir"
}
trap stop_simulator EXIT

"$VENV/bin/coder-sim" --port 0 --url-file "$workdir/url" \
  >"$workdir/simulator.log" 2>&1 &
sim_pid=$!

# The simulator writes the file once it listens; a complete line ends with a newline.
url=""
for _ in $(seq 100); do
  if [ -s "$workdir/url" ] && [ -z "$(tail -c 1 "$workdir/url")" ]; then
    url=$(head -n 1 "$workdir/url")
    break
  fi
  kill -0 "$sim_pid" 2>/dev/null || die "the simulator exited: $(tail -n 5 "$workdir/simulator.log")"
  sleep 0.1
done
[ -n "$url" ] || die "the simulator did not report its URL within 10 seconds"
say "simulator listening at $url"

# The token goes through a file (not the command line, where any user can read it) and is
# never printed.
(umask 077 && "$VENV_PY" -c '
import json, sys
from coder_sim import DEFAULT_TOKENS
with open(sys.argv[1], "w") as secrets:
    json.dump({"coder_token": DEFAULT_TOKENS["owner"]}, secrets)
' "$workdir/secrets.json")

cd "$ROOT"
ANSIBLE_COLLECTIONS_PATH="$BUILD" ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false \
  "$VENV/bin/ansible-playbook" playbooks/demo.yml -e "coder_url=$url" -e "@$workdir/secrets.json"
