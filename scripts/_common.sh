# shellcheck shell=bash disable=SC2034  # the variables are used by the scripts that source this
# Paths and helpers shared by the scripts in this folder; sourced, never run.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV="$ROOT/.venv"
VENV_PY="$VENV/bin/python"
# scripts/layout.py mirrors the collection to $BUILD/ansible_collections/coder/coderd, the only
# place where ansible-test and ansible-playbook find it.
BUILD="$ROOT/build"
# The simulator package. The venvs install it as its users do (not editable), so the tests run
# what its package really holds.
SIMULATOR="$ROOT/simulator"

say() { printf '%s: %s\n' "$(basename "$0" .sh)" "$*"; }
die() { say "error: $*" >&2; exit 1; }
# What a venv's stamp records of what was installed into it: the pinned requirements and every
# file of the simulator's package, so that an edit of either installs again.
requirements_digest() {
  {
    sha256sum "$ROOT/tests/requirements-dev.txt"
    (cd "$SIMULATOR" && find pyproject.toml README.md coder_sim -type f ! -name '*.pyc' -print0 |
      LC_ALL=C sort -z | xargs -0 sha256sum)
  } | sha256sum | cut -d' ' -f1
}
