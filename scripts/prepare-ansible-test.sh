#!/usr/bin/env bash
# Lets "ansible-test sanity" run on a machine that reaches package registries only.
set -euo pipefail
# shellcheck source=scripts/_common.sh
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

# ansible-test bootstraps pip in each venv it makes from ~/.ansible/test/cache/get_pip_<ver>.py,
# downloading it when missing; <ver> is the pip version pinned in its python_requirements.py.
pinned_pip=$("$VENV_PY" - <<'PY'
import pathlib, re, ansible_test
source = pathlib.Path(ansible_test.__file__).parent / "_internal" / "python_requirements.py"
print(re.search(r"pip='([0-9.]+)'", source.read_text()).group(1))
PY
)
cached="$HOME/.ansible/test/cache/get_pip_${pinned_pip//./_}.py"
if [ ! -f "$cached" ]; then
  mkdir -p "$(dirname "$cached")"
  cp "$ROOT/scripts/get_pip_standin.py" "$cached"
  say "installed the offline get-pip stand-in as $cached"
fi

# Without shellcheck, ansible-test skips its shellcheck test with only a warning.
if ! command -v shellcheck >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing shellcheck with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq shellcheck >/dev/null 2>&1 \
      || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq shellcheck >/dev/null 2>&1; } \
      || say "note: could not install shellcheck; ansible-test sanity will skip its shellcheck test"
  else
    say "note: shellcheck is not installed; ansible-test sanity will skip its shellcheck test"
  fi
fi
