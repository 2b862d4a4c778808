"""``python -m coder_sim``: the same as the ``coder-sim`` command."""

import sys

from coder_sim.cli import main

sys.exit(main())
