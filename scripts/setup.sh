#!/usr/bin/env bash
# Creates (or reuses) .venv with the pinned development tools of tests/requirements-dev.txt and
# the simulator package of simulator/.
# Picks the newest Python >= 3.12 it can find, because ansible-core 2.20+ needs it; otherwise
# falls back to python3, which gets the ansible-core 2.19 line.
set -euo pipefail
# shellcheck source=scripts/_common.sh
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

REQUIREMENTS="$ROOT/tests/requirements-dev.txt"
STAMP="$VENV/.coderd-setup"

# Prints "<major*100+minor> <full version>" or nothing: pyenv shims of versions that are not
# active exist on PATH but exit 127, so every candidate has to prove it runs.
probe() {
  "$1" -c 'import sys; v = sys.version_info; print(v[0] * 100 + v[1], "%d.%d.%d" % v[:3])' 2>/dev/null || true
}

candidates=()
for name in python3.14 python3.13 python3.12; do
  if path=$(command -v "$name"); then candidates+=("$path"); fi
done
if command -v pyenv >/dev/null 2>&1; then
  for path in "$(pyenv root)"/versions/3.1[2-9]*/bin/python3.1[2-9]; do
    if [ -x "$path" ]; then candidates+=("$path"); fi
  done
fi

best_rank=0 best_python="" best_version=""
for path in "${candidates[@]}"; do
  read -r rank version <<<"$(probe "$path")"
  if [ -n "${rank:-}" ] && [ "$rank" -gt "$best_rank" ]; then
    best_rank=$rank best_python=$path best_version=$version
  fi
done

if [ -n "$best_python" ]; then
  say "using Python $best_version ($best_python): the newest Python >= 3.12 found, for ansible-core 2.21"
else
  best_python=$(command -v python3) || die "no python3 on PATH; install Python 3.12 or newer"
  read -r best_rank best_version <<<"$(probe "$best_python")"
  [ "${best_rank:-0}" -ge 311 ] || die "python3 at $best_python is ${best_version:-unusable}; ansible-core needs Python 3.11 or newer (3.12+ preferred)"
  say "using Python $best_version ($best_python): no Python >= 3.12 found (looked for python3.12-3.14 on PATH and in pyenv), so ansible-core 2.19"
fi

interpreter="$("$best_python" -c 'import os, sys; print(os.path.realpath(sys.executable))') $best_version"
requirements_hash=$(requirements_digest)

# The stamp's first line names the interpreter (a different one means a new venv), the second
# the requirements (a change means installing again into the same venv).
stamped_interpreter="" stamped_requirements=""
if [ -f "$STAMP" ] && "$VENV_PY" -c '' 2>/dev/null; then
  { read -r stamped_interpreter; read -r stamped_requirements; } <"$STAMP" || true
fi

if [ "$stamped_interpreter" != "$interpreter" ]; then
  if [ -e "$VENV" ]; then
    say "replacing $VENV: it was not made by this script with this Python"
  else
    say "creating $VENV"
  fi
  rm -rf "$VENV"
  "$best_python" -m venv "$VENV"
  stamped_requirements=""
fi

if [ "$stamped_requirements" != "$requirements_hash" ]; then
  say "installing pinned tools from ${REQUIREMENTS#"$ROOT"/} and the simulator from ${SIMULATOR#"$ROOT"/}"
  "$VENV_PY" -m pip install --disable-pip-version-check --quiet -r "$REQUIREMENTS" "$SIMULATOR"
  printf '%s\n%s\n' "$interpreter" "$requirements_hash" >"$STAMP"
else
  say "reusing $VENV (Python $best_version, requirements unchanged)"
fi
