"""The coder.coderd.deployment_check role run by real ansible-playbook against the simulator."""

from collections import Counter

from coder_sim import DEFAULT_TOKENS
from core_output import messages, unwrapped

CHECK_TASK = "coder.coderd.deployment_check : Check the Coder deployment against its desired state"
REPORT_TASK = "coder.coderd.deployment_check : Report the drift check result"
FAIL_TASK = "coder.coderd.deployment_check : Fail on drift"
VALIDATE_TASK = ("coder.coderd.deployment_check : Validating arguments against arg spec 'main' - "
                 "Check a Coder deployment against a desired state and fail on drift")
DESIRED = {
    "version": ">=2.30",
    "config": {"CODER_ACCESS_URL": "https://coder.example.com", "max-token-lifetime": {"le": "30d"}},
}

ROLE_PLAY = """
- hosts: localhost
  gather_facts: false
  roles:
    - role: coder.coderd.deployment_check
"""


def test_under_check_mode_the_role_checks_reports_and_fails_on_drift(run_playbook, coder_sim, tmp_path):
    reports = tmp_path / "reports"
    result = run_playbook(ROLE_PLAY, check=True, extra_vars=dict(
        coder_url=coder_sim.url, coder_token=DEFAULT_TOKENS["owner"], coder_desired=DESIRED,
        coder_report_dir=str(reports)))
    assert result.rc == 2, result.output
    check = result.task(CHECK_TASK)
    assert (check["summary"]["pass"], check["summary"]["drift"]) == (2, 1)
    # The check has no severity of its own: medium is the default.
    assert result.task(REPORT_TASK)["msg"] == [
        "[medium] max-token-lifetime: expected le '30d', actual '876600h0m0s'",
        "drift check failed on %s (3 checks: 2 passed, 1 drifted, 0 waived, 0 errors; fail_on: low)" % coder_sim.url]
    assert result.task(FAIL_TASK)["msg"] == result.task(REPORT_TASK)["msg"][-1]
    # Reports are local artefacts: written in check mode too, before the play fails.
    assert sorted(path.name for path in reports.iterdir()) == [
        "coder-drift.json", "coder-drift.junit.xml", "coder-drift.md"]
    assert Counter(request["path"] for request in coder_sim.requests) == Counter(
        {"/api/v2/buildinfo": 1, "/api/v2/deployment/config": 1})
    assert DEFAULT_TOKENS["owner"].split("-", 1)[1] not in result.output


def test_the_role_passes_with_fail_on_above_the_drift_and_takes_the_connection_from_the_cli_env(
        run_playbook, coder_sim, tmp_path):
    result = run_playbook(ROLE_PLAY, check=True, extra_vars=dict(
        coder_desired=DESIRED, coder_fail_on="high", coder_report_dir=""),
        env={"CODER_URL": coder_sim.url, "CODER_SESSION_TOKEN": DEFAULT_TOKENS["owner"]})
    assert result.rc == 0, result.output
    assert result.task(CHECK_TASK)["reports"] == {}
    assert result.task(REPORT_TASK)["msg"] == [
        "drift check passed on %s (3 checks: 2 passed, 1 drifted, 0 waived, 0 errors; fail_on: high)" % coder_sim.url]
    assert ("[WARNING]: not failing (fail_on: high): [medium] max-token-lifetime: expected le '30d', actual "
            "'876600h0m0s'") in messages(result.output)
    assert not list(tmp_path.glob("**/coder-drift.*"))


def test_the_hardened_baseline_alone(run_playbook, coder_sim, tmp_path):
    result = run_playbook(ROLE_PLAY, extra_vars=dict(
        coder_url=coder_sim.url, coder_token=DEFAULT_TOKENS["owner"], coder_baseline="hardened",
        coder_fail_on="medium", coder_report_dir=str(tmp_path)))
    assert result.rc == 2
    check = result.task(CHECK_TASK)
    drifted = sorted(record["key"] for record in check["drift"])
    assert drifted == ["CODER_DISABLE_PASSWORD_AUTH", "CODER_DISABLE_PATH_APPS", "CODER_MAX_TOKEN_LIFETIME",
                       "CODER_PROMETHEUS_ADDRESS", "CODER_STRICT_TRANSPORT_SECURITY"]
    plan = result.task(REPORT_TASK)["msg"]
    assert check["summary"]["failing"] == 4  # the info drift is a warning, below fail_on
    assert [line.split(":")[0] for line in plan[:-1]] == [
        "[high] CODER_MAX_TOKEN_LIFETIME", "[high] CODER_DISABLE_PASSWORD_AUTH", "[medium] CODER_STRICT_TRANSPORT_SECURITY",
        "[medium] CODER_DISABLE_PATH_APPS"]
    assert "[WARNING]: not failing (fail_on: medium): [info] CODER_PROMETHEUS_ADDRESS: " in unwrapped(result.output)


def test_bad_role_input_is_refused_before_any_request(run_playbook, coder_sim):
    result = run_playbook(ROLE_PLAY, extra_vars=dict(
        coder_url=coder_sim.url, coder_token=DEFAULT_TOKENS["owner"], coder_desired=DESIRED, coder_fail_on="sometimes"))
    assert result.rc == 2
    message = result.task(VALIDATE_TASK)["msg"]
    assert "coder_fail_on" in message and "sometimes" in message
    assert coder_sim.request_count() == 0
