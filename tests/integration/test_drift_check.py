"""deployment_assert run by real ansible-playbook against the simulator.

Counts are exact: the shipped example desired state (playbooks/desired/example.yml, 39 checks over
every endpoint) against the default simulator, against a drifted one, the hardened baseline, and
malformed input. The simulator counts the requests: one per endpoint the checks need.
"""

import json
from collections import Counter
from pathlib import Path
from xml.etree import ElementTree

import pytest

from coder_sim import DEFAULT_TOKENS
from core_output import messages, unwrapped
from plays import CONNECTED_PLAY

REPO = Path(__file__).resolve().parents[2]
DRIFT_CHECK = REPO / "playbooks" / "drift_check.yml"
ROLE_TASK = "coder.coderd.deployment_check : Check the Coder deployment against its desired state"
PLAN_TASK = "coder.coderd.deployment_check : Report the drift check result"
DRIFTED_STATE = {"version": "v2.29.1+0a1b2c3",
                 "deployment": {"CODER_EXPERIMENTS": "oauth2,foo", "CODER_API_RATE_LIMIT": "100"}}
DRIFTED_PLAN = [
    "[high] experiments.unknown: expected eq [], actual ['foo']",
    "[medium] version: expected version '>=2.30,<3', actual 'v2.29.1+0a1b2c3'",
    "[medium] CODER_API_RATE_LIMIT: expected ge 512, actual 100",
    "[low] update_check.current: expected eq true, actual false",
]
ALL_ENDPOINTS = {
    "/api/v2/", "/api/v2/buildinfo", "/api/v2/deployment/config", "/api/v2/deployment/ssh",
    "/api/v2/deployment/stats", "/api/v2/experiments", "/api/v2/experiments/available", "/api/v2/updatecheck",
    "/api/v2/users/me/keys/tokens/tokenconfig",
}
HARDENED_DRIFTS = [
    ("CODER_DISABLE_PASSWORD_AUTH", "high"), ("CODER_DISABLE_PATH_APPS", "medium"),
    ("CODER_MAX_TOKEN_LIFETIME", "high"), ("CODER_PROMETHEUS_ADDRESS", "info"),
    ("CODER_STRICT_TRANSPORT_SECURITY", "medium"),
]


def connection(sim):
    return {"coder_url": sim.url, "coder_token": DEFAULT_TOKENS["owner"]}


def example_vars(sim, report_dir):
    """playbooks/drift_check.yml on desired/example.yml with its waiver."""
    return dict(connection(sim), coder_desired_file="desired/example.yml",
                coder_waivers_file="desired/example-waivers.yml", coder_report_dir=str(report_dir))


def requests_by_path(sim):
    return Counter(request["path"] for request in sim.requests)


def assert_no_token(result):
    for token in DEFAULT_TOKENS.values():
        assert token.split("-", 1)[1] not in result.output
        assert token.split("-", 1)[1] not in json.dumps(result.results)


def counts(summary):
    return {status: summary[status] for status in ("total", "pass", "drift", "waived", "error")}


def test_example_desired_state_against_the_simulator(run_playbook, coder_sim, tmp_path):
    reports = tmp_path / "reports"
    result = run_playbook(DRIFT_CHECK, extra_vars=example_vars(coder_sim, reports))
    assert result.rc == 0, result.output
    check = result.task(ROLE_TASK)
    assert counts(check["summary"]) == {"total": 39, "pass": 37, "drift": 1, "waived": 1, "error": 0}
    assert check["passed"] is True
    assert [(record["key"], record["severity"]) for record in check["drift"]] == [
        ("CODER_DISABLE_PASSWORD_AUTH", "info")]
    waived = [record for record in check["records"] if record["status"] == "waived"]
    assert [(record["key"], record["resolved_as"], record["waiver"]["key"]) for record in waived] == [
        ("Max Token Lifetime", "config.session_lifetime.max_token_lifetime", "CODER_MAX_TOKEN_LIFETIME")]
    # Every endpoint is needed by some check, and each was read exactly once.
    assert requests_by_path(coder_sim) == Counter(dict.fromkeys(ALL_ENDPOINTS, 1))
    assert sorted(path.name for path in reports.iterdir()) == [
        "coder-drift.json", "coder-drift.junit.xml", "coder-drift.md"]
    suite = ElementTree.parse(str(reports / "coder-drift.junit.xml")).getroot().find("testsuite")
    assert (len(suite.findall("testcase")), len(suite.findall("testcase/failure")),
            len(suite.findall("testcase/skipped"))) == (39, 1, 1)
    assert json.loads((reports / "coder-drift.json").read_text(encoding="utf-8"))["records"] == check["records"]
    assert_no_token(result)


def test_a_drifted_deployment_fails_and_lists_every_failing_key(run_playbook, coder_sim_factory, tmp_path):
    sim = coder_sim_factory(state=DRIFTED_STATE)
    result = run_playbook(DRIFT_CHECK, extra_vars=example_vars(sim, tmp_path / "r"))
    assert result.rc == 2, result.output
    check = result.task(ROLE_TASK)
    assert counts(check["summary"]) == {"total": 39, "pass": 33, "drift": 5, "waived": 1, "error": 0}
    assert sorted(record["key"] for record in check["drift"]) == [
        "CODER_API_RATE_LIMIT", "CODER_DISABLE_PASSWORD_AUTH", "experiments.unknown", "update_check.current",
        "version"]
    assert result.task(PLAN_TASK)["msg"] == DRIFTED_PLAN + [
        "drift check failed on %s (39 checks: 33 passed, 5 drifted, 1 waived, 0 errors; fail_on: low)" % sim.url]
    markdown = (tmp_path / "r" / "coder-drift.md").read_text(encoding="utf-8")
    assert "| \u274c drift | high | `experiments.unknown` | eq | `[]` | `[\"foo\"]` |" in markdown


HARDENED_PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Hardened baseline
      coder.coderd.deployment_assert:
        url: "{{ coder_url }}"
        token: "{{ coder_token }}"
        baseline: hardened
        fail_on: never
      register: hardened
"""


def test_hardened_baseline_finds_the_expected_drifts_with_one_request_per_endpoint(run_playbook, coder_sim):
    result = run_playbook(HARDENED_PLAY, extra_vars=connection(coder_sim))
    assert result.rc == 0, result.output
    check = result.task("Hardened baseline")
    assert sorted((record["key"], record["severity"]) for record in check["drift"]) == HARDENED_DRIFTS
    assert check["subsets"] == ["build", "config", "experiments", "update_check"]
    assert requests_by_path(coder_sim) == Counter({
        "/api/v2/buildinfo": 1, "/api/v2/deployment/config": 1, "/api/v2/experiments": 1,
        "/api/v2/experiments/available": 1, "/api/v2/updatecheck": 1})


FACTS_PLAY = CONNECTED_PLAY + """
    - name: Gather the config and SSH facts
      coder.coderd.deployment_info:
        gather_subset: [config, ssh]
    - name: Check the gathered facts
      coder.coderd.deployment_assert:
        facts: "{{ ansible_facts.coder }}"
        desired:
          config: {CODER_ACCESS_URL: "https://coder.example.com", max-token-lifetime: {ge: 30d}}
          ssh: {hostname_prefix: coder.}
    - name: A check of a subset that was not gathered
      coder.coderd.deployment_assert:
        facts: "{{ ansible_facts.coder }}"
        desired: {version: ">=2"}
      ignore_errors: true
"""


def test_facts_from_deployment_info_need_no_further_request(run_playbook, coder_sim):
    result = run_playbook(FACTS_PLAY, extra_vars=connection(coder_sim))
    assert result.rc == 0, result.output
    check = result.task("Check the gathered facts")
    assert counts(check["summary"]) == {"total": 3, "pass": 3, "drift": 0, "waived": 0, "error": 0}
    assert requests_by_path(coder_sim) == Counter({"/api/v2/deployment/config": 1, "/api/v2/deployment/ssh": 1})
    missing = result.task("A check of a subset that was not gathered")
    assert missing["msg"] == ("facts lack build, which the desired state checks; gather them with deployment_info "
                              "(gather_subset) or leave facts unset")


MALFORMED = """\
versoin: ">=2"
config:
  tls.min_version: {in: tls12}
  CODER_API_RATE_LIMIT: {ge: 1, severity: urgent}
  CODER_PG_AUTH: {eqq: password, description: enum}
  max-token-lifetime: {le: a week}
experiments: {include: oauth2}
ssh: [hostname_prefix]
update_check: {current: {regex: "("}}
token_config: {max_token_lifetime: {le: true}}
"""
MALFORMED_PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Check with a desired file
      coder.coderd.deployment_assert:
        url: "{{ coder_url }}"
        token: "{{ coder_token }}"
        desired_file: "{{ desired_file }}"
        waivers: "{{ waivers | default(omit) }}"
        report_dir: "{{ report_dir }}"
"""


@pytest.mark.parametrize("content, waivers, lines", [
    (MALFORMED, None, [
        "invalid desired_file {path} (10 problems):",
        "  config.CODER_API_RATE_LIMIT.severity: must be one of critical, high, medium, low, info, got 'urgent'",
        "  config.CODER_PG_AUTH: needs at least one operator: eq, ne, in, not_in, lt, le, gt, ge, regex, contains, "
        "subset, superset, set, version",
        "  config.CODER_PG_AUTH.eqq: unknown key; did you mean 'eq'?",
        "  config.max-token-lifetime.le: 'a week' is neither a number, a duration such as \"168h\" nor a version",
        "  config.tls.min_version.in: must be a list",
        "  experiments.include: must be a list",
        "  ssh: must be a mapping",
        "  token_config.max_token_lifetime.le: must be a number, a duration such as \"168h\" or a version",
        "  update_check.current.regex: regex '(' is not a valid regular expression: missing ), unterminated "
        "subpattern at position 0",
        "  versoin: unknown key; did you mean 'version'?",
    ]),
    ("config:\n  CODER_ACCESS_URL: [unclosed\n", None, [
        "desired_file {path}: invalid YAML at line 3 column 1: expected ',' or ']', but got '<stream end>'"]),
    ("version: '>=2'\n", [{"key": "version", "reason": "r", "expires": "someday"}], [
        "invalid waivers (1 problem):", "  [0].expires: must be a date written YYYY-MM-DD"]),
], ids=["ten-mistakes", "bad-yaml", "bad-waiver"])
def test_malformed_input_fails_with_one_line_per_problem_before_any_request(
        run_playbook, coder_sim, tmp_path, content, waivers, lines):
    desired = tmp_path / "desired.yml"
    desired.write_text(content, encoding="utf-8")
    extra_vars = dict(connection(coder_sim), desired_file=str(desired), report_dir=str(tmp_path / "reports"))
    if waivers:
        extra_vars["waivers"] = waivers
    result = run_playbook(MALFORMED_PLAY, extra_vars=extra_vars)
    assert result.rc == 2
    failure = result.task("Check with a desired file")
    assert failure["msg"].splitlines() == [line.format(path=desired) for line in lines]
    assert "Traceback" not in result.output
    assert coder_sim.request_count() == 0
    # The check could not run: the reports say why, for CI to show.
    report = json.loads((tmp_path / "reports" / "coder-drift.json").read_text(encoding="utf-8"))
    assert (report["outcome"], report["records"][0]["description"]) == ("error", failure["msg"])
    assert failure["outcome"] == "error"


def test_a_missing_desired_file_is_named(run_playbook, coder_sim, tmp_path):
    result = run_playbook(MALFORMED_PLAY, extra_vars=dict(connection(coder_sim), desired_file="nowhere/prod.yml",
                                                          report_dir=str(tmp_path / "reports")))
    assert result.rc == 2
    assert result.task("Check with a desired file")["msg"] == (
        "desired_file: cannot find nowhere/prod.yml (looked in the role's files/, next to the playbook and in the "
        "current directory)")


def printed_lines(result):
    """What the default callback printed, without the banners (their stars pad to 80 columns)."""
    return [line for line in result.output.splitlines() if line and not line.endswith("***")]


def test_the_role_prints_a_plan_of_short_lines_and_keeps_every_record_registered(
        run_playbook, coder_sim_factory, tmp_path):
    sim = coder_sim_factory(state=DRIFTED_STATE)
    result = run_playbook(DRIFT_CHECK, extra_vars=example_vars(sim, tmp_path / "r"))
    assert result.rc == 2, result.output
    lines = result.output.splitlines()
    # The drift below fail_on is a warning of the check task; the failing ones and the verdict follow.
    assert "[WARNING]: not failing (fail_on: low): [info] CODER_DISABLE_PASSWORD_AUTH: expected eq true, actual " \
           "false" in messages(result.output)
    assert ['        "%s",' % line for line in DRIFTED_PLAN] == [
        line for line in lines if line.startswith('        "[')]
    assert "fatal: [localhost]: FAILED! => {\"changed\": false, \"msg\": \"drift check failed on %s (39 checks: 33 " \
           "passed, 5 drifted, 1 waived, 0 errors; fail_on: low)\"}" % sim.url in lines
    assert max(len(line) for line in printed_lines(result)) <= 200
    assert len(printed_lines(result)) <= 30
    assert '"resolved_as"' not in result.stdout
    assert len(result.task(ROLE_TASK)["records"]) == 39


def test_a_failing_bare_check_prints_its_plan_not_its_records(run_playbook, coder_sim_factory):
    sim = coder_sim_factory(state={"deployment": {"CODER_ACCESS_URL": "https://" + "x" * 300 + ".example.com"}})
    play = HARDENED_PLAY.replace("fail_on: never", "desired: {config: {CODER_ACCESS_URL: https://coder.example.com}}")
    result = run_playbook(play, extra_vars=connection(sim))
    assert result.rc == 2
    check = result.task("Hardened baseline")
    assert (check["outcome"], check["passed"]) == ("drifted", False)
    assert "records" not in check and '"resolved_as"' not in result.stdout
    assert check["plan"][0] == "[high] CODER_MAX_TOKEN_LIFETIME: expected le '168h', actual '876600h0m0s'"
    assert check["plan"][-1] == check["msg"]
    access = [line for line in check["plan"] if "CODER_ACCESS_URL" in line]
    # The long actual value is cut, in the console only: the line keeps to 180 characters.
    assert len(access) == 1 and len(access[0]) == 180
    assert access[0].startswith("[medium] CODER_ACCESS_URL: expected eq 'https://coder.example.com', actual "
                                "'https://xxxx") and access[0].endswith("xxx\u2026")
    assert "[WARNING]: not failing (fail_on: low): [info] CODER_PROMETHEUS_ADDRESS: " in unwrapped(result.output)
    assert max(len(line) for line in printed_lines(result)) <= 200
    assert len(printed_lines(result)) <= 30


def test_fail_false_keeps_the_records_and_diff_shows_each_drift_as_before_and_after(run_playbook, coder_sim):
    play = HARDENED_PLAY.replace("fail_on: never", "fail: false")
    result = run_playbook(play, extra_vars=connection(coder_sim), env={"ANSIBLE_DIFF_ALWAYS": "1"})
    assert result.rc == 0, result.output
    check = result.task("Hardened baseline")
    assert (check["passed"], check["outcome"], check["changed"], len(check["records"])) == (
        False, "drifted", True, 25)
    assert {"before_header": "CODER_MAX_TOKEN_LIFETIME (actual)", "after_header": "CODER_MAX_TOKEN_LIFETIME (desired)",
            "before": "CODER_MAX_TOKEN_LIFETIME: '876600h0m0s'\n",
            "after": "CODER_MAX_TOKEN_LIFETIME: le '168h'\n"} in check["diff"]
    assert ("--- before: CODER_MAX_TOKEN_LIFETIME (actual)\n+++ after: CODER_MAX_TOKEN_LIFETIME (desired)\n"
            "@@ -1 +1 @@\n-CODER_MAX_TOKEN_LIFETIME: '876600h0m0s'\n+CODER_MAX_TOKEN_LIFETIME: le '168h'\n") \
        in result.stdout
    assert len(check["diff"]) == len(HARDENED_DRIFTS)


def test_a_check_that_cannot_run_still_writes_every_report_saying_why(run_playbook, refused_url, tmp_path):
    reports = tmp_path / "reports"
    result = run_playbook(DRIFT_CHECK, extra_vars=dict(coder_url=refused_url, coder_token=DEFAULT_TOKENS["owner"],
                                                       coder_desired_file="desired/example.yml",
                                                       coder_report_dir=str(reports)))
    assert result.rc == 2
    check = result.task(ROLE_TASK)
    assert check["outcome"] == "error" and refused_url in check["msg"]
    report = json.loads((reports / "coder-drift.json").read_text(encoding="utf-8"))
    assert (report["outcome"], report["passed"], report["deployment"]) == ("error", False, refused_url)
    assert report["context"]["desired"] == "desired/example.yml"
    case = ElementTree.parse(str(reports / "coder-drift.junit.xml")).getroot().find("testsuite/testcase")
    assert (case.get("name"), case.find("error").get("message")) == ("drift check", check["msg"])
    assert "error" in (reports / "coder-drift.md").read_text(encoding="utf-8").splitlines()[2]
    assert_no_token(result)


def test_a_check_a_members_token_cannot_run_still_names_the_release_in_its_report(run_playbook, coder_sim, tmp_path):
    # The member may read the build info but not the config: the error report (and so the fleet
    # report's version column) still says which Coder release the deployment runs.
    play = HARDENED_PLAY.replace("fail_on: never", "report_dir: %s" % tmp_path)
    result = run_playbook(play, extra_vars=dict(connection(coder_sim), coder_token=DEFAULT_TOKENS["member"]))
    assert result.rc == 2, result.output
    report = json.loads((tmp_path / "coder-drift.json").read_text(encoding="utf-8"))
    assert (report["outcome"], report["context"]["coder_version"]) == ("error", "v2.34.3+4653f32")
    assert "/deployment/config: HTTP 403" in report["records"][0]["description"]
    assert_no_token(result)


def junit_names(path):
    return [case.get("name") for case in ElementTree.parse(str(path)).getroot().iter("testcase")]


def test_junit_names_survive_a_change_of_expected_value_and_reports_carry_their_context(
        run_playbook, coder_sim, tmp_path):
    names = []
    for limit in ("30d", "60d"):
        reports = tmp_path / limit
        desired = {"version": ">=2.30", "config": {"max-token-lifetime": {"le": limit, "ge": "1h"}}}
        result = run_playbook(HARDENED_PLAY.replace("baseline: hardened", "desired: %s" % json.dumps(desired))
                              .replace("fail_on: never", "report_dir: %s" % reports), extra_vars=connection(coder_sim))
        assert result.rc == 2, result.output
        names.append(junit_names(reports / "coder-drift.junit.xml"))
    assert names[0] == names[1] == ["version", "max-token-lifetime le", "max-token-lifetime ge"]
    report = json.loads((tmp_path / "60d" / "coder-drift.json").read_text(encoding="utf-8"))
    context = report["context"]
    assert (context["deployment"], context["coder_version"], context["desired"], context["baseline"]) == (
        coder_sim.url, "v2.34.3+4653f32", "inline", "none")
    assert context["token_role"] == "can read the deployment config (owner or auditor)"
    assert context["collection_version"] and context["ansible_core_version"]
    assert context["started_at"] <= context["finished_at"]


def test_waivers_expired_or_expiring_soon_are_warnings(run_playbook, coder_sim):
    import datetime
    soon = (datetime.date.today() + datetime.timedelta(days=10)).isoformat()
    later = (datetime.date.today() + datetime.timedelta(days=40)).isoformat()
    play = HARDENED_PLAY.replace("fail_on: never", "fail_on: never\n        waivers: %s" % json.dumps([
        {"key": "CODER_MAX_TOKEN_LIFETIME", "reason": "TICKET-1", "expires": soon},
        {"key": "CODER_DISABLE_PASSWORD_AUTH", "reason": "TICKET-2", "expires": "2020-01-31"},
        {"key": "CODER_DISABLE_PATH_APPS", "reason": "TICKET-3", "expires": later}]))
    result = run_playbook(play, extra_vars=connection(coder_sim))
    assert result.rc == 0, result.output
    lines = messages(result.output)
    assert "[WARNING]: waiver for 'CODER_MAX_TOKEN_LIFETIME' expires in 10 days (%s): TICKET-1" % soon in lines
    assert "[WARNING]: waiver for 'CODER_DISABLE_PASSWORD_AUTH' expired on 2020-01-31: its drift counts again " \
           "(TICKET-2)" in lines
    assert "CODER_DISABLE_PATH_APPS'" not in result.output
