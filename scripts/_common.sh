# shellcheck shell=bash disable=SC2034  # the variables are used by the scripts that source this
# Paths and helpers shared by the scripts in this folder; sourced, never run.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV="$ROOT/.venv"
VENV_PY="$VENV/bin/python"
# scripts/layout.py mirrors the collection to $BUILD/ansible_collections/coder/coderd, the only
# place where ansible-test and ansible-playbook find it.
BUILD="$ROOT/build"

say() { printf '%s: %s\n' "$(basename "$0" .sh)" "$*"; }
die() { say "error: $*" >&2; exit 1; }
