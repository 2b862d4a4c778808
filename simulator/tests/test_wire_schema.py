"""Every simulator answer validates against the shipped wire schema."""

import json

import pytest
import requests
from jsonschema import Draft202012Validator

from coder_sim import DEFAULT_TOKENS
from coder_sim.examples import example_bytes, wire_schema
from coder_sim.gowire import encode_json_indent

SCHEMA = wire_schema()

ENDPOINTS = [
    ("GET", "/api/v2/", "api-root-handler"),
    ("GET", "/api/v2/buildinfo", "build-info"),
    ("POST", "/api/v2/csp/reports", "report-csp-violations"),
    ("GET", "/api/v2/deployment/config", "get-deployment-config"),
    ("GET", "/api/v2/deployment/ssh", "ssh-config"),
    ("GET", "/api/v2/deployment/stats", "get-deployment-stats"),
    ("GET", "/api/v2/experiments", "get-enabled-experiments"),
    ("GET", "/api/v2/experiments/available", "get-safe-experiments"),
    ("GET", "/api/v2/updatecheck", "update-check"),
    ("GET", "/api/v2/users/me/keys/tokens/tokenconfig", "get-token-config"),
]
ROLES = ["owner", "auditor", "member", "template-admin"]


def schema_errors(definition, instance):
    schema = dict(SCHEMA, **{"$ref": "#/$defs/" + definition})
    return ["%s: %s" % ("/".join(map(str, e.absolute_path)), e.message[:200])
            for e in Draft202012Validator(schema).iter_errors(instance)]


def test_schema_is_the_wire_schema_with_its_provenance():
    assert "WIRE:" in json.dumps(SCHEMA["$defs"])
    assert "swagger.json" in SCHEMA["$comment"]
    assert {"endpoint.%s.200" % op for _method, _path, op in ENDPOINTS} <= set(SCHEMA["$defs"])
    assert "endpoint.error" in SCHEMA["$defs"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method,path,operation", ENDPOINTS, ids=[op for _method, _path, op in ENDPOINTS])
def test_answer_validates(coder_sim, method, path, operation, role):
    body = example_bytes("csp-report-request.json") if method == "POST" else None
    response = requests.request(method, coder_sim.url + path, data=body, timeout=5,
                                headers={"Coder-Session-Token": DEFAULT_TOKENS[role]})
    answer = response.json()
    if response.status_code == 200:
        assert schema_errors("endpoint.%s.200" % operation, answer) == []
    else:
        # Only RBAC may refuse an authenticated user here.
        assert (response.status_code, role in ("member", "template-admin")) == (403, True)
        assert path in ("/api/v2/deployment/config", "/api/v2/deployment/stats")
        assert schema_errors("endpoint.error", answer) == []


def test_swagger_shapes_would_not_validate():
    """The schema is strict enough to catch shapes coderd never sends."""
    assert schema_errors("endpoint.get-deployment-stats.200", {"workspaces": {"connection_latency_ms": "fast"}})
    assert schema_errors("endpoint.get-token-config.200", {"max_token_lifetime": "168h"})
    assert schema_errors("endpoint.error", {"message": 401})


def test_error_answers_validate_against_the_error_envelope(coder_sim_factory):
    sim = coder_sim_factory(state={"deployment": {"CODER_API_RATE_LIMIT": "2"}, "stats_warmup_seconds": 60})
    owner = {"Coder-Session-Token": DEFAULT_TOKENS["owner"]}
    unknown_key = {"Coder-Session-Token": "a" * 10 + "-" + "b" * 22}
    for _allowed_request in range(2):
        assert requests.get(sim.url + "/api/v2/buildinfo").status_code == 200
    answers = [
        (401, requests.get(sim.url + "/api/v2/deployment/ssh")),
        (401, requests.get(sim.url + "/api/v2/deployment/ssh", headers={"Coder-Session-Token": "short"})),
        (401, requests.get(sim.url + "/api/v2/experiments", headers=unknown_key)),
        (400, requests.get(sim.url + "/api/v2/deployment/stats", headers=owner)),
        (404, requests.get(sim.url + "/api/v2/users/nobody/keys/tokens/tokenconfig", headers=owner)),
        (404, requests.get(sim.url + "/api/v2/nothing-here", headers=owner)),
        (400, requests.post(sim.url + "/api/v2/csp/reports", data=b"{")),
        (429, requests.get(sim.url + "/api/v2/buildinfo")),
    ]
    for expected, response in answers:
        assert response.status_code == expected, response.text
        assert "message" in response.json()
        assert schema_errors("endpoint.error", response.json()) == [], response.text


HEALTH_REPORTS = [
    ({"health": {"report": "healthy"}}, "health-healthy.json"),
    ({"health": {"report": "warnings"}}, "health-warnings.json"),
    ({"health": {"report": "access-url-warning"}}, "health-access-url-warning.json"),
    ({"health": {"report": "error"}}, "health-error.json"),
    ({"health": {"report": "dismissed", "dismissed": ["DERP", "ProvisionerDaemons"]}}, "health-dismissed.json"),
    ({"version": "v2.10.3+84ec2dc", "health": {"report": "legacy-v2.10-healthy"}}, "health-legacy-v2.10-healthy.json"),
]


@pytest.mark.parametrize("state,name", HEALTH_REPORTS, ids=[name for _state, name in HEALTH_REPORTS])
def test_health_reports_validate_and_are_the_examples(coder_sim_factory, state, name):
    sim = coder_sim_factory(state=state)
    response = requests.get(sim.url + "/api/v2/debug/health", headers={"Coder-Session-Token": DEFAULT_TOKENS["owner"]})
    assert response.status_code == 200
    assert schema_errors("endpoint.debug-deployment-health.200", response.json()) == []
    # Byte for byte (tabs, \u003c escapes, key order) but for the time of the run.
    example = json.loads(example_bytes(name))
    assert response.content == encode_json_indent(dict(example, time=response.json()["time"]))


def test_health_schema_refuses_swagger_shapes():
    report = json.loads(example_bytes("health-healthy.json"))
    report["derp"]["netcheck"]["udp"] = report["derp"]["netcheck"].pop("UDP")
    assert schema_errors("endpoint.debug-deployment-health.200", report)
    assert schema_errors("endpoint.debug-deployment-health.200", dict(report, severity="critical"))


def test_health_error_answers_validate_against_the_error_envelope(coder_sim_factory):
    sim = coder_sim_factory(state={"health": {"check_ms": {"DERP": 2000}, "timeout_ms": 50}})
    url = sim.url + "/api/v2/debug/health"
    owner = {"Coder-Session-Token": DEFAULT_TOKENS["owner"]}
    answers = [
        (503, requests.get(url, headers=owner)),
        (403, requests.get(url, headers={"Coder-Session-Token": DEFAULT_TOKENS["auditor"]})),
        (401, requests.get(url)),
    ]
    legacy = coder_sim_factory(state={"version": "v2.16.0"})
    answers.append((404, requests.get(legacy.url + "/api/v2/debug/health",
                                      headers={"Coder-Session-Token": DEFAULT_TOKENS["member"]})))
    for expected, response in answers:
        assert response.status_code == expected, response.text
        assert schema_errors("endpoint.error", response.json()) == [], response.text


def test_health_settings_answers_validate_and_the_schema_refuses_other_names(coder_sim):
    url = coder_sim.url + "/api/v2/debug/health/settings"
    owner = {"Coder-Session-Token": DEFAULT_TOKENS["owner"]}
    assert schema_errors("endpoint.get-health-settings.200", requests.get(url, headers=owner).json()) == []
    put = requests.put(url, data=example_bytes("health-settings-put-request.json"), headers=owner)
    assert schema_errors("endpoint.update-health-settings.200", put.json()) == []
    assert schema_errors("endpoint.get-health-settings.200", requests.get(url, headers=owner).json()) == []
    assert schema_errors("endpoint.get-health-settings.200", {"dismissed_healthchecks": ["derp"]})
    for body in ('{"dismissed_healthchecks":["derp"]}', '{"dismissed_healthchecks":["DERP"],}'):
        refused = requests.put(url, data=body, headers=owner)
        assert refused.status_code in (400, 500) and schema_errors("endpoint.error", refused.json()) == []
