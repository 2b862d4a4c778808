"""pytest fixtures for tests that need a Coder server.

Load with ``pytest_plugins = ["coder_sim.pytest_plugin"]`` in a top-level conftest.py. It is
not a pytest11 entry point on purpose: those load into every pytest run of the environment,
which would import the simulator (and cryptography) and claim these fixture names in projects
that never asked for them.
"""

import socket

import pytest

from coder_sim.server import Simulator


@pytest.fixture
def coder_sim():
    """A started simulator with the default state; stopped after the test."""
    with Simulator() as simulator:
        yield simulator


@pytest.fixture
def coder_sim_factory():
    """Call with Simulator(...) keyword arguments to get a started simulator;
    every simulator made in the test is stopped at teardown."""
    started = []

    def start(**kwargs):
        simulator = Simulator(**kwargs).start()
        started.append(simulator)
        return simulator

    yield start
    for simulator in started:
        simulator.stop()


@pytest.fixture
def refused_url():
    """A loopback URL that refuses connections for the whole test: its port stays bound without
    listening, so no server started meanwhile (by this test or a parallel one) can take it."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        yield "http://127.0.0.1:%d" % holder.getsockname()[1]
