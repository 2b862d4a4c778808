"""The simulator answers like the Coder release its state's `coder_version` names."""

import json

import pytest
import requests

from coder_sim import DEFAULT_TOKENS
from coder_sim.state import StateError, load_state
from test_wire_schema import ENDPOINTS, schema_errors

OWNER = {"Coder-Session-Token": DEFAULT_TOKENS["owner"]}
MEMBER = {"Coder-Session-Token": DEFAULT_TOKENS["member"]}
BUILDINFO_V2_16 = ["external_url", "version", "dashboard_url", "telemetry", "workspace_proxy", "agent_api_version",
                   "provisioner_api_version", "upgrade_message", "deployment_id"]
HOURS = 3600 * 10 ** 9
# coder_version -> what its answers hold (the options counts are those of the release's OptionSet).
RELEASES = {
    "v2.10.3": {"buildinfo": ["external_url", "version", "dashboard_url", "workspace_proxy", "agent_api_version",
                              "upgrade_message"],
                "ssh": ["hostname_prefix", "ssh_config_options"], "options": 131, "safe": ["shared-ports"],
                "owner_token_lifetime": 876600 * HOURS, "forbidden_detail": False},
    "v2.16.1": {"buildinfo": BUILDINFO_V2_16, "ssh": ["hostname_prefix", "ssh_config_options"], "options": 162,
                "safe": [], "owner_token_lifetime": 876600 * HOURS, "forbidden_detail": False},
    "v2.24.3": {"buildinfo": BUILDINFO_V2_16 + ["webpush_public_key"],
                "ssh": ["hostname_prefix", "hostname_suffix", "ssh_config_options"], "options": 191, "safe": [],
                "owner_token_lifetime": 168 * HOURS, "forbidden_detail": True},
    "v2.29.4": {"buildinfo": BUILDINFO_V2_16 + ["webpush_public_key"],
                "ssh": ["hostname_prefix", "hostname_suffix", "ssh_config_options"], "options": 204, "safe": [],
                "owner_token_lifetime": 168 * HOURS, "forbidden_detail": True},
    "v2.34.3": {"buildinfo": BUILDINFO_V2_16 + ["webpush_public_key"],
                "ssh": ["hostname_prefix", "hostname_suffix", "ssh_config_options"], "options": 281, "safe": [],
                "owner_token_lifetime": 168 * HOURS, "forbidden_detail": True},
    "v2.36.1": {"buildinfo": BUILDINFO_V2_16 + ["webpush_public_key"],
                "ssh": ["hostname_prefix", "hostname_suffix", "ssh_config_options"], "options": 291,
                "safe": ["minimum-implicit-member"], "owner_token_lifetime": 168 * HOURS, "forbidden_detail": True},
}


def get(sim, path, headers=None):
    return requests.get(sim.url + path, headers=headers or OWNER, timeout=10)


@pytest.mark.parametrize("coder_version", list(RELEASES))
def test_general_endpoints_answer_like_the_release(coder_sim_factory, coder_version):
    expected = RELEASES[coder_version]
    sim = coder_sim_factory(state={"coder_version": coder_version})
    build = get(sim, "/api/v2/buildinfo").json()
    assert list(build) == expected["buildinfo"]
    assert build["version"] == coder_version
    assert list(get(sim, "/api/v2/deployment/ssh").json()) == expected["ssh"]
    assert get(sim, "/api/v2/experiments/available").json() == {"safe": expected["safe"]}
    assert len(get(sim, "/api/v2/deployment/config").json()["options"]) == expected["options"]
    owner_lifetime = get(sim, "/api/v2/users/me/keys/tokens/tokenconfig").json()["max_token_lifetime"]
    assert owner_lifetime == expected["owner_token_lifetime"]
    member_lifetime = get(sim, "/api/v2/users/me/keys/tokens/tokenconfig", MEMBER).json()["max_token_lifetime"]
    assert member_lifetime == 876600 * HOURS
    refused = get(sim, "/api/v2/deployment/config", MEMBER)
    assert (refused.status_code, "detail" in refused.json()) == (403, expected["forbidden_detail"])


@pytest.mark.parametrize("coder_version", list(RELEASES))
@pytest.mark.parametrize("method,path,operation", ENDPOINTS, ids=[op for _method, _path, op in ENDPOINTS])
def test_every_release_answer_validates(coder_sim_factory, coder_version, method, path, operation):
    sim = coder_sim_factory(state={"coder_version": coder_version})
    response = requests.request(method, sim.url + path, data=b"{}" if method == "POST" else None, headers=OWNER,
                                timeout=10)
    assert response.status_code == 200
    assert schema_errors("endpoint.%s.200" % operation, response.json()) == []


def test_config_layout_follows_the_release(coder_sim_factory):
    """Settings that moved are where each release keeps them; settings a release lacks are not there."""
    def config(coder_version, deployment):
        sim = coder_sim_factory(state={"coder_version": coder_version, "deployment": deployment})
        return get(sim, "/api/v2/deployment/config").json()

    old = config("v2.10.3", {"CODER_MAX_TOKEN_LIFETIME": "720h", "CODER_SECURE_AUTH_COOKIE": "true"})
    assert (old["config"]["max_token_lifetime"], old["config"]["secure_auth_cookie"]) == (720 * HOURS, True)
    assert "session_lifetime" not in old["config"] and "http_cookies" not in old["config"]
    assert old["config"]["provisioner"]["daemons_echo"] is False
    option = {o["flag"]: o for o in old["options"]}["max-token-lifetime"]
    assert (option["value"], option["value_source"]) == (720 * HOURS, "env")

    middle = config("v2.16.1", {"CODER_MAX_TOKEN_LIFETIME": "720h", "CODER_SECURE_AUTH_COOKIE": "true"})
    assert middle["config"]["session_lifetime"]["max_token_lifetime"] == 720 * HOURS
    assert "max_token_lifetime" not in middle["config"] and middle["config"]["secure_auth_cookie"] is True
    assert "max_admin_token_lifetime" not in middle["config"]["session_lifetime"]

    new = config("v2.36.1", {"CODER_CLUSTER_HOST": "10.0.0.7", "CODER_SECURE_AUTH_COOKIE": "true"})
    assert (new["config"]["cluster"], new["config"]["http_cookies"]["secure_auth_cookie"]) == ({"host": "10.0.0.7"},
                                                                                               True)
    assert "in_memory_database" not in new["config"]
    flags = [o["flag"] for o in new["options"]]
    assert {"cluster-host", "chat-hook-url", "oidc-redirect-allowed-hosts"} <= set(flags)
    assert "in-memory" not in flags and len(flags) == len(set(flags))


def test_a_setting_the_release_lacks_is_refused_naming_the_release():
    with pytest.raises(StateError) as error:
        load_state({"coder_version": "v2.16.1", "deployment": {"CODER_WORKSPACE_HOSTNAME_SUFFIX": "corp"}})
    assert str(error.value) == "state: deployment.CODER_WORKSPACE_HOSTNAME_SUFFIX: not a setting of Coder v2.16.1"
    with pytest.raises(StateError, match="coder_version: expected a Coder v2 release such as v2.16.1"):
        load_state({"coder_version": "latest"})


def test_experiments_available_is_not_routed_before_v2_4(coder_sim_factory):
    sim = coder_sim_factory(state={"coder_version": "v2.3.0"})
    answer = get(sim, "/api/v2/experiments/available")
    assert (answer.status_code, answer.json()) == (404, {"message": "Route not found."})
    assert list(get(sim, "/api/v2/buildinfo").json()) == ["external_url", "version", "dashboard_url",
                                                          "workspace_proxy"]


def test_star_enables_the_release_safe_experiments(coder_sim_factory):
    sim = coder_sim_factory(state={"coder_version": "v2.36.1", "deployment": {"CODER_EXPERIMENTS": "*,oauth2"}})
    assert get(sim, "/api/v2/experiments").json() == ["minimum-implicit-member", "oauth2"]


def test_csp_reports_over_64_kib_are_refused_from_v2_36(coder_sim_factory):
    report = json.dumps({"csp-report": {"blocked-uri": "x" * 70000}}).encode()
    for coder_version, status in (("v2.35.2", 200), ("v2.36.1", 413)):
        sim = coder_sim_factory(state={"coder_version": coder_version})
        assert requests.post(sim.url + "/api/v2/csp/reports", data=report, timeout=10).status_code == status


def test_an_explicit_version_and_provisioner_api_win_over_the_release_defaults():
    state = load_state({"coder_version": "v2.24", "version": "v2.24.0-rc.1+abc1234"})
    assert (state["version"], state["provisioner_api_version"]) == ("v2.24.0-rc.1+abc1234", "1.7")
    assert load_state({"coder_version": "v2.24"})["version"] == "v2.24.0"
