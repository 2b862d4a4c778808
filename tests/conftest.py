"""Suite-wide pytest setup: the Coder API simulator and its fixtures (coder_sim, coder_sim_factory)."""

import sys
from pathlib import Path

SIMULATOR = str(Path(__file__).resolve().parent / "simulator")
if SIMULATOR not in sys.path:
    sys.path.insert(0, SIMULATOR)

pytest_plugins = ["coder_sim.pytest_plugin"]
