"""The fleet report of the deployment_check role: real ansible-playbook over several simulators.

One drifted, one passing and one down deployment give one report with all three, worst first;
``serial: 1`` leaves the whole play's view after its last batch; ``--limit`` summarizes only the
hosts it leaves; two AWX slices writing into one folder keep their own files.
"""

import json
from pathlib import Path
from xml.etree import ElementTree

import pytest
import xmlschema
import yaml

from coder_sim import DEFAULT_TOKENS

XSD = Path(__file__).resolve().parents[1] / "unit" / "fixtures" / "junit" / "junit-10.xsd"
FLEET_TASK = "coder.coderd.deployment_check : Write the fleet report"
CHECK_TASK = "coder.coderd.deployment_check : Check the Coder deployment against its desired state"
# The default simulator runs v2.34.x; the drifted one an older release and a low rate limit.
DESIRED = {"version": {"version": ">=2.30", "severity": "high"}, "config": {"CODER_API_RATE_LIMIT": {"ge": 512}}}
DRIFTED_STATE = {"version": "v2.29.1+0a1b2c3", "deployment": {"CODER_API_RATE_LIMIT": "100"}}
FLEET_FILES = ["coder-fleet.json", "coder-fleet.junit.xml", "coder-fleet.md"]


def play(**options):
    return yaml.safe_dump([dict({"name": "Check the fleet", "hosts": "coder", "gather_facts": False},
                                **options, roles=["coder.coderd.deployment_check"])], sort_keys=False)


def inventory(urls, **extra):
    """One host per deployment, in the given order, each with the URL the role reads."""
    hosts = dict((host, dict({"coder_url": url}, **extra.get(host, {}))) for host, url in urls.items())
    return yaml.safe_dump({"coder": {"hosts": hosts, "vars": {"ansible_connection": "local"}}}, sort_keys=False)


@pytest.fixture
def fleet(coder_sim_factory, refused_url):
    """URLs of three deployments, by host: passing, drifted, down."""
    return {"passing": coder_sim_factory().url, "drifted": coder_sim_factory(state=DRIFTED_STATE).url,
            "down": refused_url}


def run_vars(reports, **extra):
    # No retries: the down deployment refuses at once, the others answer.
    return dict({"coder_token": DEFAULT_TOKENS["owner"], "coder_desired": DESIRED, "coder_retries": 0,
                 "coder_report_dir": "%s/{{ inventory_hostname }}" % reports}, **extra)


def index_of(folder, name="coder-fleet.json"):
    return json.loads((folder / name).read_text(encoding="utf-8"))


def test_one_fleet_report_of_a_drifted_a_passing_and_a_down_deployment(run_playbook, fleet, tmp_path):
    result = run_playbook(play(), inventory=inventory(fleet), extra_vars={
        "coder_token": DEFAULT_TOKENS["owner"], "coder_desired": DESIRED, "coder_retries": 0})
    assert result.rc == 2, result.output
    # The role's default folders: one per host, the fleet report above them, written once.
    reports = tmp_path / "run1" / "coder-drift-reports"
    assert sorted(path.name for path in reports.iterdir()) == FLEET_FILES + ["down", "drifted", "passing"]
    assert result.task(FLEET_TASK)["counts"] == dict(deployments=3, error=1, drifted=1, passed=1, not_checked=0)
    assert result.task(FLEET_TASK)["msg"] == (
        "fleet report of 3 deployments: 1 error, 1 drifted, 1 passed; in coder-drift-reports")
    index = index_of(reports)
    assert [(entry["host"], entry["outcome"]) for entry in index["deployments"]] == [
        ("down", "error"), ("drifted", "drifted"), ("passing", "passed")]
    down, drifted, passing = index["deployments"]
    assert (down["url"], down["version"], len(down["errors"])) == (fleet["down"], None, 1)
    assert down["errors"][0].startswith(fleet["down"] + ": ") and "connection refused" in down["errors"][0]
    assert (drifted["url"], drifted["version"], drifted["errors"]) == (fleet["drifted"], "v2.29.1+0a1b2c3", [])
    assert drifted["drift_by_severity"] == dict(critical=0, high=1, medium=1, low=0, info=0)
    assert (passing["version"].startswith("v2.34."), passing["counts"]["pass"]) == (True, 2)
    # Each host's own reports, relative to the fleet's folder.
    assert drifted["reports"] == {"json": "drifted/coder-drift.json", "junit": "drifted/coder-drift.junit.xml",
                                  "markdown": "drifted/coder-drift.md"}
    for entry in index["deployments"]:
        assert json.loads((reports / entry["reports"]["json"]).read_text(encoding="utf-8"))["outcome"] == \
            entry["outcome"]

    junit = (reports / "coder-fleet.junit.xml").read_text(encoding="utf-8")
    xmlschema.XMLSchema(str(XSD)).validate(junit)
    suites = ElementTree.fromstring(junit.encode("utf-8")).findall("testsuite")
    assert [suite.get("name") for suite in suites] == [fleet["down"], fleet["drifted"], fleet["passing"]]
    assert [[case.get("name") for case in suite.findall("testcase")] for suite in suites] == [
        ["drift check"], ["version", "CODER_API_RATE_LIMIT"], ["version", "CODER_API_RATE_LIMIT"]]
    assert [len(suite.findall("testcase/failure")) for suite in suites] == [0, 2, 0]

    markdown = (reports / "coder-fleet.md").read_text(encoding="utf-8")
    lines = markdown.splitlines()
    assert lines[0] == "### Coder fleet drift check: 3 deployments"
    assert lines[2].startswith("**1 \u26a0\ufe0f error \u00b7 1 \u274c drifted \u00b7 1 \u2705 passed** \u00b7 "
                               "drifts: 1 high, 1 medium \u00b7 ")
    assert [line.split(" | ")[1] for line in lines[6:9]] == ["down", "drifted", "passing"]
    assert lines[7] == "| \u274c drifted | drifted | %s | v2.29.1 | 1 high, 1 medium |  |" % fleet["drifted"]
    print(markdown)
    assert DEFAULT_TOKENS["owner"].split("-", 1)[1] not in markdown + junit + result.output


def test_under_serial_each_batch_refreshes_the_report_and_the_last_leaves_the_whole_play(
        run_playbook, fleet, tmp_path):
    # Ansible ends a serial play after a batch whose hosts all failed: drift does not fail here,
    # and the down host, whose check cannot run, comes last.
    reports = tmp_path / "reports"
    result = run_playbook(play(serial=1), inventory=inventory(fleet),
                          extra_vars=run_vars(reports, coder_fail_on="never"))
    assert result.rc == 2, result.output
    batches = [record["result"]["counts"] for record in result.results if record["task"] == FLEET_TASK]
    assert [(counts["deployments"], counts["not_checked"]) for counts in batches] == [(1, 2), (2, 1), (3, 0)]
    index = index_of(reports)
    assert [(entry["host"], entry["outcome"]) for entry in index["deployments"]] == [
        ("down", "error"), ("drifted", "passed"), ("passing", "passed")]
    assert index["deployments"][1]["drift_by_severity"]["high"] == 1
    assert index["not_checked"] == []


def test_a_serial_play_that_ends_early_lists_the_hosts_it_never_reached(run_playbook, fleet, tmp_path):
    reports = tmp_path / "reports"
    order = {"down": fleet["down"], "passing": fleet["passing"], "drifted": fleet["drifted"]}
    result = run_playbook(play(serial=1), inventory=inventory(order), extra_vars=run_vars(reports))
    assert result.rc == 2, result.output
    index = index_of(reports)
    assert [entry["host"] for entry in index["deployments"]] == ["down"]
    assert index["not_checked"] == ["drifted", "passing"]
    assert "2 hosts not checked (yet)" in (reports / "coder-fleet.md").read_text(encoding="utf-8")


def test_a_limited_run_summarizes_only_its_hosts_not_older_reports_in_the_folder(run_playbook, fleet, tmp_path):
    reports = tmp_path / "reports"
    run_playbook(play(), inventory=inventory(fleet), extra_vars=run_vars(reports))
    assert index_of(reports)["counts"]["deployments"] == 3
    result = run_playbook(play(), inventory=inventory(fleet), extra_vars=run_vars(reports), limit="passing,drifted")
    assert result.rc == 2, result.output
    index = index_of(reports)
    assert [entry["host"] for entry in index["deployments"]] == ["drifted", "passing"]
    assert (index["run"]["limit"], index["run"]["hosts"], index["not_checked"]) == ("passing,drifted", 2, [])
    # The down host's report of the first run is still there, and not in the summary.
    assert (reports / "down" / "coder-drift.json").is_file()
    assert "down" not in (reports / "coder-fleet.md").read_text(encoding="utf-8")


def test_two_awx_slices_sharing_the_folder_keep_their_own_files(run_playbook, fleet, tmp_path):
    reports = tmp_path / "reports"
    slices = [({"passing": fleet["passing"], "down": fleet["down"]}, 4711),
              ({"drifted": fleet["drifted"]}, 4712)]
    for hosts, job in slices:
        # What AWX gives every job of a workflow, as a sliced job is.
        run_playbook(play(), inventory=inventory(hosts), extra_vars=run_vars(
            reports, awx_job_id=job, tower_job_id=job, awx_workflow_job_id=4710, tower_workflow_job_id=4710))
    names = sorted(path.name for path in reports.iterdir() if path.is_file())
    assert names == ["coder-fleet-job4711.json", "coder-fleet-job4711.junit.xml", "coder-fleet-job4711.md",
                     "coder-fleet-job4712.json", "coder-fleet-job4712.junit.xml", "coder-fleet-job4712.md"]
    first, second = index_of(reports, "coder-fleet-job4711.json"), index_of(reports, "coder-fleet-job4712.json")
    assert [entry["host"] for entry in first["deployments"]] == ["down", "passing"]
    assert [entry["host"] for entry in second["deployments"]] == ["drifted"]
    assert (second["run"]["job_id"], second["run"]["workflow_job_id"], second["run"]["suffix"]) == (
        "4712", "4710", "-job4712")
    assert "AWX job 4711; workflow job 4710" in (reports / "coder-fleet-job4711.md").read_text(encoding="utf-8")


def test_a_host_that_failed_before_its_check_is_in_error_with_the_inventory_cause(run_playbook, fleet, tmp_path):
    reports = tmp_path / "reports"
    urls = {"passing": fleet["passing"], "gone": "https://gone.example.com"}
    cause = "GET /api/v2/buildinfo: connection refused"
    text = yaml.safe_load(play())
    text[0]["pre_tasks"] = [{"name": "Only deployments the inventory could read",
                             "ansible.builtin.assert": {"that": "coder_reachable | default(true)"}}]
    result = run_playbook(yaml.safe_dump(text), inventory=inventory(urls, gone={
        "coder_reachable": False, "coder_error": cause}), extra_vars=run_vars(reports))
    assert result.rc == 2, result.output
    assert [record["host"] for record in result.results if record["task"] == CHECK_TASK] == ["passing"]
    gone = index_of(reports)["deployments"][0]
    assert (gone["host"], gone["url"], gone["outcome"], gone["reports"]) == (
        "gone", "https://gone.example.com", "error", {})
    assert gone["errors"] == ["the drift check did not run: %s" % cause]


MODULE_PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Check without failing
      coder.coderd.deployment_assert:
        url: "{{ coder_url }}"
        token: "{{ coder_token }}"
        desired: {version: ">=2.30"}
        fail: false
      register: checked

    - name: Into a folder that cannot be made
      coder.coderd.fleet_report:
        report_dir: "{{ blocked }}/reports"
        result_var: checked
      ignore_errors: true

    - name: Only Markdown, with a suffix of our own
      coder.coderd.fleet_report:
        report_dir: "{{ reports }}"
        report_formats: [markdown]
        suffix: -eu
        result_var: checked
"""


def test_the_module_alone_writes_what_it_is_asked_and_fails_in_one_line(run_playbook, coder_sim, tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("", encoding="utf-8")
    result = run_playbook(MODULE_PLAY, extra_vars={
        "coder_url": coder_sim.url, "coder_token": DEFAULT_TOKENS["owner"], "blocked": str(blocked),
        "reports": str(tmp_path / "reports")})
    assert result.rc == 0, result.output
    failed = [record for record in result.results if record["task"] == "Into a folder that cannot be made"]
    assert [record["status"] for record in failed] == ["failed"]
    assert failed[0]["result"]["msg"] == "report_dir %s/reports: cannot write the fleet report: Not a directory" % blocked
    assert sorted(path.name for path in (tmp_path / "reports").iterdir()) == ["coder-fleet-eu.md"]
    # Without report_dir the check wrote no report: the fleet reads the records of its registered result.
    lines = (tmp_path / "reports" / "coder-fleet-eu.md").read_text(encoding="utf-8").splitlines()
    assert lines[-1].startswith("| \u2705 passed | localhost | %s | v2.34." % coder_sim.url)


def test_the_fleet_report_shows_each_deployment_s_health_when_the_check_read_it(
        run_playbook, coder_sim_factory, tmp_path):
    urls = {"healthy": coder_sim_factory().url,
            "warning": coder_sim_factory(state={"health": {"report": "warnings"}}).url}
    desired = dict(DESIRED, health={"max_severity": "warning"})
    result = run_playbook(play(), inventory=inventory(urls), extra_vars=dict(run_vars(tmp_path), coder_desired=desired))
    assert result.rc == 0, result.output
    index = index_of(tmp_path)
    assert sorted((entry["host"], entry["health"]) for entry in index["deployments"]) == [
        ("healthy", "ok"), ("warning", "warning")]
    lines = (tmp_path / "coder-fleet.md").read_text(encoding="utf-8").splitlines()
    assert "| Outcome | Host | Deployment | Version | Health | Drifts | Errors |" in lines
    assert any("| warning | %s |" % urls["warning"] in line and "\u26a0\ufe0f warning" in line for line in lines)
