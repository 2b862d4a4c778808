"""The integration harness itself: a real playbook against the simulator, results captured."""

import os
import time

import pytest

READ_BUILD_INFO = """
- name: Read the simulator's build info
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Read build info
      ansible.builtin.uri:
        url: "{{ url }}/api/v2/buildinfo"
      register: build

    - name: Check the version
      ansible.builtin.assert:
        that: build.json.version == expected_version
"""


def test_playbook_reads_the_simulator_and_results_are_captured(coder_sim, run_playbook):
    run = run_playbook(READ_BUILD_INFO, extra_vars={"url": coder_sim.url, "expected_version": "v2.34.3+4653f32"})

    assert run.rc == 0, run.output
    build = run.task("Read build info")
    assert build["status"] == 200
    assert build["json"]["version"] == "v2.34.3+4653f32"
    assert [(record["task"], record["status"]) for record in run.results] == [
        ("Read build info", "ok"),
        ("Check the version", "ok"),
    ]
    assert coder_sim.request_count("/api/v2/buildinfo") == 1


def test_a_failing_task_fails_the_run(coder_sim, run_playbook):
    run = run_playbook(READ_BUILD_INFO, extra_vars={"url": coder_sim.url, "expected_version": "v0.0.1"})

    assert run.rc == 2
    assert run.results[-1]["status"] == "failed"
    assert run.task("Check the version")["assertion"] == "build.json.version == expected_version"


def _processes_mentioning(text):
    found = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/cmdline" % entry, "rb") as cmdline:
                if text.encode() in cmdline.read():
                    found.append(int(entry))
        except OSError:
            continue
    return found


def test_a_run_that_outlives_its_timeout_fails_the_test(run_playbook, tmp_path):
    sleeper = """
- name: Sleep past the timeout
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Sleep
      ansible.builtin.pause:
        seconds: 60
"""
    with pytest.raises(pytest.fail.Exception, match="did not finish within 3s"):
        run_playbook(sleeper, timeout=3)
    # ansible-playbook's worker, which runs the pause, has a session of its own: it must be gone too
    # (well before its 60 s pause would end, however slowly a loaded machine reaps it).
    deadline = time.monotonic() + 30
    while _processes_mentioning(str(tmp_path)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _processes_mentioning(str(tmp_path)) == []
