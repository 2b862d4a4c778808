"""GET /api/v2/debug/health: roles, the cache, ?force, the timeout, ?format, dismissals, releases."""

import time

import pytest
import requests

from coder_sim import DEFAULT_TOKENS
from coder_sim.examples import example_bytes
from coder_sim.state import StateError, load_state

OWNER = {"Coder-Session-Token": DEFAULT_TOKENS["owner"]}


def _get(sim, query="", role="owner"):
    return requests.get(sim.url + "/api/v2/debug/health" + query, timeout=30,
                        headers={"Coder-Session-Token": DEFAULT_TOKENS[role]})


@pytest.mark.parametrize("role", ["auditor", "member", "template-admin"])
def test_only_an_owner_reads_health(coder_sim, role):
    answer = _get(coder_sim, role=role)
    assert (answer.status_code, answer.content) == (403, example_bytes("health-403.json"))
    assert "Www-Authenticate" not in answer.headers


def test_before_v2_20_other_roles_get_not_found(coder_sim_factory):
    sim = coder_sim_factory(state={"version": "v2.19.3"})
    answer = _get(sim, role="auditor")
    assert (answer.status_code, answer.content) == (404, example_bytes("health-404-legacy-non-owner.json"))


def test_without_a_token_401(coder_sim):
    assert requests.get(coder_sim.url + "/api/v2/debug/health").status_code == 401


def test_the_report_is_cached_until_forced_or_refreshed(coder_sim_factory):
    sim = coder_sim_factory()
    first = _get(sim).json()["time"]
    assert _get(sim).json()["time"] == first
    assert _get(sim, "?force=1").json()["time"] == first  # only "true" forces
    forced = _get(sim, "?force=true").json()["time"]
    assert forced != first
    sim.set_state({"deployment": {"CODER_HEALTH_CHECK_REFRESH": "1ms"}})
    time.sleep(0.01)
    assert _get(sim).json()["time"] not in (first, forced)


def test_a_run_past_the_timeout_is_503_with_its_progress_then_fills_the_cache(coder_sim_factory):
    sim = coder_sim_factory(state={"health": {"check_ms": {"DERP": 1500, "Websocket": 20}, "timeout_ms": 200}})
    answer = _get(sim, "?force=true")
    assert answer.status_code == 503
    body = answer.json()
    assert body["message"] == "Healthcheck timed out."
    assert body["detail"].startswith("Completed: AccessURL (0ms), Database (0ms), ProvisionerDaemons (0ms), "
                                     "Websocket (20ms), WorkspaceProxy (0ms). Still running: DERP (elapsed: ")
    deadline = time.monotonic() + 20
    while _get(sim).status_code != 200:
        assert time.monotonic() < deadline, "the run never filled the cache"
        time.sleep(0.2)


@pytest.mark.parametrize("version,status,body", [
    ("v2.21.0", 404, "health-timeout-legacy.json"),
    ("v2.29.0", 503, "health-timeout-legacy.json"),
])
def test_older_releases_time_out_in_their_words(coder_sim_factory, version, status, body):
    sim = coder_sim_factory(state={"version": version, "health": {"check_ms": {"DERP": 1000}, "timeout_ms": 50}})
    answer = _get(sim)
    assert (answer.status_code, answer.content) == (status, example_bytes(body))


def test_format_text_and_an_invalid_format(coder_sim):
    text = _get(coder_sim, "?format=text")
    assert text.headers["Content-Type"] == "text/plain; charset=utf-8"
    lines = text.text.splitlines()
    assert [line.split(":")[0] for line in lines] == ["time", "healthy", "derp", "access_url", "websocket", "database"]
    assert lines[1:] == example_bytes("health-format-text.txt").decode().splitlines()[1:]
    assert "." not in lines[0]  # whole seconds
    invalid = _get(coder_sim, "?format=yaml")
    assert (invalid.status_code, invalid.content) == (400, example_bytes("health-400-invalid-format.json"))


def test_dismissals_mark_sections_and_change_nothing_else(coder_sim_factory):
    sim = coder_sim_factory(state={"health": {"report": "warnings"}})
    before = _get(sim).json()
    sim.set_state({"health": {"dismissed": ["Database", "ProvisionerDaemons"]}})
    after = _get(sim).json()
    assert after["time"] == before["time"]  # applied per request, on the cached report
    assert after["database"]["dismissed"] is True
    assert after["provisioner_daemons"]["dismissed"] is False  # coderd never applies this one
    after["database"]["dismissed"] = False
    assert after == before


def test_section_overrides_recompute_severity_and_healthy(coder_sim_factory):
    sim = coder_sim_factory(state={"health": {"sections": {
        "access_url": {"severity": "warning", "warnings": [{"code": "EACS04", "message": "/healthz did not return 200 OK"}]},
        "websocket": {"error": "EWS01: websocket dial: refused", "severity": "error"},
    }}})
    report = _get(sim).json()
    assert (report["healthy"], report["severity"]) == (False, "error")
    assert list(report["websocket"])[:3] == ["healthy", "error", "severity"]  # the wire order of WebsocketReport
    assert report["access_url"]["warnings"][0]["code"] == "EACS04"
    sim.set_state({"health": {"sections": {"database": {"severity": "warning"}}}})
    report = _get(sim).json()
    assert (report["healthy"], report["severity"]) == (True, "warning")


@pytest.mark.parametrize("health,message", [
    ({"report": "nope"}, "health.report: 'nope' is not one of healthy"),
    ({"dismissed": ["derp"]}, "health.dismissed: must be a list of DERP"),
    ({"sections": {"database": {"severity": "bad"}}}, "health.sections.database.severity: must be one of ok"),
    ({"sections": {"database": {"warnings": ["EDB02"]}}}, "health.sections.database.warnings: must be a list"),
    ({"check_ms": {"DERP": -1}}, "health.check_ms: must map DERP"),
    ({"cache": 1}, "health.cache: unknown key"),
])
def test_bad_health_state_is_one_line_naming_the_key(health, message):
    with pytest.raises(StateError) as caught:
        load_state({"health": health})
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)
