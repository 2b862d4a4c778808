"""The simulator answers like coderd v2.34.3 over real HTTP, in what the coder.coderd collection,
its demo, its benchmark and its users' CI rely on."""

import datetime
import json
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from coder_sim import DEFAULT_TOKENS, StateError, load_state
from coder_sim.examples import example, example_bytes
from coder_sim.ratelimit import SlidingWindowLimiter

SIGNED_OUT = "You are signed out or your session has expired. Please sign in again to continue."
OWNER, AUDITOR, MEMBER, TADMIN = (DEFAULT_TOKENS[r] for r in ("owner", "auditor", "member", "template-admin"))
ADMIN_ID = load_state()["users"][0]["id"]


def get(sim, path, token=None, **kwargs):
    headers = {"Coder-Session-Token": token} if token else {}
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
    response = get(coder_sim, "/api/v2/deployment/config", AUDITOR)
    expected = json.dumps(example("deployment-config.json"), ensure_ascii=False, separators=(",", ":"))
    expected = expected.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    assert response.content == (expected + "\n").encode()
    secrets = [load_state()["deployment"][env] for env in ("CODER_PG_CONNECTION_URL", "CODER_OIDC_CLIENT_SECRET")]
    assert all(secret.encode() not in response.content for secret in secrets)
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response.headers["X-Coder-Build-Version"] == "v2.34.3+4653f32"


# -- authentication and roles -----------------------------------------------------------------------

@pytest.mark.parametrize("token,detail", [
    (None, example("error-401.json")["detail"]),
    ("nodash", example("error-401-bad-format.json")["detail"]),
    ("i" * 10 + "-" + "s" * 22, example("error-401-invalid.json")["detail"]),
    (OWNER.split("-")[0] + "-" + "s" * 22, example("error-401-secret.json")["detail"]),
])
def test_401_details(coder_sim, token, detail):
    response = get(coder_sim, "/api/v2/experiments", token)
    assert response.status_code == 401
    assert response.json() == {"message": SIGNED_OUT, "detail": detail}
    assert response.headers["WWW-Authenticate"].startswith('Bearer realm="coder", error="invalid_token"')


@pytest.mark.parametrize("path", ["/api/v2/deployment/config", "/api/v2/deployment/stats"])
def test_only_owner_and_auditor_read_deployment_config_and_stats(coder_sim, path):
    assert [get(coder_sim, path, t).status_code for t in (OWNER, AUDITOR, MEMBER, TADMIN)] == [200, 200, 403, 403]
    assert get(coder_sim, path, MEMBER).json() == example("error-403.json")


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
    not_found = (404, example("error-404.json"))
    assert lifetime("admin", MEMBER) == not_found  # a member may not read another user
    assert lifetime("nobody", OWNER) == not_found


def test_routing_follows_chi(coder_sim):
    assert get(coder_sim, "/api/v2/nope", OWNER).json() == example("error-404-route.json")
    assert get(coder_sim, "/api/v2/deployment/nope").status_code == 401  # sub-router auth runs first
    assert get(coder_sim, "/api/v2//buildinfo").json()["version"] == "v2.34.3+4653f32"  # singleSlashMW
    wrong_method = requests.post(coder_sim.url + "/api/v2/buildinfo", timeout=5)
    assert (wrong_method.status_code, wrong_method.content, wrong_method.headers["Allow"]) == (405, b"", "GET")


# -- rate limiting --------------------------------------------------------------------------------

def test_rate_limit_per_user_and_path(coder_sim_factory):
    sim = coder_sim_factory(state={"deployment": {"CODER_API_RATE_LIMIT": 3}})
    remaining = [get(sim, "/api/v2/deployment/ssh", MEMBER).headers["X-Ratelimit-Remaining"] for _attempt in range(3)]
    assert remaining == ["2", "1", "0"]
    limited = get(sim, "/api/v2/deployment/ssh", MEMBER)
    assert limited.status_code == 429
    assert limited.json() == {"message": "You've been rate limited for sending more than 3 requests in 1m0s."}
    assert (limited.headers["Retry-After"], limited.headers["X-Ratelimit-Limit"]) == ("60", "3")
    assert get(sim, "/api/v2/experiments", MEMBER).status_code == 200  # another path
    assert get(sim, "/api/v2/deployment/ssh", AUDITOR).status_code == 200  # another user
    # Unauthenticated requests share the client IP's budget.
    assert [get(sim, "/api/v2/buildinfo").status_code for _attempt in range(4)] == [200, 200, 200, 429]


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


# -- the answers follow the deployment values ------------------------------------------------------

def test_stats_warm_up_then_fresh_timestamps(coder_sim_factory):
    sim = coder_sim_factory(state={"stats_warmup_seconds": 0.3})
    processing = get(sim, "/api/v2/deployment/stats", OWNER)
    assert (processing.status_code, processing.json()) == (400, example("error-400-stats-processing.json"))
    time.sleep(0.35)
    stats = get(sim, "/api/v2/deployment/stats", OWNER).json()
    times = {key: datetime.datetime.fromisoformat(stats[key].replace("Z", "+00:00"))
             for key in ("aggregated_from", "collected_at", "next_update_at")}
    assert times["collected_at"] <= datetime.datetime.now(datetime.timezone.utc)
    assert times["next_update_at"] - times["collected_at"] == datetime.timedelta(seconds=30)
    assert times["collected_at"] - times["aggregated_from"] == datetime.timedelta(minutes=15)
    assert stats["workspaces"] == example("deployment-stats.json")["workspaces"]


def test_experiments_follow_coder_experiments(coder_sim_factory):
    sim = coder_sim_factory(state={"deployment": {"CODER_EXPERIMENTS": "Workspace-Usage,foo,*"}})
    assert get(sim, "/api/v2/experiments", MEMBER).json() == ["workspace-usage", "foo"]
    config = get(sim, "/api/v2/deployment/config", OWNER).json()
    assert config["config"]["experiments"] == ["Workspace-Usage", "foo", "*"]
    assert option(config, "CODER_EXPERIMENTS")["value_source"] == "env"


@pytest.mark.parametrize("state,expected", [
    ({"update_check": {"latest": "v2.35.0"}},
     {"current": False, "version": "v2.35.0", "url": "https://github.com/coder/coder/releases/tag/v2.35.0"}),
    ({"version": "v2.35.0-rc.1+abc1234", "update_check": {"latest": "v2.35.0"}},
     {"current": True, "version": "v2.35.0", "url": "https://github.com/coder/coder/releases/tag/v2.35.0"}),
    ({"deployment": {"CODER_UPDATE_CHECK": False}}, example("updatecheck-disabled.json")),
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
    """codersdk does not scrub use_instead copies: clients must mask them."""
    sim = coder_sim_factory(state={"deployment": {"CODER_AI_GATEWAY_OPENAI_KEY": "sk-sim-openai"}})
    document = get(sim, "/api/v2/deployment/config", OWNER).json()
    deprecated = option(document, "CODER_AIBRIDGE_OPENAI_KEY")
    assert "value" not in deprecated
    assert deprecated["use_instead"][0]["value"] == "sk-sim-openai"
    assert deprecated["value_source"] == "env"


def test_buildinfo_follows_the_state(coder_sim_factory):
    sim = coder_sim_factory(state={"version": "v2.33.9+5a6b7c8", "provisioner_api_version": "1.17",
                                   "upgrade_message": "Use <the> internal mirror & co."})
    build = get(sim, "/api/v2/buildinfo")
    assert build.headers["X-Coder-Build-Version"] == "v2.33.9+5a6b7c8"
    assert build.json()["external_url"] == "https://github.com/coder/coder/commit/5a6b7c8"
    assert build.json()["provisioner_api_version"] == "1.17"
    assert b'"upgrade_message":"Use \\u003cthe\\u003e internal mirror \\u0026 co."' in build.content
    config = get(sim, "/api/v2/deployment/config", OWNER).json()["config"]
    assert config["cli_upgrade_message"] == "Use <the> internal mirror & co."
    assert config["docs_url"] == "https://coder.com/docs/@v2.33.9"


def test_state_changes_at_runtime_merge_and_rebuild_every_answer(coder_sim):
    coder_sim.set_state({"version": "v2.35.1+abcdef0", "deployment": {"CODER_EXPERIMENTS": "oauth2"}})
    assert get(coder_sim, "/api/v2/buildinfo").json()["version"] == "v2.35.1+abcdef0"
    assert get(coder_sim, "/api/v2/experiments", OWNER).json() == ["oauth2"]
    config = get(coder_sim, "/api/v2/deployment/config", OWNER).json()
    assert config["config"]["access_url"] == "https://coder.example.com"  # merged, not replaced
    assert requests.post(coder_sim.url + "/__sim/state", json={"telemetry": False}, timeout=5).status_code == 200
    assert get(coder_sim, "/api/v2/buildinfo").json()["telemetry"] is False
    refused = requests.post(coder_sim.url + "/__sim/state", json={"deployment": {"CODER_NOPE": "1"}}, timeout=5)
    assert refused.status_code == 400 and "CODER_NOPE" in refused.json()["message"]


# -- state files and the command line ----------------------------------------------------------------

@pytest.mark.parametrize("text,message", [
    ("versoin: v1\n", "state file {path}: versoin: unknown key; did you mean version"),
    ("deployment:\n  CODER_MAX_TOKEN_LIFETIME: 3 days\n",
     'state file {path}: deployment.CODER_MAX_TOKEN_LIFETIME="3 days": '
     'time: unknown unit " days" in duration "3 days"'),
    ("deployment:\n  CODER_ACESS_URL: https://x\n",
     "state file {path}: deployment.CODER_ACESS_URL: unknown key; did you mean CODER_ACCESS_URL"),
    ("faults:\n  - {kind: resett}\n", 'state file {path}: faults[0].kind: unknown kind "resett"; did you mean reset?'),
    ("users:\n  - {username: x, token: abc}\n", "state file {path}: users[0].token: must be <10 chars>-<22 chars>"),
    ("deployment: [\n", "state file {path}: not valid YAML"),
])
def test_bad_state_file_is_one_clear_line(tmp_path, text, message):
    path = tmp_path / "state.yml"
    path.write_text(text)
    with pytest.raises(StateError) as error:
        load_state(str(path))
    assert str(error.value).startswith(message.format(path=path))
    assert "\n" not in str(error.value)


def coder_sim_command(how="coder-sim"):
    """The installed console script (next to the interpreter running the tests), or the module."""
    if how != "coder-sim":
        return [sys.executable, "-m", "coder_sim"]
    command = shutil.which("coder-sim", path=str(Path(sys.executable).parent))
    assert command, "the coder-sim command is not installed next to %s" % sys.executable
    return [command]


@pytest.mark.parametrize("how", ["coder-sim", "python -m coder_sim"])
def test_cli_bad_state_exits_2_with_one_line(tmp_path, how):
    path = tmp_path / "state.yml"
    path.write_text("deployment:\n  CODER_API_RATE_LIMIT: lots\n")
    result = subprocess.run(coder_sim_command(how) + ["--state", str(path)], capture_output=True, check=False,
                            text=True, timeout=20)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == ('coder-sim: error: state file %s: deployment.CODER_API_RATE_LIMIT="lots": '
                             'strconv.ParseInt: parsing "lots": invalid syntax\n' % path)


def test_cli_serves_deployments_until_sigterm(tmp_path):
    url_file = tmp_path / "urls"
    process = subprocess.Popen(coder_sim_command() + ["--deployments", "2", "--url-file", str(url_file)],
                               stdout=subprocess.PIPE, text=True)
    try:
        urls = [process.stdout.readline().strip() for _deployment in range(2)]
        assert all(re.fullmatch(r"http://127\.0\.0\.1:\d+", url) for url in urls)
        assert url_file.read_text().split() == urls
        ids = {requests.get(url + "/api/v2/buildinfo", timeout=5).json()["deployment_id"] for url in urls}
        assert len(ids) == 2
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0


# -- request log, control endpoints, CSP reports, TLS -------------------------------------------------

def test_request_log_redacts_tokens_and_skips_control_requests(coder_sim):
    get(coder_sim, "/api/v2/deployment/ssh", OWNER)
    requests.get(coder_sim.url + "/api/v2/experiments", params={"access_token": AUDITOR, "x": "1"}, timeout=5,
                 headers={"Authorization": "Bearer " + MEMBER}, cookies={"coder_session_token": OWNER})
    assert requests.get(coder_sim.url + "/__sim/requests", timeout=5).json() == {
        "count": 2, "by_path": {"/api/v2/deployment/ssh": 1, "/api/v2/experiments": 1}}
    log = coder_sim.requests
    assert [entry["user"] for entry in log] == ["admin", None]
    assert log[0]["headers"]["coder-session-token"] == "<redacted>"
    assert log[1]["query"] == "access_token=<redacted>&x=1"
    assert log[1]["headers"]["authorization"] == "Bearer <redacted>"
    assert log[1]["headers"]["cookie"] == "coder_session_token=<redacted>"
    assert not any(token in json.dumps(log) for token in DEFAULT_TOKENS.values())
    assert requests.post(coder_sim.url + "/__sim/reset", timeout=5).status_code == 200
    assert coder_sim.requests == []


def test_csp_reports(coder_sim):
    accepted = requests.post(coder_sim.url + "/api/v2/csp/reports", data=example_bytes("csp-report-request.json"),
                             timeout=5)
    assert (accepted.status_code, accepted.content) == (200, b'"ok"\n')
    assert accepted.json() == example("csp-report-response.json")
    refused = requests.post(coder_sim.url + "/api/v2/csp/reports", data=b'{"csp-report": {', timeout=5)
    assert refused.status_code == 400
    assert refused.json()["message"] == example("error-400-csp-invalid-json.json")["message"]


def test_tls_with_a_shared_self_signed_certificate(coder_sim_factory):
    first, second = coder_sim_factory(tls=True), coder_sim_factory(tls=True)
    assert first.url.startswith("https://127.0.0.1:")
    assert first.ca_path == second.ca_path and Path(first.ca_path).is_file()
    assert requests.get(first.url + "/api/v2/buildinfo", verify=first.ca_path, timeout=5).status_code == 200
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(second.url + "/api/v2/buildinfo", timeout=5)  # not trusted without the CA
