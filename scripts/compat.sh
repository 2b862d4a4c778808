#!/usr/bin/env bash
# Usage: compat.sh VENV. Creates (or reuses) VENV for the compatibility stage of "make test":
# Python 3.11 with ansible-core 2.19, the oldest line the collection supports, next to the main
# .venv's 2.21. Exit 0: ready. Exit 2: nothing to compare with (only one usable Python), with a
# note saying why. Anything else: setting it up failed.
set -euo pipefail
# shellcheck source=scripts/_common.sh
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

[ $# -eq 1 ] || die "usage: compat.sh VENV"
COMPAT_VENV=$1
REQUIREMENTS="$ROOT/tests/requirements-dev.txt"
STAMP="$COMPAT_VENV/.coderd-setup"
# Only what the unit and integration tests need, at the versions pinned for the main venv
# (ansible-core by its Python-version marker), and the simulator.
PACKAGES=(ansible-core cryptography jsonschema pytest pytest-xdist pyyaml requests xmlschema "$SIMULATOR")

version_of() { "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || true; }

main_version=$(version_of "$VENV_PY")
if [ "$main_version" = 3.11 ]; then
  say "note: skipped: the main run already uses Python 3.11 and ansible-core 2.19 (no Python >= 3.12 was found for 2.21)"
  exit 2
fi

compat_python=""
for name in python3.11 python3; do
  # pyenv shims of versions that are not active exist on PATH but fail, so each must prove it runs.
  if path=$(command -v "$name") && [ "$(version_of "$path")" = 3.11 ]; then
    compat_python=$path
    break
  fi
done
if [ -z "$compat_python" ]; then
  say "note: skipped: no Python 3.11 found (python3.11 or python3) for the ansible-core 2.19 run"
  exit 2
fi

interpreter="$("$compat_python" -c 'import os, sys; print(os.path.realpath(sys.executable))')"
wanted="$interpreter $(requirements_digest)"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$wanted" ] && "$COMPAT_VENV/bin/python" -c '' 2>/dev/null; then
  say "reusing $COMPAT_VENV ($interpreter)"
  exit 0
fi
say "creating $COMPAT_VENV with $interpreter"
rm -rf "$COMPAT_VENV"
"$compat_python" -m venv "$COMPAT_VENV"
"$COMPAT_VENV/bin/python" -m pip install --disable-pip-version-check --quiet -c "$REQUIREMENTS" "${PACKAGES[@]}"
printf '%s\n' "$wanted" >"$STAMP"
