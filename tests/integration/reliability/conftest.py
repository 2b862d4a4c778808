"""Fixtures of the reliability suite; its summary line comes from ``summary.py``."""

import pytest

from . import summary
from .support import make_canary


def pytest_configure(config):
    # A direct run of this folder prints the summary too, named by a parent conftest or not.
    if not config.pluginmanager.is_registered(summary):
        config.pluginmanager.register(summary)


@pytest.fixture(scope="session")
def tally(request):
    """The counts behind the summary line; tests add to them as they check their cases."""
    return summary.tally_of(request.config)


@pytest.fixture
def run_playbook(run_playbook, tally):
    """The integration tests' runner, whose kill of a run that outlives its timeout counts as a hang."""
    def run(*args, **kwargs):
        try:
            return run_playbook(*args, **kwargs)
        except pytest.fail.Exception:
            tally.hangs += 1
            raise
    return run


@pytest.fixture(scope="session")
def canary(tmp_path_factory):
    """Credentials unique to this run, to grep every output for."""
    return make_canary(tmp_path_factory.mktemp("canary"))
