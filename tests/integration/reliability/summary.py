"""The summary line of the reliability suite, with or without pytest-xdist.

Tests count into one Tally per process (fixture ``tally``). Without xdist this process prints
the line. Under xdist each worker hands its counts to the controller, which adds them up and
prints the line; for that the controller must load this plugin too, which ``conftest.py`` of
this package cannot do (xdist's controller collects nothing), so a conftest it does load names
it (``pytest_plugins = ["reliability.summary"]``). A count of tracebacks, leaks or hangs above 0
fails the run on its own: the counts are what the suite promises, whatever the test that found
them asserted.
"""

import pytest

from .support import Tally

_TALLY = pytest.StashKey()
_WORKER_OUTPUT_KEY = "coder_reliability_tally"


def tally_of(config):
    if _TALLY not in config.stash:
        config.stash[_TALLY] = Tally()
    return config.stash[_TALLY]


def _is_worker(config):
    return hasattr(config, "workeroutput")


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    tally = tally_of(session.config)
    if _is_worker(session.config):
        session.config.workeroutput[_WORKER_OUTPUT_KEY] = tally.counts()
    elif tally.ran and tally.broken and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """xdist's controller: a worker finished; add its counts."""
    counts = getattr(node, "workeroutput", {}).get(_WORKER_OUTPUT_KEY)
    if counts:
        tally_of(node.config).add(counts)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    tally = tally_of(config)
    if tally.ran and not _is_worker(config):
        terminalreporter.write_line(tally.summary(), red=tally.broken, green=not tally.broken)
