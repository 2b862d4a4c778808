"""Every coder.coderd module run by real ansible-playbook against the simulator, on both paths.

Each playbook runs on two hosts: ``controller`` (local connection: the action plugin does the
work in-process) and ``remote`` (the test-only remote_local connection: the action plugin runs
the real module through AnsiballZ, as for a remote host). Every run is at -vvvv and its output
and registered results are checked for tokens and for the simulator's secret values.
"""

import json
from pathlib import Path

import pytest

from coder_sim import DEFAULT_TOKENS

HERE = Path(__file__).resolve().parent
PLAYBOOKS = HERE / "playbooks" / "modules"
CONNECTION_PLUGINS = HERE / "connection_plugins"
HOSTS = ("controller", "remote")
CONNECTIONS = {"controller": "local", "remote": "remote_local"}

# Not a user of the simulator, but a well-formed token: it reaches the key lookup (401 "invalid").
UNKNOWN_TOKEN = "AbCdEfGhIj-0123456789abcdefghijkl"
# Secret values of the simulator's default state; no output may ever show them.
STATE_SECRETS = ("sim-db-password", "sim-oidc-client-secret")

# Not the defaults, so that values visibly come from the deployment.
STATE = {"deployment": {"CODER_EXPERIMENTS": "workspace-usage,Foo", "CODER_MAX_TOKEN_LIFETIME": "720h"}}
MEMBER_LIFETIME = 30 * 86400
OWNER_LIFETIME = 7 * 86400  # CODER_MAX_ADMIN_TOKEN_LIFETIME's default applies to owners

INFO_TASKS = {
    "Read the API root": "api_root",
    "Read the build information": "build",
    "Read the whole configuration": "config",
    "Read settings by key in every key form": "selected",
    "Read the SSH settings": "ssh",
    "Read the statistics": "stats",
    "Read the experiments": "experiments",
    "Read the update check": "update_check",
    "Read the token lifetime limit": "token_config",
    "Gather facts": "ansible_facts",
}
FACT_KEYS = {"url", "api_root", "build", "config", "ssh", "stats", "experiments", "update_check", "token_config"}


def _secrets():
    secrets = list(STATE_SECRETS)
    for token in list(DEFAULT_TOKENS.values()) + [UNKNOWN_TOKEN]:
        secrets += [token, token.split("-", 1)[1]]  # the secret half alone is a leak too
    return secrets


def play(run_playbook, playbook, extra_vars, env=None, check=False, hosts=HOSTS):
    """Run a playbook of playbooks/modules on ``hosts`` at -vvvv; fail on any leaked secret."""
    # Results of modules carry their arguments (token masked) only with INJECT_INVOCATION since 2.21.
    environment = {"ANSIBLE_CONNECTION_PLUGINS": str(CONNECTION_PLUGINS), "ANSIBLE_INJECT_INVOCATION": "1"}
    environment.update(env or {})
    # JSON is YAML; indented, it has the line breaks that make run_playbook take it as content.
    inventory = json.dumps({"all": {"hosts": dict((host, {"ansible_connection": CONNECTIONS[host]}) for host in hosts)}},
                           indent=2)
    result = run_playbook(PLAYBOOKS / playbook, extra_vars=extra_vars, env=environment, check=check,
                          verbosity=4, inventory=inventory)
    recorded = json.dumps(result.results)
    for secret in _secrets():
        assert secret not in result.output, "a token or secret appears in the -vvvv output of %s" % playbook
        assert secret not in recorded, "a token or secret appears in the results of %s" % playbook
    return result


def failure(run, task, host=None):
    """The result of a task that must have failed (ignored by the playbook)."""
    records = [record for record in run.results if record["task"] == task and host in (None, record["host"])]
    assert [record["status"] for record in records] == ["failed"], records
    return records[0]["result"]


def assert_one_line_error(result, *parts):
    message = result["msg"]
    assert "\n" not in message and "Traceback" not in message, message
    for part in parts:
        assert part in message, "%r not in %r" % (part, message)


def assert_module_path(run, task):
    """The controller did the work in-process; the remote host ran the module (masked token)."""
    assert "invocation" not in run.task(task, "controller")
    arguments = run.task(task, "remote")["invocation"]["module_args"]
    assert arguments["token"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"


def assert_readable_by_anyone(run, host, lifetime, check_mode=False):
    assert run.task("Read the API root", host)["api_root"] == {"message": "\U0001F44B"}

    build = run.task("Read the build information", host)["build"]
    assert build["version"] == "v2.34.3+4653f32"
    assert build["version_info"] == {"major": 2, "minor": 34, "patch": 3, "prerelease": "", "build": "4653f32"}
    assert build["dashboard_url"] == "https://coder.example.com"

    assert run.task("Read the SSH settings", host)["ssh"] == {
        "hostname_prefix": "coder.", "hostname_suffix": "coder", "ssh_config_options": {}}
    assert run.task("Read the experiments", host)["experiments"] == {
        "enabled": ["workspace-usage", "foo"], "available": [], "unknown": ["foo"]}
    assert run.task("Read the update check", host)["update_check"] == {
        "current": True, "version": "v2.34.3", "url": "https://github.com/coder/coder/releases/tag/v2.34.3"}
    assert run.task("Read the token lifetime limit", host)["token_config"] == {
        "user": "me", "max_token_lifetime_seconds": lifetime, "max_token_lifetime": "%dh0m0s" % (lifetime // 3600),
        "max_token_lifetime_ns": lifetime * 10 ** 9}

    csp = run.task("Send a CSP report", host)
    if check_mode:
        # It would have sent the report, and says so; nothing was sent, so nothing was answered.
        assert (csp["changed"], csp["sent"], "response" in csp) == (True, False, False)
    else:
        assert (csp["changed"], csp["sent"], csp["response"]) == (True, True, "ok")
    for task in INFO_TASKS:
        assert run.task(task, host)["changed"] is False, task


def assert_config_values(run, host):
    config = run.task("Read the whole configuration", host)["config"]
    assert config["access_url"] == "https://coder.example.com"
    assert config["session_lifetime"]["max_token_lifetime"] == MEMBER_LIFETIME
    assert config["experiments"] == ["workspace-usage", "Foo"]
    assert config["verbose"] is False  # omitted by the server, filled in from the options list
    assert config["pg_connection_url"] == {"set": True}
    assert config["oidc"]["client_secret"] == {"set": True}
    assert config["config_ssh"] == {"deployment_name": "coder.", "ssh_config_options": []}

    by_key = run.task("Read settings by key in every key form", host)
    assert by_key["selected"] == {
        "CODER_ACCESS_URL": "https://coder.example.com",
        "max-token-lifetime": MEMBER_LIFETIME,
        "networking.http.maxTokenLifetime": MEMBER_LIFETIME,
        "tls.min_version": "tls12",
        "Max Token Lifetime": MEMBER_LIFETIME,
        "CODER_PG_CONNECTION_URL": {"set": True},
    }
    assert [setting["resolved_as"] for setting in by_key["settings"]] == [
        "access_url", "session_lifetime.max_token_lifetime", "session_lifetime.max_token_lifetime",
        "tls.min_version", "session_lifetime.max_token_lifetime", "pg_connection_url"]
    assert "config" not in by_key
    options = dict((option["env"], option) for option in by_key["options"])
    assert options["CODER_MAX_TOKEN_LIFETIME"]["value"] == MEMBER_LIFETIME
    assert options["CODER_MAX_TOKEN_LIFETIME"]["value_source"] == "env"
    assert options["CODER_PG_CONNECTION_URL"]["value"] == {"set": True}


def assert_privileged_view(run, sim, host, lifetime, check_mode=False):
    assert_readable_by_anyone(run, host, lifetime, check_mode)
    assert_config_values(run, host)
    stats = run.task("Read the statistics", host)["stats"]
    assert set(stats["workspaces"]["connection_latency_ms"]) == {"p50", "p95"}
    assert stats["session_count"]["vscode"] == 128
    facts = run.task("Gather facts", host)["ansible_facts"]["coder"]
    assert set(facts) == FACT_KEYS
    assert facts["url"] == sim.url
    assert facts["token_config"]["max_token_lifetime_seconds"] == lifetime


def test_every_module_for_an_owner_token(coder_sim_factory, run_playbook):
    sim = coder_sim_factory(state=STATE)
    run = play(run_playbook, "every_module.yml", {"coder_url": sim.url, "coder_token": DEFAULT_TOKENS["owner"]})
    assert run.rc == 0, run.output
    for host in HOSTS:
        assert_privileged_view(run, sim, host, OWNER_LIFETIME)
    assert_module_path(run, "Read the build information")
    assert_module_path(run, "Gather facts")
    assert sim.request_count("/api/v2/csp/reports", "POST") == len(HOSTS)


def test_in_check_mode_every_module_reads_and_no_report_is_sent(coder_sim_factory, run_playbook):
    sim = coder_sim_factory(state=STATE)
    run = play(run_playbook, "every_module.yml", {"coder_url": sim.url, "coder_token": DEFAULT_TOKENS["owner"]},
               check=True)
    assert run.rc == 0, run.output
    for host in HOSTS:
        assert_privileged_view(run, sim, host, OWNER_LIFETIME, check_mode=True)
    assert_module_path(run, "Send a CSP report")
    assert sim.request_count("/api/v2/csp/reports") == 0
    assert sim.request_count("/api/v2/buildinfo") == 2 * len(HOSTS)  # the info modules did read


def test_every_module_for_an_auditor_token(coder_sim_factory, run_playbook):
    sim = coder_sim_factory(state=STATE)
    run = play(run_playbook, "every_module.yml", {"coder_url": sim.url, "coder_token": DEFAULT_TOKENS["auditor"]},
               hosts=["controller"])
    assert run.rc == 0, run.output
    # An auditor is no owner: its own token lifetime limit is the one for everybody else.
    assert_privileged_view(run, sim, "controller", MEMBER_LIFETIME)


def test_every_module_for_a_member_token(coder_sim_factory, run_playbook):
    sim = coder_sim_factory(state=STATE)
    run = play(run_playbook, "every_module.yml", {"coder_url": sim.url, "coder_token": DEFAULT_TOKENS["member"],
                                                  "coder_subsets": ["all", "!config", "!stats"]})
    assert run.rc == 0, run.output

    for host in HOSTS:
        assert_readable_by_anyone(run, host, MEMBER_LIFETIME)
        for task, endpoint in (("Read the whole configuration", "/api/v2/deployment/config"),
                               ("Read settings by key in every key form", "/api/v2/deployment/config"),
                               ("Read the statistics", "/api/v2/deployment/stats")):
            assert_one_line_error(failure(run, task, host), "403", endpoint, sim.url)
        facts = run.task("Gather facts", host)["ansible_facts"]["coder"]
        assert set(facts) == FACT_KEYS - {"config", "stats"}


@pytest.mark.parametrize("source", ["module_defaults", "coder_cli_environment", "coder_login_files"])
def test_connection_from_a_single_source(source, coder_sim, run_playbook, tmp_path):
    token = DEFAULT_TOKENS["owner"]
    extra_vars, env = {}, {}
    if source == "module_defaults":
        extra_vars["coder_defaults"] = {"url": coder_sim.url, "token": token}
    elif source == "coder_cli_environment":
        env = {"CODER_URL": coder_sim.url, "CODER_SESSION_TOKEN": token}
    else:
        login = tmp_path / "coderv2"
        login.mkdir()
        (login / "url").write_text(coder_sim.url + "/\n")
        (login / "session").write_text(token + "\n")
        login.joinpath("session").chmod(0o600)
        env = {"CODER_CONFIG_DIR": str(login)}

    run = play(run_playbook, "connection_sources.yml", extra_vars, env=env)
    assert run.rc == 0, run.output
    for host in HOSTS:
        assert run.task("Read the build information", host)["build"]["version"] == "v2.34.3+4653f32"
        # Only an authenticated owner gets the admin lifetime: the token came from the source too.
        assert run.task("Read the token lifetime limit", host)["token_config"]["max_token_lifetime"] == "168h0m0s"
        assert run.task("Read the access URL", host)["selected"] == {"CODER_ACCESS_URL": "https://coder.example.com"}
    assert {entry["user"] for entry in coder_sim.requests if entry["path"] != "/api/v2/buildinfo"} == {"admin"}


def test_auth_errors_and_rate_limit(coder_sim_factory, run_playbook):
    rate_limit = 5  # above the requests per path and client of the first play
    sim = coder_sim_factory(state={
        "deployment": {"CODER_API_RATE_LIMIT": str(rate_limit)},
        "faults": [{"kind": "rate_limit", "path": "/api/v2/buildinfo", "count": 1, "seconds": 1}],
    })
    run = play(run_playbook, "errors.yml", {"coder_url": sim.url, "member_token": DEFAULT_TOKENS["member"],
                                            "unknown_token": UNKNOWN_TOKEN, "rate_limit": rate_limit})
    assert run.rc == 0, run.output

    for host in HOSTS:
        assert_one_line_error(failure(run, "Read the SSH settings without a token", host),
                              "401", "/api/v2/deployment/ssh", sim.url, "must be provided")
        assert_one_line_error(failure(run, "Read the SSH settings with an unknown token", host),
                              "401", "/api/v2/deployment/ssh", sim.url, "API key is invalid")
        assert_one_line_error(failure(run, "Read another user's token lifetime limit as a member", host),
                              "404", "/api/v2/users/admin/keys/tokens/tokenconfig", sim.url)

    retried = run.task("Read the build information through one short 429")
    assert retried["build"]["version"] == "v2.34.3+4653f32"
    assert any("429" in warning and "retrying" in warning for warning in retried["warnings"]), retried
    outcomes = run.task("Read the update check until rate limited")["results"]
    assert ["update_check" in item for item in outcomes] == [True] * rate_limit + [False]
    assert_one_line_error(outcomes[-1], "429", "/api/v2/updatecheck", sim.url)


def test_stats_wait_while_processing_is_bounded(coder_sim_factory, run_playbook):
    # The fault keeps the first two answers at "still processing" however fast ansible starts.
    warming = coder_sim_factory(state={"stats_warmup_seconds": 2, "faults": [
        {"kind": "stats_processing", "path": "/api/v2/deployment/stats", "count": 2}]})
    processing = coder_sim_factory(state={"stats_warmup_seconds": 3600})
    run = play(run_playbook, "stats.yml", {"warming_url": warming.url, "processing_url": processing.url,
                                           "coder_token": DEFAULT_TOKENS["auditor"]})
    assert run.rc == 0, run.output

    statuses = [entry["status"] for entry in warming.requests if entry["path"] == "/api/v2/deployment/stats"]
    assert statuses.count(400) >= 2 and statuses.count(200) == len(HOSTS), statuses
    for host in HOSTS:
        stats = run.task("Read the statistics of a server that just started", host)["stats"]
        assert stats["workspaces"]["running"] == 32
        assert_one_line_error(failure(run, "Read the statistics of a server that stays processing", host),
                              "still processing", "processing_timeout", "/api/v2/deployment/stats", processing.url)


def test_deployment_info_fetches_each_endpoint_once(coder_sim, run_playbook):
    run = play(run_playbook, "facts.yml", {"coder_url": coder_sim.url, "coder_token": DEFAULT_TOKENS["owner"]})
    assert run.rc == 0, run.output

    every_endpoint = {"/api/v2/", "/api/v2/buildinfo", "/api/v2/deployment/config", "/api/v2/deployment/ssh",
                      "/api/v2/deployment/stats", "/api/v2/experiments", "/api/v2/experiments/available",
                      "/api/v2/updatecheck", "/api/v2/users/me/keys/tokens/tokenconfig"}
    for task in ("Count the requests of the controller", "Count the requests of the module"):
        assert run.task(task)["json"]["by_path"] == dict.fromkeys(every_endpoint, 1), task

    facts = run.task("Gather all facts with options on the controller")["ansible_facts"]["coder"]
    assert set(facts) == FACT_KEYS | {"options"}
    assert facts["config"]["access_url"] == "https://coder.example.com"
    assert facts["token_config"]["max_token_lifetime"] == "168h0m0s"
    assert any(option["env"] == "CODER_ACCESS_URL" for option in facts["options"])
    assert set(run.task("Gather all facts through the module")["ansible_facts"]["coder"]) == FACT_KEYS

    member_view = run.task("Gather all facts but config and stats")["ansible_facts"]["coder"]
    assert set(member_view) == FACT_KEYS - {"config", "stats"}
    assert set(run.task("Gather the build information only")["ansible_facts"]["coder"]) == {"url", "build"}
    in_background = run.task("Gather the build information asynchronously")
    assert in_background["finished"] == 1 and "ansible_job_id" in in_background
    assert in_background["ansible_facts"]["coder"]["build"]["version"] == "v2.34.3+4653f32"
    # Excluded subsets are not fetched either: config and stats were never asked for.
    assert run.task("Count the requests of the subsets")["json"]["by_path"] == dict(
        dict.fromkeys(every_endpoint - {"/api/v2/deployment/config", "/api/v2/deployment/stats"}, 1),
        **{"/api/v2/buildinfo": 2})


def test_deployment_info_keeps_partial_facts_on_request(coder_sim_factory, refused_url, run_playbook):
    sim = coder_sim_factory(state=STATE)
    run = play(run_playbook, "partial_facts.yml", {
        "coder_url": sim.url, "member_token": DEFAULT_TOKENS["member"], "owner_token": DEFAULT_TOKENS["owner"],
        "down_url": refused_url})
    assert run.rc == 0, run.output

    for host in HOSTS:
        kept = run.task("Gather every subset with a member token, keeping what answered", host)
        facts = kept["ansible_facts"]["coder"]
        assert set(facts) == FACT_KEYS - {"config", "stats"} | {"errors"}
        assert facts["build"]["version"] == "v2.34.3+4653f32"
        assert sorted(facts["errors"]) == ["config", "stats"]
        assert facts["errors"]["config"].startswith("/api/v2/deployment/config: HTTP 403: Forbidden.")
        assert facts["errors"]["stats"].startswith("/api/v2/deployment/stats: HTTP 403: Forbidden.")
        assert (kept.get("failed", False), kept["changed"]) == (False, False)
        (warning,) = [line for line in kept["warnings"] if "partial" in line]
        assert "\n" not in warning and warning.startswith(
            "%s: 2 endpoints (/api/v2/deployment/config, /api/v2/deployment/stats) failed: HTTP 403: Forbidden."
            % sim.url)
        assert warning.endswith("; the facts lack config, stats (on_error: partial, see ansible_facts.coder.errors)")

        assert_one_line_error(failure(run, "Gather every subset with a member token, failing", host),
                              sim.url, "2 endpoints (/api/v2/deployment/config, /api/v2/deployment/stats) failed",
                              "HTTP 403")

        whole = run.task("Gather with an owner token, keeping what answered", host)
        assert whole["ansible_facts"]["coder"]["errors"] == {}
        assert whole["ansible_facts"]["coder"]["config"]["access_url"] == "https://coder.example.com"
        assert not [line for line in whole.get("warnings", []) if "partial" in line]

        assert_one_line_error(failure(run, "Gather from a deployment that does not answer, keeping what answered",
                                      host), refused_url, "2 endpoints", "/api/v2/buildinfo",
                              "connection refused")
