"""The simulator answers like coderd v2.34.3 (FACTS.md), over real HTTP."""

import datetime
import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest
import requests

import coder_sim
from coder_sim import DEFAULT_TOKENS, Simulator, StateError, load_state
from coder_sim.examples import DATA_DIR, example
from coder_sim.ratelimit import SlidingWindowLimiter

SIGNED_OUT = "You are signed out or your session has expired. Please sign in again to continue."
OWNER, AUDITOR, MEMBER, TADMIN = (DEFAULT_TOKENS[r] for r in ("owner", "auditor", "member", "template-admin"))
ADMIN_ID = load_state()["users"][0]["id"]
SIMULATOR_DIR = os.path.dirname(os.path.dirname(coder_sim.__file__))


def get(sim, path, token=None, headers=None, **kwargs):
    headers = dict(headers or {})
    if token:
        headers["Coder-Session-Token"] = token
    return requests.get(sim.url + path, headers=headers, timeout=5, **kwargs)


def option(config, env):
    return next(o for o in config["options"] if o.get("env") == env)


# -- defaults reproduce the recorded examples ---------------------------------------------------

@pytest.mark.parametrize("path,token,name", [
    ("/api/v2/", None, "root.json"),
    ("/api/v2/buildinfo", None, "buildinfo.json"),
    ("/api/v2/deployment/config", OWNER, "deployment-config.json"),
    ("/api/v2/deployment/ssh", MEMBER, "deployment-ssh.json"),
    ("/api/v2/experiments", MEMBER, "experiments.json"),
    ("/api/v2/experiments/available", MEMBER, "experiments-available.json"),
    ("/api/v2/updatecheck", None, "updatecheck.json"),
    ("/api/v2/users/me/keys/tokens/tokenconfig", MEMBER, "tokenconfig.json"),
    ("/api/v2/users/me/keys/tokens/tokenconfig", OWNER, "tokenconfig-owner.json"),
])
def test_default_answers_are_the_examples(coder_sim, path, token, name):
    response = get(coder_sim, path, token)
    assert response.status_code == 200
    assert response.json() == example(name)


def test_default_config_is_the_example_byte_for_byte_in_go_encoding(coder_sim):
    body = get(coder_sim, "/api/v2/deployment/config", AUDITOR).content
    expected = json.dumps(example("deployment-config.json"), ensure_ascii=False, separators=(",", ":"))
    expected = expected.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    assert body == (expected + "\n").encode()
    secrets = [load_state()["deployment"][env] for env in ("CODER_PG_CONNECTION_URL", "CODER_OIDC_CLIENT_SECRET")]
    assert all(secret.encode() not in body for secret in secrets)


def test_every_answer_has_coderd_headers_and_compact_json(coder_sim):
    response = get(coder_sim, "/api/v2/")
    assert response.content == '{"message":"\U0001F44B"}\n'.encode("utf-8")  # raw UTF-8 emoji
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response.headers["X-Coder-Build-Version"] == "v2.34.3+4653f32"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_html_characters_are_escaped_like_go(coder_sim_factory):
    sim = coder_sim_factory(state={"upgrade_message": "run <curl> & update"})
    body = get(sim, "/api/v2/buildinfo").content
    assert b'"upgrade_message":"run \\u003ccurl\\u003e \\u0026 update"' in body


# -- authentication -------------------------------------------------------------------------------

@pytest.mark.parametrize("how", ["cookie", "query", "header", "bearer", "access_token"])
def test_every_token_source_authenticates(coder_sim, how):
    kwargs = {
        "cookie": {"cookies": {"coder_session_token": AUDITOR}},
        "query": {"params": {"coder_session_token": AUDITOR}},
        "header": {"headers": {"Coder-Session-Token": AUDITOR}},
        "bearer": {"headers": {"Authorization": "bEaReR  %s " % AUDITOR}},
        "access_token": {"params": {"access_token": " %s " % AUDITOR}},
    }[how]
    assert get(coder_sim, "/api/v2/deployment/config", **kwargs).status_code == 200
    assert coder_sim.requests[-1]["user"] == "auditor"


def test_token_sources_are_tried_in_coderd_order(coder_sim):
    bad = "x" * 10 + "-" + "y" * 22
    assert get(coder_sim, "/api/v2/deployment/ssh", bad, cookies={"coder_session_token": OWNER}).status_code == 200
    response = get(coder_sim, "/api/v2/deployment/ssh", OWNER, cookies={"coder_session_token": bad})
    assert response.json()["detail"] == "API key is invalid."


@pytest.mark.parametrize("token,detail", [
    (None, example("error-401.json")["detail"]),
    ("nodash", example("error-401-bad-format.json")["detail"]),
    ("a-b-c", "Invalid API key format: incorrect amount of API key parts, expected 2 got 3"),
    ("short-" + "s" * 22, "Invalid API key format: invalid API key ID length, expected 10 got 5"),
    ("i" * 10 + "-short", "Invalid API key format: invalid API key secret length, expected 22 got 5"),
    ("i" * 10 + "-" + "s" * 22, example("error-401-invalid.json")["detail"]),
    (OWNER.split("-")[0] + "-" + "s" * 22, example("error-401-secret.json")["detail"]),
])
def test_401_details(coder_sim, token, detail):
    response = get(coder_sim, "/api/v2/experiments", token)
    assert response.status_code == 401
    assert response.json() == {"message": SIGNED_OUT, "detail": detail}
    challenge = response.headers["WWW-Authenticate"]
    assert challenge == ('Bearer realm="coder", error="invalid_token", error_description="The access token has '
                         'expired", resource_metadata="https://coder.example.com/.well-known/oauth-protected-resource"')


def test_expired_and_suspended_users_are_refused(coder_sim_factory):
    users = load_state()["users"] + [
        {"username": "old", "roles": ["owner"], "token": "0ldT0ken01-" + "e" * 22,
         "expires_at": "2026-06-01T12:00:00Z"},
        {"username": "gone", "token": "g0neT0ken1-" + "g" * 22, "status": "suspended"},
        {"username": "sleepy", "token": "d0rmant001-" + "d" * 22, "status": "dormant"},
    ]
    sim = coder_sim_factory(state={"users": users})
    expired = get(sim, "/api/v2/deployment/ssh", "0ldT0ken01-" + "e" * 22)
    assert (expired.status_code, expired.json()) == (401, example("error-401-expired.json"))
    suspended = get(sim, "/api/v2/deployment/ssh", "g0neT0ken1-" + "g" * 22)
    assert suspended.status_code == 401
    assert suspended.json() == {"message": "User is not active (status = \"suspended\"). "
                                           "Contact an admin to reactivate your account."}
    assert 'error_description="The access token is invalid"' in suspended.headers["WWW-Authenticate"]
    assert get(sim, "/api/v2/deployment/ssh", "d0rmant001-" + "d" * 22).status_code == 200


def test_public_endpoints_need_no_token(coder_sim):
    assert get(coder_sim, "/api/v2/").status_code == 200
    assert get(coder_sim, "/api/v2/buildinfo").status_code == 200
    assert get(coder_sim, "/api/v2/updatecheck").status_code == 200
    assert requests.post(coder_sim.url + "/api/v2/csp/reports", json={"csp-report": {}}).status_code == 200


# -- roles ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/api/v2/deployment/config", "/api/v2/deployment/stats"])
def test_only_owner_and_auditor_read_deployment_config_and_stats(coder_sim, path):
    assert [get(coder_sim, path, t).status_code for t in (OWNER, AUDITOR, MEMBER, TADMIN)] == [200, 200, 403, 403]
    refused = get(coder_sim, path, MEMBER)
    assert refused.json() == example("error-403.json")
    assert "WWW-Authenticate" not in refused.headers  # RBAC 403, not the auth middleware


def test_tokenconfig_resolves_users_and_uses_the_target_users_roles(coder_sim_factory):
    sim = coder_sim_factory(state={"deployment": {"CODER_MAX_TOKEN_LIFETIME": "720h",
                                                  "CODER_MAX_ADMIN_TOKEN_LIFETIME": "24h"}})
    day, month = 86400 * 10 ** 9, 720 * 3600 * 10 ** 9

    def lifetime(user, token):
        response = get(sim, "/api/v2/users/%s/keys/tokens/tokenconfig" % user, token)
        return response.status_code, response.json()

    assert lifetime("me", OWNER) == (200, {"max_token_lifetime": day})
    assert lifetime("me", MEMBER) == (200, {"max_token_lifetime": month})
    assert lifetime("member", OWNER) == (200, {"max_token_lifetime": month})
    assert lifetime("ADMIN", TADMIN) == (200, {"max_token_lifetime": day})  # usernames are case-insensitive
    assert lifetime(ADMIN_ID, AUDITOR) == (200, {"max_token_lifetime": day})
    assert lifetime("member", MEMBER) == (200, {"max_token_lifetime": month})
    not_found = (404, example("error-404.json"))
    assert lifetime("admin", MEMBER) == not_found  # a member may not read another user
    assert lifetime("nobody", OWNER) == not_found
    assert lifetime("00000000-0000-0000-0000-000000000000", OWNER) == not_found
    assert get(sim, "/api/v2/users/me/keys/tokens/tokenconfig").status_code == 401


# -- routing --------------------------------------------------------------------------------------

def test_routing_follows_chi(coder_sim):
    assert get(coder_sim, "/api/v2/nope", OWNER).json() == example("error-404-route.json")
    assert get(coder_sim, "/api/v2/nope").status_code == 404
    assert get(coder_sim, "/api/v2/deployment/nope").status_code == 401  # sub-router auth runs first
    assert get(coder_sim, "/api/v2/deployment/nope", OWNER).status_code == 404
    assert get(coder_sim, "/api/v2//buildinfo").json()["version"] == "v2.34.3+4653f32"  # singleSlashMW
    assert get(coder_sim, "/api/v2").json() == {"message": "\U0001F44B"}
    assert get(coder_sim, "/api/v2/experiments/", OWNER).json() == []
    wrong_method = requests.post(coder_sim.url + "/api/v2/buildinfo", timeout=5)
    assert (wrong_method.status_code, wrong_method.content, wrong_method.headers["Allow"]) == (405, b"", "GET")
    assert requests.delete(coder_sim.url + "/api/v2/deployment/config", timeout=5).status_code == 401


# -- rate limiting --------------------------------------------------------------------------------

def test_rate_limit_per_user_and_path(coder_sim_factory):
    sim = coder_sim_factory(state={"deployment": {"CODER_API_RATE_LIMIT": 3}})
    remaining = [get(sim, "/api/v2/deployment/ssh", MEMBER).headers["X-Ratelimit-Remaining"] for _attempt in range(3)]
    assert remaining == ["2", "1", "0"]
    limited = get(sim, "/api/v2/deployment/ssh", MEMBER)
    assert limited.status_code == 429
    assert limited.json() == {"message": "You've been rate limited for sending more than 3 requests in 1m0s."}
    assert limited.headers["Retry-After"] == "60"
    assert limited.headers["X-Ratelimit-Limit"] == "3"
    assert limited.headers["X-Ratelimit-Remaining"] == "0"
    assert int(limited.headers["X-Ratelimit-Reset"]) % 60 == 0
    assert 0 < int(limited.headers["X-Ratelimit-Reset"]) - time.time() <= 60
    assert get(sim, "/api/v2/experiments", MEMBER).status_code == 200  # another path
    assert get(sim, "/api/v2/deployment/ssh", AUDITOR).status_code == 200  # another user
    # Unauthenticated requests share the client IP's budget, valid token or not.
    assert [get(sim, "/api/v2/buildinfo").status_code for _attempt in range(4)] == [200, 200, 200, 429]
    assert get(sim, "/api/v2/buildinfo", "bad").status_code == 429
    assert get(sim, "/api/v2/buildinfo", OWNER).status_code == 200


def test_rate_limit_bypass_header(coder_sim_factory):
    sim = coder_sim_factory(state={"deployment": {"CODER_API_RATE_LIMIT": 1}})
    bypass = {"X-Coder-Bypass-Ratelimit": "true"}
    assert [get(sim, "/api/v2/experiments", OWNER, bypass).status_code for _attempt in range(3)] == [200, 200, 200]
    refused = get(sim, "/api/v2/experiments", MEMBER, bypass)
    assert refused.status_code == 428
    assert refused.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert refused.text == '"X-Coder-Bypass-Ratelimit" provided but user is not owner\n'
    assert [get(sim, "/api/v2/", headers=bypass).status_code for _attempt in range(2)] == [200, 429]


def test_rate_limit_disabled(coder_sim_factory):
    disabled = [{"CODER_API_RATE_LIMIT": 0}, {"CODER_API_RATE_LIMIT": 1, "CODER_DANGEROUS_DISABLE_RATE_LIMITS": True}]
    for values in disabled:
        sim = coder_sim_factory(state={"deployment": values})
        answers = [get(sim, "/api/v2/") for _attempt in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 200]
        assert "X-Ratelimit-Limit" not in answers[0].headers


def test_sliding_window_weighs_the_previous_minute():
    now = [600.0]
    limiter = SlidingWindowLimiter(clock=lambda: now[0])
    assert [limiter.hit("k", 3).allowed for _attempt in range(4)] == [True, True, True, False]
    now[0] = 675.0  # 15 s into the next window: the previous 3 still weigh 3 * 0.75
    first = limiter.hit("k", 3)
    assert first.allowed and dict(first.headers)["X-Ratelimit-Remaining"] == "0"
    assert not limiter.hit("k", 3).allowed
    now[0] = 735.0  # two windows later only the last window counts (1 * 0.75)
    assert [limiter.hit("k", 3).allowed for _attempt in range(3)] == [True, True, False]


# -- stats -----------------------------------------------------------------------------------------

def test_stats_warm_up_then_fresh_timestamps(coder_sim_factory):
    sim = coder_sim_factory(state={"stats_warmup_seconds": 0.3})
    processing = get(sim, "/api/v2/deployment/stats", OWNER)
    assert (processing.status_code, processing.json()) == (400, example("error-400-stats-processing.json"))
    time.sleep(0.35)
    stats = get(sim, "/api/v2/deployment/stats", OWNER).json()
    stamp = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z")
    times = {}
    for key in ("aggregated_from", "collected_at", "next_update_at"):
        assert stamp.fullmatch(stats[key]), stats[key]
        times[key] = datetime.datetime.fromisoformat(stats[key].replace("Z", "+00:00"))
    now = datetime.datetime.now(datetime.timezone.utc)
    assert now - datetime.timedelta(seconds=31) < times["collected_at"] <= now
    assert times["next_update_at"] - times["collected_at"] == datetime.timedelta(seconds=30)
    assert times["collected_at"] - times["aggregated_from"] == datetime.timedelta(minutes=15)
    expected = example("deployment-stats.json")
    assert stats["workspaces"] == expected["workspaces"]  # P50/P95 keep Go's capitals
    assert list(stats["workspaces"]["connection_latency_ms"]) == ["P50", "P95"]


# -- experiments, update check, ssh ------------------------------------------------------------------

def test_experiments_follow_coder_experiments(coder_sim_factory):
    sim = coder_sim_factory(state={"deployment": {"CODER_EXPERIMENTS": "Workspace-Usage,foo,*,foo"}})
    assert get(sim, "/api/v2/experiments", MEMBER).json() == ["workspace-usage", "foo", "foo"]
    assert get(sim, "/api/v2/experiments/available", MEMBER).json() == {"safe": []}
    config = get(sim, "/api/v2/deployment/config", OWNER).json()
    assert config["config"]["experiments"] == ["Workspace-Usage", "foo", "*", "foo"]
    assert option(config, "CODER_EXPERIMENTS")["value"] == ["Workspace-Usage", "foo", "*", "foo"]
    assert option(config, "CODER_EXPERIMENTS")["value_source"] == "env"


@pytest.mark.parametrize("state,expected", [
    ({"update_check": {"latest": "v2.35.0"}},
     {"current": False, "version": "v2.35.0", "url": "https://github.com/coder/coder/releases/tag/v2.35.0"}),
    ({"version": "v2.35.0-rc.1+abc1234", "update_check": {"latest": "v2.35.0"}},
     {"current": True, "version": "v2.35.0", "url": "https://github.com/coder/coder/releases/tag/v2.35.0"}),
    ({"deployment": {"CODER_UPDATE_CHECK": False}}, example("updatecheck-disabled.json")),
    ({"update_check": {"latest": None}}, example("updatecheck-disabled.json")),
    ({"version": "v2.33.9+deadbee", "deployment": {"CODER_UPDATE_CHECK": "false"}},
     {"current": True, "version": "v2.33.9+deadbee", "url": "https://github.com/coder/coder/commit/deadbee"}),
])
def test_update_check(coder_sim_factory, state, expected):
    assert get(coder_sim_factory(state=state), "/api/v2/updatecheck").json() == expected


def test_ssh_config_follows_deployment_values(coder_sim_factory):
    sim = coder_sim_factory(state={"deployment": {
        "CODER_SSH_HOSTNAME_PREFIX": "ws.", "CODER_WORKSPACE_HOSTNAME_SUFFIX": "corp",
        "CODER_SSH_CONFIG_OPTIONS": ["StrictHostKeyChecking=no", "ForwardAgent yes"]}})
    assert get(sim, "/api/v2/deployment/ssh", MEMBER).json() == {
        "hostname_prefix": "ws.", "hostname_suffix": "corp",
        "ssh_config_options": {"ForwardAgent": "yes", "StrictHostKeyChecking": "no"}}
    config = get(sim, "/api/v2/deployment/config", OWNER).json()["config"]
    assert config["config_ssh"] == {"DeploymentName": "ws.",
                                    "SSHConfigOptions": ["StrictHostKeyChecking=no", "ForwardAgent yes"]}


# -- deployment config wire format ----------------------------------------------------------------------

def test_config_wire_format_follows_go_rules(coder_sim_factory):
    sim = coder_sim_factory(state={"deployment": {
        "CODER_ACCESS_URL": "http://coder.internal:8080",
        "CODER_MAX_TOKEN_LIFETIME": "1h30m",
        "CODER_UPDATE_CHECK": False,
        "CODER_PG_AUTH": "awsiamrds",
        "CODER_TELEMETRY": "false",
        "CODER_OIDC_CLIENT_SECRET": None,
        "CODER_SCIM_AUTH_HEADER": "scim-secret-value",
    }})
    document = get(sim, "/api/v2/deployment/config", OWNER).json()
    config = document["config"]
    assert config["access_url"] == "http://coder.internal:8080"
    assert get(sim, "/api/v2/buildinfo").json()["dashboard_url"] == "http://coder.internal:8080"
    # Durations are integer nanoseconds in both places.
    assert config["session_lifetime"]["max_token_lifetime"] == 5400 * 10 ** 9
    assert option(document, "CODER_MAX_TOKEN_LIFETIME")["value"] == 5400 * 10 ** 9
    assert option(document, "CODER_MAX_TOKEN_LIFETIME")["value_source"] == "env"
    # Top-level false is omitted from config but present in options.
    assert "update_check" not in config
    assert option(document, "CODER_UPDATE_CHECK")["value"] is False
    # Enums: plain string in config, Choices/Value object in options.
    assert config["pg_auth"] == "awsiamrds"
    assert option(document, "CODER_PG_AUTH")["value"] == {"Choices": ["password", "awsiamrds"], "Value": "awsiamrds"}
    # Deprecated aliases share one value and source; buildinfo follows.
    assert option(document, "CODER_TELEMETRY_ENABLE")["value"] is False
    assert option(document, "CODER_TELEMETRY_ENABLE")["value_source"] == "env"
    assert get(sim, "/api/v2/buildinfo").json()["telemetry"] is False
    # Start-up defaults computed from other values.
    assert option(document, "CODER_SECURE_AUTH_COOKIE")["default"] == "false"
    assert config["http_cookies"]["secure_auth_cookie"] is False
    # Secrets: no value anywhere; set ones keep value_source; top-level ones vanish.
    scim = option(document, "CODER_SCIM_AUTH_HEADER")
    assert "value" not in scim and scim["value_source"] == "env"
    assert "scim_api_key" not in config
    oidc_secret = option(document, "CODER_OIDC_CLIENT_SECRET")
    assert "value" not in oidc_secret and "value_source" not in oidc_secret
    assert config["oidc"]["client_secret"] == ""
    assert b"scim-secret-value" not in get(sim, "/api/v2/deployment/config", OWNER).content
    # Unset string arrays are null; unset URLs are "".
    assert option(document, "CODER_EXPERIMENTS")["value"] is None
    assert config["oidc"]["icon_url"] == ""


def test_secret_replacements_inside_use_instead_carry_their_live_value(coder_sim_factory):
    """codersdk does not scrub use_instead copies (FACTS §6): clients must mask them."""
    sim = coder_sim_factory(state={"deployment": {"CODER_AI_GATEWAY_OPENAI_KEY": "sk-sim-openai"}})
    document = get(sim, "/api/v2/deployment/config", OWNER).json()
    deprecated = option(document, "CODER_AIBRIDGE_OPENAI_KEY")
    assert "value" not in deprecated
    assert deprecated["use_instead"][0]["value"] == "sk-sim-openai"
    assert deprecated["value_source"] == "env"


# -- state -------------------------------------------------------------------------------------------

def test_buildinfo_follows_the_state(coder_sim_factory):
    sim = coder_sim_factory(state={"webpush_public_key": "", "provisioner_api_version": "1.17",
                                   "deployment_id": "0f0e0d0c-0b0a-4908-8706-050403020100",
                                   "upgrade_message": "Use the internal mirror."})
    build = get(sim, "/api/v2/buildinfo").json()
    assert "webpush_public_key" not in build
    assert build["provisioner_api_version"] == "1.17"
    assert build["deployment_id"] == "0f0e0d0c-0b0a-4908-8706-050403020100"
    assert build["upgrade_message"] == "Use the internal mirror."
    config = get(sim, "/api/v2/deployment/config", OWNER).json()
    assert config["config"]["cli_upgrade_message"] == "Use the internal mirror."


def test_state_changes_at_runtime_rebuild_every_answer(coder_sim):
    coder_sim.set_state({"version": "v2.35.1+abcdef0", "deployment": {"CODER_EXPERIMENTS": "oauth2"}})
    build = get(coder_sim, "/api/v2/buildinfo")
    assert build.headers["X-Coder-Build-Version"] == "v2.35.1+abcdef0"
    assert build.json()["external_url"] == "https://github.com/coder/coder/commit/abcdef0"
    assert get(coder_sim, "/api/v2/experiments", OWNER).json() == ["oauth2"]
    config = get(coder_sim, "/api/v2/deployment/config", OWNER).json()
    assert config["config"]["docs_url"] == "https://coder.com/docs/@v2.35.1"
    assert config["config"]["access_url"] == "https://coder.example.com"  # merged, not replaced
    assert requests.post(coder_sim.url + "/__sim/state", json={"telemetry": False}).status_code == 200
    assert get(coder_sim, "/api/v2/buildinfo").json()["telemetry"] is False
    refused = requests.post(coder_sim.url + "/__sim/state", json={"deployment": {"CODER_NOPE": "1"}})
    assert refused.status_code == 400 and "CODER_NOPE" in refused.json()["message"]


@pytest.mark.parametrize("text,message", [
    ("versoin: v1\n", "state file {path}: versoin: unknown key; did you mean version?"),
    ("deployment:\n  CODER_MAX_TOKEN_LIFETIME: 3 days\n",
     'state file {path}: deployment.CODER_MAX_TOKEN_LIFETIME="3 days": '
     'time: unknown unit " days" in duration "3 days"'),
    ("deployment:\n  CODER_ACESS_URL: https://x\n",
     "state file {path}: deployment.CODER_ACESS_URL: unknown key; did you mean CODER_ACCESS_URL"),
    ("faults:\n  - {kind: resett}\n", 'state file {path}: faults[0].kind: unknown kind "resett"; did you mean reset?'),
    ("users:\n  - {username: x, token: abc}\n", "state file {path}: users[0].token: must be <10 chars>-<22 chars>"),
    ("deployment: [\n", "state file {path}: not valid YAML"),
    ("deployment:\n  CODER_SSH_CONFIG_OPTIONS: Host=evil\n",
     'state file {path}: deployment.CODER_SSH_CONFIG_OPTIONS: option "Host" is not allowed'),
])
def test_bad_state_file_is_one_clear_line(tmp_path, text, message):
    path = tmp_path / "state.yml"
    path.write_text(text)
    with pytest.raises(StateError) as error:
        load_state(str(path))
    assert str(error.value).startswith(message.format(path=path))
    assert "\n" not in str(error.value)


def test_cli_bad_state_exits_2_with_one_line(tmp_path):
    path = tmp_path / "state.yml"
    path.write_text("deployment:\n  CODER_API_RATE_LIMIT: lots\n")
    result = subprocess.run([sys.executable, "-m", "coder_sim", "--state", str(path)], capture_output=True,
                            check=False, text=True, timeout=20, env=dict(os.environ, PYTHONPATH=SIMULATOR_DIR))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == ('coder_sim: error: state file %s: deployment.CODER_API_RATE_LIMIT="lots": '
                             'strconv.ParseInt: parsing "lots": invalid syntax\n' % path)


def test_cli_serves_deployments_until_sigterm(tmp_path):
    url_file = tmp_path / "urls"
    process = subprocess.Popen([sys.executable, "-m", "coder_sim", "--deployments", "2", "--url-file", str(url_file)],
                               stdout=subprocess.PIPE, text=True, env=dict(os.environ, PYTHONPATH=SIMULATOR_DIR))
    try:
        urls = [process.stdout.readline().strip() for _deployment in range(2)]
        assert all(re.fullmatch(r"http://127\.0\.0\.1:\d+", url) for url in urls)
        assert url_file.read_text().split() == urls
        ids = {requests.get(url + "/api/v2/buildinfo", timeout=5).json()["deployment_id"] for url in urls}
        assert len(ids) == 2
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0


# -- request log and control endpoints ----------------------------------------------------------------

def test_request_log_redacts_tokens_and_skips_control_requests(coder_sim):
    get(coder_sim, "/api/v2/deployment/ssh", OWNER)
    get(coder_sim, "/api/v2/deployment/ssh", headers={"Authorization": "Bearer " + MEMBER})
    get(coder_sim, "/api/v2/experiments", params={"access_token": AUDITOR, "x": "1"},
        cookies={"coder_session_token": OWNER})
    assert requests.get(coder_sim.url + "/__sim/requests").json() == {
        "count": 3, "by_path": {"/api/v2/deployment/ssh": 2, "/api/v2/experiments": 1}}
    log = coder_sim.requests
    assert [entry["user"] for entry in log] == ["admin", "member", "admin"]
    assert log[0]["headers"]["coder-session-token"] == "<redacted>"
    assert log[1]["headers"]["authorization"] == "Bearer <redacted>"
    assert log[2]["query"] == "access_token=<redacted>&x=1"
    assert log[2]["headers"]["cookie"] == "coder_session_token=<redacted>"
    assert not any(token in json.dumps(log) for token in DEFAULT_TOKENS.values())
    assert coder_sim.request_count("/api/v2/deployment/ssh", "GET") == 2
    assert requests.post(coder_sim.url + "/__sim/reset").status_code == 200
    assert coder_sim.requests == []


def test_csp_reports(coder_sim):
    with open(os.path.join(DATA_DIR, "examples", "csp-report-request.json"), "rb") as handle:
        report = handle.read()
    accepted = requests.post(coder_sim.url + "/api/v2/csp/reports", data=report, timeout=5)
    assert (accepted.status_code, accepted.content) == (200, b'"ok"\n')
    assert accepted.json() == example("csp-report-response.json")
    assert coder_sim.csp_reports == [json.loads(report)]
    for body, detail in [
        (b"", "EOF"),
        (b'{"csp-report": {', example("error-400-csp-invalid-json.json")["detail"]),
        (b"nonsense", "invalid character 'o' in literal null (expecting 'u')"),
        (b'{"a" 1}', "invalid character '1' after object key"),
        (b"[1 2]", "invalid character '2' after array element"),
        (b"<html>", "invalid character '<' looking for beginning of value"),
        (b"[1]", "json: cannot unmarshal array into Go value of type coderd.cspViolation"),
        (b'{"csp-report": "x"}', "json: cannot unmarshal string into Go struct field cspViolation.csp-report "
                                 "of type map[string]interface {}"),
    ]:
        refused = requests.post(coder_sim.url + "/api/v2/csp/reports", data=body, timeout=5)
        assert refused.status_code == 400
        assert refused.json() == {"message": "Failed to read body, invalid json.", "detail": detail}, body
    assert len(coder_sim.csp_reports) == 1


# -- scale and TLS -------------------------------------------------------------------------------------

def test_starts_fast_and_runs_100_instances_in_one_process():
    began = time.monotonic()
    simulators = [Simulator().start() for _instance in range(100)]
    try:
        assert time.monotonic() - began < 5
        session = requests.Session()
        assert {session.get(s.url + "/api/v2/buildinfo", timeout=5).status_code for s in simulators} == {200}
        assert len({s.url for s in simulators}) == 100
    finally:
        stopping = time.monotonic()
        for simulator in simulators:
            simulator.stop()
        assert time.monotonic() - stopping < 2


def test_tls_with_a_shared_self_signed_certificate(coder_sim_factory):
    first, second = coder_sim_factory(tls=True), coder_sim_factory(tls=True)
    assert first.url.startswith("https://127.0.0.1:")
    assert first.ca_path == second.ca_path and os.path.exists(first.ca_path)
    assert requests.get(first.url + "/api/v2/buildinfo", verify=first.ca_path, timeout=5).status_code == 200
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(second.url + "/api/v2/buildinfo", timeout=5)  # not trusted without the CA
