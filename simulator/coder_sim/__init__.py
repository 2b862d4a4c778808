"""A simulated Coder (coderd) deployment: the ten General endpoints of v2.34.3.

    from coder_sim import Simulator, DEFAULT_TOKENS
    with Simulator(state={"deployment": {"CODER_EXPERIMENTS": "workspace-usage"}}) as sim:
        ...  # sim.url, sim.requests, sim.set_faults([...])

Run standalone with the ``coder-sim`` command (or ``python -m coder_sim``, see cli.py).
Tests only: its users and tokens are public.
"""

from coder_sim.server import Simulator
from coder_sim.state import DEFAULT_TOKENS, StateError, load_state

__all__ = ["Simulator", "load_state", "DEFAULT_TOKENS", "StateError"]
