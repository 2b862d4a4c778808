"""A faithful simulator of the ten General endpoints of Coder (coderd) v2.34.3.

    from coder_sim import Simulator, DEFAULT_TOKENS
    with Simulator(state={"deployment": {"CODER_EXPERIMENTS": "workspace-usage"}}) as sim:
        ...  # sim.url, sim.requests, sim.set_faults([...])

Run standalone with ``python -m coder_sim`` (see __main__.py). Test-only code:
it is not part of the coder.coderd collection's public interface.
"""

from coder_sim.server import Simulator
from coder_sim.state import DEFAULT_TOKENS, StateError, load_state

__all__ = ["Simulator", "load_state", "DEFAULT_TOKENS", "StateError"]
