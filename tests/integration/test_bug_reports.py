"""A bug of ours says it is one, in one line, and shows its traceback at -vvv only.

The inject_bug callback plants a TypeError in the /buildinfo normalizer of the controller: before,
it was reported as a server problem ("a field has a type Coder does not send"), with no traceback.
"""

import pytest

PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Read the build information
      coder.coderd.build_info:
        url: "{{ url }}"
      ignore_errors: true

    - name: Look the version up
      ansible.builtin.debug:
        msg: "{{ lookup('coder.coderd.build_info', 'version', url=url) }}"
      ignore_errors: true
"""
BUG_LINE = ("bug in coder.coderd: TypeError: planted bug: 'NoneType' object is not subscriptable "
            "(please report it; run with -vvv for the traceback)")


@pytest.mark.parametrize("verbosity", [0, 3])
def test_a_bug_is_reported_as_one_with_its_traceback_at_vvv(run_playbook, coder_sim, verbosity):
    run = run_playbook(PLAYBOOK, extra_vars={"url": coder_sim.url}, verbosity=verbosity,
                       env={"ANSIBLE_CALLBACKS_ENABLED": "capture,inject_bug"})
    assert run.task("Read the build information")["msg"] == BUG_LINE
    assert BUG_LINE in run.task("Look the version up")["msg"]
    assert "does not send" not in run.output
    tracebacks = run.output.count("Traceback (most recent call last)")
    assert tracebacks == (2 if verbosity >= 3 else 0), run.output
    if verbosity >= 3:
        assert "in normalize_build_info" in run.output
