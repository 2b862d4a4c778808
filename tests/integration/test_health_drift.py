"""The desired-state section health run by real ansible-playbook against the simulator's recorded
health reports: one record (one JUnit test case) per health code, sections dismissed in Coder waived,
the health report fetched only when the desired state asks, and refused in one line to an auditor."""

from collections import Counter
from pathlib import Path
from xml.etree import ElementTree

import pytest

from coder_sim import DEFAULT_TOKENS
from plays import CONNECTED_PLAY

REPO = Path(__file__).resolve().parents[2]
DRIFT_CHECK = REPO / "playbooks" / "drift_check.yml"
ROLE_TASK = "coder.coderd.deployment_check : Check the Coder deployment against its desired state"
DOCS = "https://coder.com/docs/admin/monitoring/health-check#"
HEALTH = "/api/v2/debug/health"
ASSERT_PLAY = CONNECTED_PLAY + """
    - name: Check health
      coder.coderd.deployment_assert:
        desired: "{{ desired }}"
        report_dir: "{{ report_dir }}"
        fail: false
"""
DISMISS_THEN_ASSERT = CONNECTED_PLAY + """
    - name: Dismiss the DERP checks
      coder.coderd.health_settings:
        dismissed: [DERP]
    - name: Check health
      coder.coderd.deployment_assert:
        desired: {health: {severity: ok}}
        fail: false
"""
# health-warnings.json: EDERP01 (DERP over websockets), EDB02 (slow database), EPD02 (an old provisioner).
WARNINGS_RECORDS = [
    ("health.access_url", "pass", "ok"), ("health.database.EDB02", "drift", "warning"),
    ("health.derp.EDERP01", "drift", "warning"), ("health.provisioner_daemons.EPD02", "drift", "warning"),
    ("health.websocket", "pass", "ok"), ("health.workspace_proxy", "pass", "ok")]


def connection(sim, role="owner", **extra):
    return dict(coder_url=sim.url, coder_token=DEFAULT_TOKENS[role], **extra)


def records(check):
    return [(record["key"], record["status"], record["actual"]) for record in check["records"]]


def test_severity_ok_on_a_deployment_with_warnings_drifts_once_per_code(run_playbook, coder_sim_factory, tmp_path):
    sim = coder_sim_factory(state={"health": {"report": "warnings"}})
    result = run_playbook(ASSERT_PLAY, extra_vars=connection(sim, desired={"health": {"severity": "ok"}},
                                                             report_dir=str(tmp_path)))
    assert result.rc == 0, result.output
    check = result.task("Check health")
    assert (check["passed"], check["outcome"], check["subsets"]) == (False, "drifted", ["health"])
    assert records(check) == WARNINGS_RECORDS
    by_key = dict((record["key"], record) for record in check["records"])
    assert by_key["health.database.EDB02"]["docs_url"] == DOCS + "edb02"
    assert check["plan"][:3] == [
        "[medium] health.database.EDB02: expected eq 'ok', actual 'warning'",
        "[medium] health.derp.EDERP01: expected eq 'ok', actual 'warning'",
        "[medium] health.provisioner_daemons.EPD02: expected eq 'ok', actual 'warning'"]
    # The health report and the build info (for the reports' Coder version), nothing else.
    assert Counter(request["path"] for request in sim.requests) == Counter({HEALTH: 1, "/api/v2/buildinfo": 1})
    suite = ElementTree.parse(str(tmp_path / "coder-drift.junit.xml")).getroot().find("testsuite")
    cases = dict((case.get("name"), case) for case in suite.findall("testcase"))
    assert sorted(cases) == sorted(key for key, _status, _actual in WARNINGS_RECORDS)
    assert cases["health.derp.EDERP01"].find("failure").get("message") == '[medium] expected eq "ok", actual "warning"'
    assert "docs: %sederp01" % DOCS in cases["health.derp.EDERP01"].find("failure").text


def test_a_healthy_deployment_passes_the_role_gate(run_playbook, coder_sim, tmp_path):
    result = run_playbook(DRIFT_CHECK, extra_vars=connection(
        coder_sim, coder_desired={"health": {"max_severity": "ok", "forbidden_codes": ["EPD01"]}},
        coder_report_dir=str(tmp_path)))
    assert result.rc == 0, result.output
    check = result.task(ROLE_TASK)
    assert (check["outcome"], check["summary"]["total"], check["summary"]["pass"]) == ("passed", 6, 6)


def test_dismissed_as_code_then_the_check_waives_the_section_as_the_dashboard(run_playbook, coder_sim_factory):
    sim = coder_sim_factory(state={"health": {"report": "warnings"}})
    result = run_playbook(DISMISS_THEN_ASSERT, extra_vars=connection(sim))
    assert result.rc == 0, result.output
    check = result.task("Check health")
    derp = [record for record in check["records"] if record["key"] == "health.derp.EDERP01"][0]
    assert (derp["status"], derp["waiver"]["reason"]) == ("waived", "dismissed in Coder")
    assert (check["summary"]["drift"], check["summary"]["waived"]) == (2, 1)


@pytest.mark.parametrize("role", ["auditor", "member"])
def test_a_health_check_with_a_non_owner_token_fails_in_one_line(run_playbook, coder_sim, role, tmp_path):
    result = run_playbook(ASSERT_PLAY, extra_vars=connection(coder_sim, role, desired={"health": {"severity": "ok"}},
                                                             report_dir=str(tmp_path)))
    assert result.rc == 2
    check = result.task("Check health")
    assert check["msg"] == ("%s GET %s: HTTP 403 Forbidden: the health report needs a token of a user with the owner "
                            "role (auditors, template admins and members may not read it)" % (coder_sim.url, HEALTH))
    assert check["outcome"] == "error" and (tmp_path / "coder-drift.junit.xml").is_file()


def test_a_baseline_with_an_auditor_token_never_asks_for_health(run_playbook, coder_sim, tmp_path):
    result = run_playbook(DRIFT_CHECK, extra_vars=connection(coder_sim, "auditor", coder_baseline="recommended",
                                                             coder_fail_on="never", coder_report_dir=str(tmp_path)))
    assert result.rc == 0, result.output
    assert result.task(ROLE_TASK)["outcome"] in ("passed", "drifted")
    assert coder_sim.request_count(HEALTH) == 0
