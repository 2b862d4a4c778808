"""coder.coderd.wait_for, run by real playbooks: bounded when nothing answers, patient when it comes late."""

import socket
import threading
import time
from pathlib import Path

import pytest

from coder_sim import Simulator

CONNECTION_PLUGINS = Path(__file__).resolve().parent / "connection_plugins"
SIGNAL_POLL_SECONDS = 0.05
SIGNAL_TIMEOUT_SECONDS = 60


@pytest.fixture
def free_port():
    """A loopback port nothing listens on (until a test starts something there)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _after_signal(signal_file, delay, action):
    """Run ``action`` ``delay`` seconds after the playbook creates ``signal_file`` (just before it waits).

    Counting from the playbook's own signal keeps ansible-playbook's start-up time out of the delay.
    """
    def run():
        deadline = time.monotonic() + SIGNAL_TIMEOUT_SECONDS
        while not signal_file.exists() and time.monotonic() < deadline:
            time.sleep(SIGNAL_POLL_SECONDS)
        if signal_file.exists():
            time.sleep(delay)
            action()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _status(run, task):
    return next(record["status"] for record in run.results if record["task"] == task)


NOTHING_LISTENS = """
- name: Nothing listens
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Start the clock
      ansible.builtin.set_fact:
        started: "{{ now().timestamp() }}"

    - name: Wait for a deployment that never comes
      coder.coderd.wait_for:
        url: "{{ url }}"
        wait_timeout: 3
        sleep: 0.5
      ignore_errors: true

    - name: Stop the clock
      ansible.builtin.set_fact:
        waited: "{{ now().timestamp() - started | float }}"

    - name: Bad constraint
      coder.coderd.wait_for:
        url: "{{ url }}"
        version: ">=three"
      ignore_errors: true

    - name: Stop the clock again
      ansible.builtin.set_fact:
        waited_for_bad_constraint: "{{ now().timestamp() - started | float - waited | float }}"
"""


def test_gives_up_within_wait_timeout_when_nothing_listens(free_port, run_playbook):
    url = "http://127.0.0.1:%d" % free_port
    run = run_playbook(NOTHING_LISTENS, extra_vars={"url": url})

    assert run.rc == 0, run.output
    waited = float(run.task("Stop the clock")["ansible_facts"]["waited"])
    assert 3.0 <= waited <= 3.0 + 1.0
    assert _status(run, "Wait for a deployment that never comes") == "failed"
    failure = run.task("Wait for a deployment that never comes")
    assert failure["msg"].startswith("%s GET /api/v2/: gave up after 3s (wait_timeout) and " % url)
    assert failure["msg"].endswith(" attempts: cannot connect: connection refused")

    assert _status(run, "Bad constraint") == "failed"
    bad = run.task("Bad constraint")
    assert bad["msg"] == "invalid version constraint '>=three': 'three' is not a version"
    # A bad constraint fails before any waiting (the 300 s default would otherwise apply).
    assert float(run.task("Stop the clock again")["ansible_facts"]["waited_for_bad_constraint"]) < 1.0


LATE_START = """
- name: Late start
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Tell the test the wait begins
      ansible.builtin.file:
        path: "{{ signal }}"
        state: touch
        mode: "0600"

    - name: Wait for the deployment
      coder.coderd.wait_for:
        url: "{{ url }}"
        wait_timeout: 30
        sleep: 0.5
      register: waited
"""


def test_succeeds_when_the_deployment_starts_two_seconds_late(free_port, run_playbook, tmp_path):
    signal = tmp_path / "waiting"
    started = []
    starter = _after_signal(signal, 2.0, lambda: started.append(Simulator(port=free_port).start()))
    try:
        run = run_playbook(LATE_START, extra_vars={"url": "http://127.0.0.1:%d" % free_port, "signal": str(signal)})
    finally:
        starter.join(SIGNAL_TIMEOUT_SECONDS)
        for sim in started:
            sim.stop()

    assert run.rc == 0, run.output
    result = run.task("Wait for the deployment")
    assert result["version"] == "v2.34.3+4653f32"
    # Failed polls came first; how many depends on how long the playbook took to reach the task.
    assert result["attempts"] >= 2
    assert 0.5 <= result["elapsed"] < 10
    assert result["changed"] is False
    assert started[0].request_count("/api/v2/") == 1
    assert started[0].request_count("/api/v2/buildinfo") == 1


UPGRADE = """
- name: Wait for an upgrade
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Tell the test the wait begins
      ansible.builtin.file:
        path: "{{ signal }}"
        state: touch
        mode: "0600"

    - name: Wait for 2.35
      coder.coderd.wait_for:
        url: "{{ url }}"
        version: ">=2.35"
        wait_timeout: 30
        sleep: 0.3
      register: upgraded
"""


def test_waits_until_the_version_satisfies_the_constraint(coder_sim, run_playbook, tmp_path):
    signal = tmp_path / "waiting"
    upgrader = _after_signal(signal, 1.0, lambda: coder_sim.set_state({"version": "v2.35.0+0123abc"}))
    try:
        run = run_playbook(UPGRADE, extra_vars={"url": coder_sim.url, "signal": str(signal)})
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
