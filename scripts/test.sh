#!/usr/bin/env bash
# What "make test" runs: setup, layout, then the test stages (all of them, or those named as
# arguments: units integration sanity lint docs compat). Stops at the first failing stage and
# always ends with a summary of every stage and its time.
set -uo pipefail
# shellcheck source=scripts/_common.sh
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

ALL_STAGES=(units integration sanity lint docs compat)
COMPAT_VENV="$ROOT/.venv-compat"
stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=("${ALL_STAGES[@]}")
for stage in "${stages[@]}"; do
  [[ " ${ALL_STAGES[*]} " == *" $stage "* ]] || die "unknown stage '$stage'; stages are: ${ALL_STAGES[*]}"
done

stage_setup() { "$ROOT/scripts/setup.sh"; }
stage_layout() { "$VENV_PY" "$ROOT/scripts/layout.py"; }

# Tests import the collection from the layout and the simulator from the venv, where setup.sh
# installed it. PYTEST_PY picks another venv's Python (the compat stage).
run_pytest() {
  PYTHONPATH="$BUILD" ANSIBLE_COLLECTIONS_PATH="$BUILD" \
    "${PYTEST_PY:-$VENV_PY}" -m pytest -q -ra -p no:cacheprovider "$@"
  local rc=$?
  [ $rc -ne 5 ] || say "no tests were collected in $*; every stage must run tests"
  return $rc
}
stage_units() { run_pytest "$ROOT/tests/unit" "$SIMULATOR/tests"; }
# One worker per core roughly halves the stage on two cores; work stealing keeps a few long
# playbook tests from queueing behind each other.
stage_integration() { run_pytest -n auto --dist worksteal "$ROOT/tests/integration"; }
# The layout sits inside this repository's git work tree, where git ignores it; pinning the
# content root keeps ansible-test from asking that git for the file list (and finding none).
stage_sanity() {
  "$ROOT/scripts/prepare-ansible-test.sh" || return
  local collection="$BUILD/ansible_collections/coder/coderd"
  (cd "$collection" && ANSIBLE_TEST_CONTENT_ROOT="$collection" \
    ansible-test sanity --color no --python "$("$VENV_PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')")
}
stage_lint() {
  local options=()
  [ -t 1 ] || options+=(--nocolor)  # escape codes only garble CI logs
  (cd "$ROOT" && ANSIBLE_COLLECTIONS_PATH="$BUILD" ansible-lint "${options[@]}")
}
# The docs site's guides are generated from docs/*.md and committed (Galaxy and Automation Hub
# read them from the tarball); building the HTML site stays in "make docs".
stage_docs() {
  "$VENV_PY" "$ROOT/tools/gen_docsite.py" --check || return
  local collection="$BUILD/ansible_collections/coder/coderd"
  (cd "$collection" && ANSIBLE_COLLECTIONS_PATH="$BUILD" antsibull-docs lint-collection-docs --plugin-docs .)
}
# The same unit and integration tests on the oldest supported line: Python 3.11, ansible-core 2.19.
stage_compat() {
  "$ROOT/scripts/compat.sh" "$COMPAT_VENV"
  local rc=$?
  [ $rc -ne 2 ] || return 0  # only one usable Python; compat.sh printed why
  [ $rc -eq 0 ] || return $rc
  "$COMPAT_VENV/bin/ansible" --version | head -n 1
  PYTEST_PY="$COMPAT_VENV/bin/python" run_pytest -n auto --dist worksteal "$ROOT/tests/unit" "$ROOT/tests/integration"
}

# Microseconds; the separator in EPOCHREALTIME follows the locale.
now() { local seconds=${EPOCHREALTIME:-$SECONDS.000000}; echo "${seconds/[.,]/}"; }
elapsed() { local tenths=$((($2 - $1) / 100000)); printf '%d.%ds' $((tenths / 10)) $((tenths % 10)); }

# The venv comes first on PATH: ansible-test looks up "pythonX.Y" there and ansible-lint
# complains when its own folder is missing from PATH.
export PATH="$VENV/bin:$PATH"

summary=() failed=""
run_started=$(now)
for stage in setup layout "${stages[@]}"; do
  if [ -n "$failed" ]; then
    summary+=("$(printf '  %-12s %-8s' "$stage" "not run")")
    continue
  fi
  printf '\n==> %s\n' "$stage"
  started=$(now)
  "stage_$stage"
  rc=$?
  took=$(elapsed "$started" "$(now)")
  if [ $rc -eq 0 ]; then
    summary+=("$(printf '  %-12s %-8s %s' "$stage" ok "$took")")
  else
    summary+=("$(printf '  %-12s %-8s %s (exit %d)' "$stage" FAILED "$took" "$rc")")
    failed=$stage
  fi
done

printf '\n==> summary\n'
printf '%s\n' "${summary[@]}"
total=$(elapsed "$run_started" "$(now)")
if [ -n "$failed" ]; then
  say "FAILED in stage '$failed' after $total"
  exit 1
fi
say "all stages passed in $total"
