"""The playbooks shipped in the collection (coder.coderd.drift_check, coder.coderd.demo), run from
the laid-out collection as `ansible-playbook coder.coderd.<name>` would run them."""

import os
from pathlib import Path

from coder_sim import DEFAULT_TOKENS

PLAYBOOKS = Path(os.environ.get("ANSIBLE_COLLECTIONS_PATH", "build")) / "ansible_collections/coder/coderd/playbooks"
ROLE_TASK = "coder.coderd.deployment_check : Check the Coder deployment against its desired state"


def connection(sim):
    return {"coder_url": sim.url, "coder_token": DEFAULT_TOKENS["owner"]}


def test_drift_check_without_a_desired_state_fails_before_any_request(run_playbook, coder_sim):
    result = run_playbook(PLAYBOOKS / "drift_check.yml", extra_vars=connection(coder_sim))
    assert result.rc == 2, result.output
    message = result.task("Require a desired state")["msg"]
    assert "\n" not in message
    for variable in ("coder_desired_file", "coder_desired", "coder_baseline"):
        assert variable in message
    assert coder_sim.request_count() == 0


def test_drift_check_with_an_empty_document_and_a_baseline(run_playbook, coder_sim, tmp_path):
    # As `-e coder_desired='{}'` passes it: a string, which the module reads as a mapping.
    extra_vars = dict(connection(coder_sim), coder_desired="{}", coder_baseline="recommended",
                      coder_fail_on="never", coder_report_dir=str(tmp_path / "reports"))
    result = run_playbook(PLAYBOOKS / "drift_check.yml", extra_vars=extra_vars)
    assert result.rc == 0, result.output
    check = result.task(ROLE_TASK)
    assert check["summary"]["total"] > 0
    assert {record["source"] for record in check["records"]} == {"baseline:recommended"}


def test_demo_writes_its_reports_under_the_working_directory_and_shows_its_drifts(
        run_playbook, coder_sim_factory, tmp_path):
    sim = coder_sim_factory(state={"deployment": {"CODER_ACCESS_URL": "https://elsewhere.example.com"}})
    result = run_playbook(PLAYBOOKS / "demo.yml", extra_vars=connection(sim))
    assert result.rc == 0, result.output
    # run_playbook runs the first playbook in tmp_path/run1.
    assert sorted(path.name for path in (tmp_path / "run1" / "coder-demo-reports").iterdir()) == [
        "coder-drift.json", "coder-drift.junit.xml", "coder-drift.md"]
    assert not (PLAYBOOKS / "coder-demo-reports").exists()
    assert not (PLAYBOOKS.parent / "build").exists()
    shown = [item["msg"] for item in result.task("Show each drift and error")["results"]]
    assert sorted(shown) == [
        'CODER_ACCESS_URL [medium] expected eq "https://coder.example.com", actual "https://elsewhere.example.com"',
        'max-token-lifetime [high] expected le "30d", actual "876600h0m0s"',
    ], shown
