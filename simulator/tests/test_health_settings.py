"""GET|PUT /api/v2/debug/health/settings: owner only, the list replaced whole, 204 when unchanged, the
errors' exact bodies, and the list read by /debug/health's dismissed flags."""

import json

import pytest
import requests

from coder_sim import DEFAULT_TOKENS
from coder_sim.examples import example, example_bytes

PATH = "/api/v2/debug/health/settings"


def _call(sim, method="GET", body=None, role="owner"):
    return requests.request(method, sim.url + PATH, data=body, timeout=30,
                            headers={"Coder-Session-Token": DEFAULT_TOKENS[role]})


def test_a_fresh_deployment_dismisses_nothing(coder_sim):
    answer = _call(coder_sim)
    assert (answer.status_code, answer.content) == (200, example_bytes("health-settings-get-default.json"))


def test_a_put_replaces_the_list_echoes_it_and_health_reads_it(coder_sim_factory):
    sim = coder_sim_factory(state={"health": {"report": "warnings"}})
    answer = _call(sim, "PUT", example_bytes("health-settings-put-request.json"))
    assert (answer.status_code, answer.content) == (200, example_bytes("health-settings-put-response.json"))
    assert _call(sim).content == example_bytes("health-settings-get.json")
    assert sim.state["health"]["dismissed"] == ["DERP", "ProvisionerDaemons"]
    report = requests.get(sim.url + "/api/v2/debug/health", timeout=30,
                          headers={"Coder-Session-Token": DEFAULT_TOKENS["owner"]}).json()
    # ProvisionerDaemons is stored but never applied, as in coderd.
    assert (report["derp"]["dismissed"], report["provisioner_daemons"]["dismissed"]) == (True, False)


def test_the_same_list_again_is_204_without_a_body_and_an_empty_list_on_a_fresh_deployment_is_stored(coder_sim):
    assert _call(coder_sim, "PUT", '{"dismissed_healthchecks":[]}').status_code == 200
    again = _call(coder_sim, "PUT", '{"dismissed_healthchecks":[]}')
    assert (again.status_code, again.content) == (204, b"")
    assert _call(coder_sim, "PUT", '{"dismissed_healthchecks":["Database"]}').status_code == 200
    # Another order is another text: stored again.
    assert _call(coder_sim, "PUT", '{"dismissed_healthchecks":["Database","DERP"]}').status_code == 200
    assert _call(coder_sim, "PUT", '{"dismissed_healthchecks":["DERP","Database"]}').status_code == 200


def test_a_body_without_the_key_is_echoed_as_null_and_dismisses_nothing(coder_sim_factory):
    sim = coder_sim_factory(state={"health": {"dismissed": ["DERP"]}})
    answer = _call(sim, "PUT", "{}")
    assert (answer.status_code, answer.json()) == (200, {"dismissed_healthchecks": None})
    assert _call(sim).json() == {"dismissed_healthchecks": []}


def test_an_unknown_section_is_coderds_500(coder_sim):
    answer = _call(coder_sim, "PUT", '{"dismissed_healthchecks":["derp"]}')
    assert (answer.status_code, answer.content) == (500, example_bytes("health-settings-put-500-unknown-section.json"))


def test_invalid_json_is_400_in_gos_words(coder_sim):
    answer = _call(coder_sim, "PUT", '{"dismissed_healthchecks":["DERP"],}')
    assert (answer.status_code, answer.content) == (400, example_bytes("health-settings-put-400-invalid-json.json"))
    wrong_type = _call(coder_sim, "PUT", '{"dismissed_healthchecks":"DERP"}')
    assert (wrong_type.status_code, wrong_type.json()["message"]) == (400, "Request body must be valid JSON.")


@pytest.mark.parametrize("method", ["GET", "PUT"])
@pytest.mark.parametrize("role", ["auditor", "member", "template-admin"])
def test_only_an_owner_reads_or_changes_them(coder_sim, method, role):
    answer = _call(coder_sim, method, json.dumps(example("health-settings-put-request.json")), role=role)
    assert (answer.status_code, answer.content) == (403, example_bytes("health-403.json"))
    assert coder_sim.state["health"]["dismissed"] == []


def test_before_v2_20_other_roles_get_not_found_and_before_v2_5_there_is_no_such_route(coder_sim_factory):
    assert _call(coder_sim_factory(state={"version": "v2.16.1"}), role="member").content == \
        example_bytes("health-404-legacy-non-owner.json")
    old = _call(coder_sim_factory(state={"version": "v2.4.0"}))
    assert (old.status_code, old.json()) == (404, {"message": "Route not found."})


def test_other_methods_are_405_naming_both(coder_sim):
    answer = _call(coder_sim, "POST", "{}")
    assert answer.status_code == 405 and answer.headers["Allow"] == "GET, PUT"
