#!/usr/bin/env bash
# What "make bench" runs: setup, layout, then benchmarks/run.py, which takes the arguments
# (--quick, --deployments N, --latency-ms L, --rounds R, --uri-rounds U; "make bench BENCH_ARGS=--quick").
# See docs/benchmark.md.
set -euo pipefail
# shellcheck source=scripts/_common.sh
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

"$ROOT/scripts/setup.sh"
"$VENV_PY" "$ROOT/scripts/layout.py"

# The benchmark uses the simulator setup.sh installed into the venv, like the tests do.
exec "$VENV_PY" "$ROOT/benchmarks/run.py" "$@"
