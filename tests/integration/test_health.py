"""The health report (health_info, the deployment_info subset, the lookup) against the simulator's
recorded reports, and its failures: a non-owner's token, the server's timeout, an older release."""

import pytest

from coder_sim import DEFAULT_TOKENS
from test_modules_info import HOSTS, assert_one_line_error, failure, play

SECTIONS = ["access_url", "database", "derp", "provisioner_daemons", "websocket", "workspace_proxy"]

# state -> (severity, healthy, codes, dismissed sections, severity of each section not ok)
EXAMPLES = {
    "healthy": ({}, "ok", True, [], [], {}),
    "warnings": ({}, "warning", True, ["EDB02", "EDERP01", "EPD02"], [],
                 {"database": "warning", "derp": "warning", "provisioner_daemons": "warning"}),
    "access-url-warning": ({}, "warning", False, ["EACS04"], [], {"access_url": "warning"}),
    "error": ({}, "error", False, ["EACS03", "EPD01", "EWS01"], [],
              {"access_url": "error", "derp": "error", "provisioner_daemons": "error", "websocket": "error"}),
    # coderd never applies the ProvisionerDaemons dismissal.
    "dismissed": ({"dismissed": ["DERP", "ProvisionerDaemons"]}, "error", False, ["EDERP01", "EPD01"], ["derp"],
                  {"derp": "warning", "provisioner_daemons": "error"}),
    "legacy-v2.10-healthy": ({}, "ok", True, [], [], {}),
}


def _state(report, extra):
    state = {"health": dict(extra, report=report)}
    if report.startswith("legacy-v2.10"):
        state["version"] = "v2.10.3+84ec2dc"
    return state


@pytest.mark.parametrize("report", list(EXAMPLES))
def test_health_facts_of_each_recorded_report(coder_sim_factory, run_playbook, report):
    extra, severity, healthy, codes, dismissed, not_ok = EXAMPLES[report]
    sim = coder_sim_factory(state=_state(report, extra))
    run = play(run_playbook, "health.yml", {"coder_url": sim.url, "coder_token": DEFAULT_TOKENS["owner"]},
               hosts=["controller"])
    assert run.rc == 0, run.output
    health = run.task("Read the health report", "controller")["health"]
    assert (health["severity"], health["healthy"], health["codes"]) == (severity, healthy, codes)
    assert sorted(health["sections"]) == SECTIONS
    assert sorted(name for name, section in health["sections"].items() if section["dismissed"]) == dismissed
    assert dict((name, section["severity"]) for name, section in health["sections"].items()
                if section["severity"] != "ok") == not_ok
    assert (health["unknown_sections"], health["unknown_codes"]) == ([], [])
    database = health["sections"]["database"]
    assert (database["latency"], database["threshold"]) == (0.021374906 if report == "warnings" else 0.001348527, 0.015)
    assert "latency_ms" not in database
    assert isinstance(health["time"], str) and health["time"].endswith("Z")
    assert health["coder_version"] == ("v2.10.3+84ec2dc" if report.startswith("legacy") else "v2.34.3+4653f32")

    # The server answers from its cache until forced.
    assert run.task("Read the health report again", "controller")["health"] == health
    forced = run.task("Run the checks now", "controller")["health"]
    assert forced["time"] != health["time"]
    assert dict(forced, time=health["time"]) == health
    assert sim.request_count("/api/v2/debug/health") == 5
    assert [entry["query"] for entry in sim.requests].count("force=true") == 1

    facts = run.task("Gather the health facts", "controller")["ansible_facts"]["coder"]
    assert set(facts) == {"url", "health"}
    assert dict(facts["health"], time=health["time"]) == health
    assert run.task("Read fields through the lookup", "controller")["ansible_facts"]["coder_fields"] == [
        severity, codes, database["severity"]]


def test_health_warnings_in_detail_on_both_paths(coder_sim_factory, run_playbook):
    sim = coder_sim_factory(state={"health": {"report": "warnings"}})
    run = play(run_playbook, "health.yml", {"coder_url": sim.url, "coder_token": DEFAULT_TOKENS["owner"]})
    assert run.rc == 0, run.output
    for host in HOSTS:
        health = run.task("Read the health report", host)["health"]
        database = health["sections"]["database"]
        assert database == {
            "severity": "warning", "warnings": [{"code": "EDB02", "message": "median database ping above threshold"}],
            "dismissed": False, "error": None, "codes": ["EDB02"], "healthy": True, "reachable": True,
            "latency": 0.021374906, "threshold": 0.015}
        derp = health["sections"]["derp"]
        node = derp["regions"]["999"]["node_reports"][0]
        assert (node["round_trip_ping"], node["uses_websocket"], node["node"]["host_name"]) == (
            0.005804117, True, "coder.example.com")
        assert derp["netcheck"]["region_latency"] == {"999": 0.041503662}
        assert derp["netcheck"]["ipv4"] is True
        daemons = health["sections"]["provisioner_daemons"]
        assert [item["provisioner_daemon"]["version"] for item in daemons["items"]
                if item["warnings"]] == ["v2.33.9"]
        assert daemons["items"][3]["provisioner_daemon"]["tags"] == {"owner": "", "scope": "organization",
                                                                     "pool": "gpu"}


def test_an_unknown_section_and_code_are_kept_and_reported(coder_sim_factory, run_playbook):
    sim = coder_sim_factory(state={"health": {"sections": {
        "database": {"severity": "warning", "warnings": [{"code": "EDB09", "message": "replica lag"}]},
        "object_store": {"severity": "error", "warnings": [], "dismissed": False, "error": "EOBJ01: bucket gone"},
    }}})
    run = play(run_playbook, "health.yml", {"coder_url": sim.url, "coder_token": DEFAULT_TOKENS["owner"]},
               hosts=["controller"])
    assert run.rc == 0, run.output
    health = run.task("Read the health report", "controller")["health"]
    assert (health["severity"], health["codes"]) == ("error", ["EDB09", "EOBJ01"])
    assert (health["unknown_sections"], health["unknown_codes"]) == (["object_store"], ["EDB09", "EOBJ01"])
    assert health["sections"]["object_store"]["error"] == "EOBJ01: bucket gone"
    assert "the health report has sections object_store and codes EDB09, EOBJ01 that this collection does not " \
           "know" in " ".join(run.output.split())


@pytest.mark.parametrize("role", ["auditor", "member"])
def test_a_non_owner_gets_one_line_saying_health_needs_the_owner_role(coder_sim_factory, run_playbook, role):
    sim = coder_sim_factory()
    run = play(run_playbook, "health_errors.yml", {"coder_url": sim.url, "coder_token": DEFAULT_TOKENS[role]})
    assert run.rc == 0, run.output
    expected = ("%s GET /api/v2/debug/health: HTTP 403 Forbidden: the health report needs a token of a user with "
                "the owner role (auditors, template admins and members may not read it)" % sim.url)
    for host in HOSTS:
        assert failure(run, "Read the health report", host)["msg"] == expected
        assert_one_line_error(failure(run, "Gather facts with the health report", host), expected)
    assert_one_line_error(failure(run, "Read the health report through the lookup", "controller"), expected)


def test_before_v2_20_a_non_owner_gets_the_same_line_for_its_404(coder_sim_factory, run_playbook):
    sim = coder_sim_factory(state={"version": "v2.16.4"})
    run = play(run_playbook, "health_errors.yml", {"coder_url": sim.url, "coder_token": DEFAULT_TOKENS["auditor"]},
               hosts=["controller"])
    assert failure(run, "Read the health report", "controller")["msg"] == (
        "%s GET /api/v2/debug/health: HTTP 404 not found: the health report needs a token of a user with the owner "
        "role (auditors, template admins and members may not read it)" % sim.url)


def test_a_timed_out_run_is_one_line_with_the_progress(coder_sim_factory, run_playbook):
    sim = coder_sim_factory(state={"health": {"check_ms": {"DERP": 60000, "Database": 6}, "timeout_ms": 100}})
    run = play(run_playbook, "health_errors.yml", {"coder_url": sim.url, "coder_token": DEFAULT_TOKENS["owner"]},
               hosts=["controller"])
    result = failure(run, "Read the health report", "controller")
    assert_one_line_error(
        result, "%s GET /api/v2/debug/health: HTTP 503: Healthcheck timed out. Completed: AccessURL (0ms), "
                "Database (6ms), ProvisionerDaemons (0ms), Websocket (0ms), WorkspaceProxy (0ms). Still running: "
                "DERP (elapsed: " % sim.url,
        "; the server's health checks stop after 30 s and then fill its cache: ask again without force in a few "
        "seconds")
    assert result["error"]["status"] == 503


@pytest.mark.parametrize("version,status", [("v2.21.0", 404), ("v2.29.1", 503)])
def test_older_releases_timeouts_get_the_same_hint(coder_sim_factory, run_playbook, version, status):
    sim = coder_sim_factory(state={"version": version, "health": {"check_ms": {"DERP": 60000}, "timeout_ms": 100}})
    run = play(run_playbook, "health_errors.yml", {"coder_url": sim.url, "coder_token": DEFAULT_TOKENS["owner"]},
               hosts=["controller"])
    assert_one_line_error(
        failure(run, "Read the health report", "controller"),
        "HTTP %d: Healthcheck is in progress and did not complete in time. Try again in a few seconds.; the "
        "server's health checks stop after 30 s" % status)
