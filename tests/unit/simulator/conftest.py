"""Makes the simulator importable and its fixtures available to these tests."""

import os
import sys

SIMULATOR_DIR = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..", "simulator"))
if SIMULATOR_DIR not in sys.path:
    sys.path.insert(0, SIMULATOR_DIR)

# Imported rather than declared in pytest_plugins, which pytest only allows in
# the top-level conftest; the fixtures are the plugin's own.
from coder_sim.pytest_plugin import coder_sim, coder_sim_factory  # noqa: E402,F401
