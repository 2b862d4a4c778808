#!/usr/bin/env bash
# What "make bench" runs: setup, layout, then benchmarks/run.py, which takes the arguments
# (--quick, --deployments N, --latency-ms L, --rounds R, --uri-rounds U; "make bench BENCH_ARGS=--quick").
# See docs/benchmark.md.
set -euo pipefail
# shellcheck source=scripts/_common.sh
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

"$ROOT/scripts/setup.sh"
"$VENV_PY" "$ROOT/scripts/layout.py"

# The benchmark imports the simulator from its source folder, like the tests do.
PYTHONPATH="$ROOT/tests/simulator" exec "$VENV_PY" "$ROOT/benchmarks/run.py" "$@"
