"""coder.coderd.wait_for, run by real playbooks: bounded when nothing answers, patient when it comes late."""

import socket
import threading
import time
from pathlib import Path

import pytest

from coder_sim import Simulator
from plays import local_play

CONNECTION_PLUGINS = Path(__file__).resolve().parent / "connection_plugins"
SIGNAL_POLL_SECONDS = 0.05
SIGNAL_TIMEOUT_SECONDS = 60
# What a loaded machine (load 6 on 2 cores) may add to a task's own time. A wait_for that ignored
# its bounds would overrun by far more: forever when nothing listens, 30 s for a poll that waits
# its full connection timeout.
LOAD_SLACK = 10.0


@pytest.fixture
def free_port():
    """A loopback port nothing listens on (until a test starts something there)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _after_first_poll(first_poll_seen, delay, action):
    """Run ``action`` ``delay`` seconds after the deployment saw wait_for's first poll.

    Counting from the first poll (not from the playbook's start) keeps the test's timing
    independent of how long a loaded machine takes to reach the task.
    """
    def run():
        if first_poll_seen.wait(SIGNAL_TIMEOUT_SECONDS):
            time.sleep(delay)
            action()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _refuse_until_replaced(port, first_poll_seen):
    """A listener dropping every connection on ``port`` (a deployment not up yet); returns its stop()."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(16)

    def serve():
        while True:
            try:
                connection, _address = listener.accept()
            except OSError:
                return  # closed: the real deployment takes the port over
            first_poll_seen.set()
            connection.close()

    server = threading.Thread(target=serve, daemon=True)
    server.start()

    def stop():
        # shutdown() wakes the blocked accept(); close() alone would leave the port taken.
        try:
            listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        listener.close()
        server.join(SIGNAL_TIMEOUT_SECONDS)

    return stop


def _wait_for_request(sim, path, seen):
    deadline = time.monotonic() + SIGNAL_TIMEOUT_SECONDS
    while not sim.request_count(path) and time.monotonic() < deadline:
        time.sleep(SIGNAL_POLL_SECONDS)
    seen.set()


def _status(run, task):
    return next(record["status"] for record in run.results if record["task"] == task)


NOTHING_ANSWERS = """
- name: Nothing answers
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Wait for a deployment that never comes
      coder.coderd.wait_for:
        url: "{{ closed_url }}"
        wait_timeout: 3
        sleep: 0.5
      ignore_errors: true

    - name: Wait for a deployment that never answers
      coder.coderd.wait_for:
        url: "{{ silent_url }}"
        timeout: 30
        wait_timeout: 3
      ignore_errors: true

    - name: Bad constraint
      coder.coderd.wait_for:
        url: "{{ healthy_url }}"
        version: ">=three"
      ignore_errors: true
"""


def _duration(run, task):
    return next(record["duration"] for record in run.results if record["task"] == task)


def test_gives_up_within_wait_timeout_when_nothing_answers(free_port, coder_sim_factory, run_playbook):
    closed_url = "http://127.0.0.1:%d" % free_port
    silent = coder_sim_factory(latency_ms=120000)
    healthy = coder_sim_factory()
    run = run_playbook(NOTHING_ANSWERS, extra_vars={"closed_url": closed_url, "silent_url": silent.url,
                                                    "healthy_url": healthy.url})
    assert run.rc == 0, run.output

    # It polled for the whole wait_timeout, and stopped then.
    assert 3.0 <= _duration(run, "Wait for a deployment that never comes") < 3.0 + LOAD_SLACK
    assert _status(run, "Wait for a deployment that never comes") == "failed"
    failure = run.task("Wait for a deployment that never comes")
    assert failure["msg"].startswith("%s GET /api/v2/: gave up after 3s (wait_timeout) and " % closed_url)
    assert failure["msg"].endswith(" attempts: cannot connect: connection refused")

    # A poll waits no longer than the time left: not the 30 s of its connection timeout.
    assert 3.0 <= _duration(run, "Wait for a deployment that never answers") < 3.0 + LOAD_SLACK
    assert _status(run, "Wait for a deployment that never answers") == "failed"
    silence = run.task("Wait for a deployment that never answers")["msg"]
    assert silence.startswith("%s GET /api/v2/: gave up after 3s (wait_timeout) and " % silent.url), silence
    assert ": no answer within " in silence and silence.endswith("s (timeout)"), silence

    assert _status(run, "Bad constraint") == "failed"
    bad = run.task("Bad constraint")
    assert bad["msg"] == "invalid version constraint '>=three': 'three' is not a version"
    # A bad constraint fails before the first poll (the 300 s default would otherwise apply).
    assert healthy.request_count() == 0


LATE_START = local_play("Late start", [{"name": "Wait for the deployment", "coder.coderd.wait_for": {
    "url": "{{ url }}", "wait_timeout": 30, "sleep": 0.5}}])


def test_succeeds_when_the_deployment_starts_two_seconds_late(free_port, run_playbook):
    first_poll_seen = threading.Event()
    stop_refusing = _refuse_until_replaced(free_port, first_poll_seen)
    started = []

    def start_deployment():
        stop_refusing()
        started.append(Simulator(port=free_port).start())

    starter = _after_first_poll(first_poll_seen, 2.0, start_deployment)
    try:
        run = run_playbook(LATE_START, extra_vars={"url": "http://127.0.0.1:%d" % free_port})
    finally:
        starter.join(SIGNAL_TIMEOUT_SECONDS)
        stop_refusing()
        for sim in started:
            sim.stop()

    assert run.rc == 0, run.output
    result = run.task("Wait for the deployment")
    assert result["version"] == "v2.34.3+4653f32"
    # Failed polls came first; how many depends on how long the playbook took to reach the task.
    assert result["attempts"] >= 2
    # It polled on through the refusals until the deployment came (2 s after the first poll), and
    # saw it within a few pauses of 0.5 s rather than at wait_timeout.
    assert 2.0 <= result["elapsed"] < 2.0 + LOAD_SLACK
    assert result["changed"] is False
    assert started[0].request_count("/api/v2/") == 1
    assert started[0].request_count("/api/v2/buildinfo") == 1


UPGRADE = local_play("Wait for an upgrade", [{"name": "Wait for 2.35", "coder.coderd.wait_for": {
    "url": "{{ url }}", "version": ">=2.35", "wait_timeout": 30, "sleep": 0.3}}])


def test_waits_until_the_version_satisfies_the_constraint(coder_sim, run_playbook):
    first_poll_seen = threading.Event()
    watcher = threading.Thread(target=lambda: _wait_for_request(coder_sim, "/api/v2/buildinfo", first_poll_seen),
                               daemon=True)
    watcher.start()
    upgrader = _after_first_poll(first_poll_seen, 1.0, lambda: coder_sim.set_state({"version": "v2.35.0+0123abc"}))
    try:
        run = run_playbook(UPGRADE, extra_vars={"url": coder_sim.url})
    finally:
        upgrader.join(SIGNAL_TIMEOUT_SECONDS)

    assert run.rc == 0, run.output
    result = run.task("Wait for 2.35")
    assert result["version"] == "v2.35.0+0123abc"
    assert result["attempts"] >= 2   # it saw the old version first
    assert result["elapsed"] >= 0.3  # and paused between polls
    assert coder_sim.request_count("/api/v2/buildinfo") == result["attempts"]


ON_THE_TARGET = """
- name: The module path
  hosts: target
  gather_facts: false
  tasks:
    - name: Wait through the module
      coder.coderd.wait_for:
        url: "{{ url }}"
        wait_timeout: 10
      register: waited
"""

TARGET_INVENTORY = """
all:
  hosts:
    target:
      ansible_connection: remote_local
"""


def test_the_module_runs_on_a_target_host(coder_sim, run_playbook):
    run = run_playbook(ON_THE_TARGET, inventory=TARGET_INVENTORY, extra_vars={"url": coder_sim.url},
                       env={"ANSIBLE_CONNECTION_PLUGINS": str(CONNECTION_PLUGINS), "ANSIBLE_INJECT_INVOCATION": "1"})

    assert run.rc == 0, run.output
    result = run.task("Wait through the module")
    assert result["version"] == "v2.34.3+4653f32"
    assert result["attempts"] == 1
    # Only a module run reports its invocation: proof that the work happened on the "target".
    assert result["invocation"]["module_args"]["wait_timeout"] == 10
