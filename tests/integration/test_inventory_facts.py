"""The deployment_check role over the coder.coderd.deployments inventory: checks with the facts the
inventory read for each host while they are fresh, requests only what they lack, and requests
again when they are stale or served from the inventory cache. Requests are counted at the simulators."""

import json
from collections import Counter

import pytest
import yaml

from coder_sim import DEFAULT_TOKENS

OWNER = DEFAULT_TOKENS["owner"]
CHECK_TASK = "coder.coderd.deployment_check : Check the Coder deployment against its desired state"
# build, config (a key mapped through the options list), ssh: three endpoints a check would read.
DESIRED = {
    "version": ">=2.30",
    "config": {"CODER_ACCESS_URL": "https://coder.example.com", "max-token-lifetime": {"le": "30d"}},
    "ssh": {"hostname_prefix": "coder."},
}
CHECKED = Counter({"/api/v2/buildinfo": 1, "/api/v2/deployment/config": 1, "/api/v2/deployment/ssh": 1})


def role_play(name, desired, report_dir):
    """A play of the role over every host. Extra vars would override its role vars: the test passes
    ``desired`` and ``report_root`` as extra vars, which these templates read."""
    return """
- name: %s
  hosts: all
  connection: local
  gather_facts: false
  roles:
    - role: coder.coderd.deployment_check
      vars:
        coder_desired: "{{ %s }}"
        coder_report_dir: "%s"
""" % (name, desired, report_dir)


ROLE_PLAY = role_play("Check the fleet", "desired", "{{ report_root }}/{{ inventory_hostname }}")
# A second play in the same run checks the update check too, which the inventory did not read.
UPDATE_CHECK_PLAY = role_play("Check the update check too", "desired | combine({'update_check': {'current': true}})", "")


@pytest.fixture
def fleet(coder_sim_factory, tmp_path):
    """Three deployments in one inventory file that leaves out the update check."""
    sims = dict((name, coder_sim_factory()) for name in ("one", "two", "three"))
    config = {"plugin": "coder.coderd.deployments", "token": OWNER, "include_options": True,
              "gather": ["all", "!update_check"],
              "deployments": [{"name": name, "url": sim.url} for name, sim in sims.items()]}
    inventory = tmp_path / "fleet.coder.yml"
    inventory.write_text(yaml.safe_dump(config, sort_keys=False))
    return sims, inventory


def run_role(run_playbook, inventory, tmp_path, name, play=ROLE_PLAY, check=False, **role_vars):
    extra_vars = dict(coder_token=OWNER, desired=DESIRED, coder_fail_on="never", report_root=str(tmp_path / name),
                      **role_vars)
    result = run_playbook(play, inventory=inventory, extra_vars=extra_vars, check=check,
                          env={"ANSIBLE_DIFF_ALWAYS": "1"})
    assert result.rc == 0, result.output
    return result


def requests_of(sim):
    return Counter(request["path"] for request in sim.requests)


def report_records(tmp_path, name, host):
    report = json.loads((tmp_path / name / host / "coder-drift.json").read_text())
    return report["outcome"], report["records"], report["context"]["coder_version"]


def test_the_check_sends_no_request_for_the_parts_the_fresh_inventory_facts_hold(run_playbook, fleet, tmp_path):
    sims, inventory = fleet
    result = run_role(run_playbook, inventory, tmp_path, "reused", play=ROLE_PLAY + UPDATE_CHECK_PLAY, check=True)

    for name, sim in sims.items():
        # The inventory read 8 endpoints, the check of the first play nothing, that of the second play
        # only the update check, which the inventory did not read: every endpoint once.
        assert requests_of(sim) == Counter(dict((path, 1) for path in requests_of(sim)))
        assert sum(requests_of(sim).values()) == 9 and requests_of(sim)["/api/v2/updatecheck"] == 1
        checks = [record["result"] for record in result.results if record["task"] == CHECK_TASK and record["host"] == name]
        assert [check["inventory_facts"] for check in checks] == [{"used": ["build", "config", "ssh"], "reason": None}] * 2
        assert [len(check["records"]) for check in checks] == [4, 5]
        # The drift (max token lifetime) is found, and shown under --diff, as without the inventory.
        assert checks[0]["summary"]["drift"] == 1 and checks[0]["changed"] and len(checks[0]["diff"]) == 1

    for sim in sims.values():
        sim.reset_requests()
    requested = run_role(run_playbook, inventory, tmp_path, "requested", check=True, coder_inventory_facts=False)
    for name, sim in sims.items():
        assert requests_of(sim) == Counter(dict((path, 1) for path in requests_of(sim) if path != "/api/v2/updatecheck")) + CHECKED
        assert "inventory_facts" not in requested.task(CHECK_TASK, name)
        # Same verdict, records and version in the reports whichever way the facts came.
        assert report_records(tmp_path, "reused", name) == report_records(tmp_path, "requested", name)
        assert [record["status"] for record in report_records(tmp_path, "reused", name)[1]].count("drift") == 1


def test_stale_facts_are_requested_again(run_playbook, fleet, tmp_path):
    sims, inventory = fleet
    play = ROLE_PLAY.replace("  roles:", "  pre_tasks:\n    - ansible.builtin.pause:\n        seconds: 2\n  roles:")
    result = run_role(run_playbook, inventory, tmp_path, "stale", play=play, coder_inventory_facts_max_age=0)
    for name, sim in sims.items():
        check = result.task(CHECK_TASK, name)
        assert check["inventory_facts"]["used"] == []
        assert "more than inventory_facts_max_age (0s)" in check["inventory_facts"]["reason"]
        assert requests_of(sim)["/api/v2/deployment/config"] == 2
        assert requests_of(sim)["/api/v2/deployment/ssh"] == 2


def test_facts_served_from_the_inventory_cache_are_requested_again(run_playbook, fleet, tmp_path):
    sims, inventory = fleet
    config = yaml.safe_load(inventory.read_text())
    config.update(cache=True, cache_plugin="ansible.builtin.jsonfile", cache_connection=str(tmp_path / "cache"),
                  cache_timeout=3600)
    inventory.write_text(yaml.safe_dump(config, sort_keys=False))
    run_role(run_playbook, inventory, tmp_path, "first")
    for sim in sims.values():
        sim.reset_requests()

    second = run_role(run_playbook, inventory, tmp_path, "second")
    for name, sim in sims.items():
        # The inventory read nothing (cache), the check everything it needs.
        assert requests_of(sim) == CHECKED
        check = second.task(CHECK_TASK, name)
        assert check["inventory_facts"]["used"] == []
        assert check["inventory_facts"]["reason"].startswith("the inventory facts were served from its cache")
