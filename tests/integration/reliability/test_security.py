"""Credentials stay home, TLS is verified, API data is never templated, paths never change route.

Every run is at -vvvv with the canary credentials and is scanned for them and for tracebacks.
"""

import json
from urllib.parse import unquote

import yaml

from .support import (
    ALL_MODULES, FLEET_SHOW, INVENTORY, LOOKUPS, MODULES, Fault, FaultBench, check_bench, check_cases, files_text,
    fleet_outcome, lookup_task, module_task, run_bench, run_fleet, run_texts,
)

BUILD_INFO_MODULE = next(plugin for plugin in MODULES if plugin.name == "build_info")
BUILD_INFO_LOOKUP = next(plugin for plugin in LOOKUPS if plugin.name == "build_info")
API_LOOKUP = next(plugin for plugin in LOOKUPS if plugin.name == "api")
TOKEN_CONFIG_MODULE = next(plugin for plugin in MODULES if plugin.name == "token_config_info")
WAIT_FOR_MODULE = next(plugin for plugin in MODULES if plugin.name == "wait_for")
CONTROLLER = {"ansible_connection": "local"}
BUILD_INFO_TASKS = [module_task(BUILD_INFO_MODULE), lookup_task(BUILD_INFO_LOOKUP)]


def build_info_bench(canary, start_simulator, fault):
    """``fault`` met by the build_info lookup and module, the module both on the controller and remote."""
    bench = FaultBench(canary, start_simulator, [fault]).add([BUILD_INFO_MODULE, BUILD_INFO_LOOKUP])
    return bench.add([BUILD_INFO_MODULE], via_module=True)


def one_host(canary, url, **host_vars):
    """An inventory of one host, ``deployment``, with the canary credentials for ``url``."""
    host = dict(canary.connection_vars(), ansible_coder_url=url, **dict(CONTROLLER, **host_vars))
    return json.dumps({"all": {"hosts": {"deployment": host}}}, indent=2)


def plain_play(name, tasks):
    return yaml.safe_dump([{"name": name, "hosts": "all", "gather_facts": False, "tasks": tasks}], sort_keys=False,
                          width=1000)


def failed_task(name, task):
    return dict({"name": name}, **task, register="outcome", ignore_errors=True)


def outcome_of(run, name):
    records = [record for record in run.results if record["task"] == name]
    assert len(records) == 1, "%d results for %r" % (len(records), name)
    return records[0]["status"], records[0]["result"]


# --- 3. the token never goes to another host ---------------------------------------------------

ESCAPING_PATHS = ("//evil.example/x", "http://x/", "https://evil.example/api/v2/buildinfo", "/../x", "%2e%2e/x",
                  "/%2E%2E/x", "/api/v2/../../x", "/buildinfo/..", "\\\\evil.example\\x", "/build info")


def test_api_lookup_paths_cannot_leave_the_api(run_playbook, coder_sim_factory, canary, tally):
    sim = coder_sim_factory(state=canary.state())
    tasks = [failed_task("path %d" % number, {"ansible.builtin.debug": {
        "msg": "{{ lookup('coder.coderd.api', %s) }}" % json.dumps(path)}})
        for number, path in enumerate(ESCAPING_PATHS)]
    run = run_playbook(plain_play("Paths that would leave the API", tasks), inventory=one_host(canary, sim.url),
                       verbosity=4)

    problems = tally.scan(canary, "api lookup paths", run_texts(run))
    for number, path in enumerate(ESCAPING_PATHS):
        status, result = outcome_of(run, "path %d" % number)
        where = "lookup api with path %r" % path
        tally.tried(API_LOOKUP.id)
        if status != "failed":
            problems.append("%s: was not refused" % where)
            continue
        problems += tally.error_line(where, result["msg"], "is not allowed", "plain path under /api/v2")
    assert sim.request_count() == 0, "refused paths still sent %s" % sim.requests
    assert sim.leaks == []
    assert run.rc == 0, run.output[-3000:]
    assert not problems, "\n".join(problems)


def test_a_server_echoing_credentials_never_gets_them_printed(run_playbook, coder_sim_factory, canary, tally):
    """A proxy or server that repeats the token or a header value in its error: hidden in every message."""
    echo = {"message": "token %s was rejected" % canary.token, "detail": "by %s" % canary.header_value}
    fault = Fault("echoed_credentials", ({"kind": "status", "status": 401, "body": echo},), retries=0,
                  cause=("HTTP 401", "token <hidden> was rejected", "by <hidden>"), module_path=ALL_MODULES)
    check_bench(run_playbook, tally, build_info_bench(canary, coder_sim_factory, fault), BUILD_INFO_TASKS,
                "Credentials echoed by the server")


def test_tracebacks_asked_for_hold_no_credential(run_playbook, coder_sim_factory, canary, tally):
    """With ANSIBLE_DISPLAY_TRACEBACK=always every exception is printed in full: none holds a secret."""
    fault = Fault("echoed_credentials", ({"kind": "status", "status": 401, "body": {
        "message": "token %s was rejected" % canary.token}},), retries=0, module_path=ALL_MODULES)
    run = run_bench(run_playbook, build_info_bench(canary, coder_sim_factory, fault), BUILD_INFO_TASKS, "Tracebacks on",
                    env={"ANSIBLE_DISPLAY_TRACEBACK": "always"})

    problems = tally.scan(canary, "tracebacks on", run_texts(run), tracebacks_asked_for=True)
    assert "Traceback" in run.output, "no traceback was printed, so none was checked"
    assert run.rc == 0, run.output[-3000:]
    assert not problems, "\n".join(problems)


# --- 4. TLS ------------------------------------------------------------------------------------

def test_tls_is_verified_unless_told_otherwise(run_playbook, coder_sim_factory, canary, tally, tmp_path):
    ca_path = coder_sim_factory(tls=True).ca_path
    faults = [
        Fault("tls_by_default", tls=True, cause=("TLS certificate verification failed", "set ca_path"),
              module_path=ALL_MODULES),
        Fault("tls_with_ca_path", tls=True, host_vars=(("ansible_coder_ca_path", ca_path),), module_path=ALL_MODULES),
        Fault("tls_without_verification", tls=True, host_vars=(("ansible_coder_validate_certs", False),),
              warning="TLS certificate verification is disabled"),
    ]
    plugins = [BUILD_INFO_MODULE, WAIT_FOR_MODULE, BUILD_INFO_LOOKUP]
    bench = FaultBench(canary, coder_sim_factory, faults).add(plugins).add([BUILD_INFO_MODULE], via_module=True)
    # requests lets REQUESTS_CA_BUNDLE override a session's settings: ca_path and validate_certs must still win.
    bundle = {"REQUESTS_CA_BUNDLE": str(canary.cert_path), "CURL_CA_BUNDLE": str(canary.cert_path)}
    check_bench(run_playbook, tally, bench, [module_task(plugin) for plugin in plugins[:2]] + [lookup_task(BUILD_INFO_LOOKUP)],
                "TLS", env=bundle)

    fleet = FaultBench(canary, coder_sim_factory, faults).add([INVENTORY])
    run, seconds, log_path = run_fleet(run_playbook, fleet, tmp_path, FLEET_SHOW, env=bundle)
    problems = tally.scan(canary, "TLS inventory", run_texts(run, log_path))
    problems += check_cases(tally, fleet, run, fleet_outcome(run, seconds))
    assert run.rc == 0, run.output[-3000:]
    assert not problems, "\n".join(problems)


def test_a_broken_client_key_is_named_not_shown(run_playbook, coder_sim_factory, canary, tally, tmp_path):
    broken = tmp_path / "broken.key"
    broken.write_text("".join(canary.key_path.read_text().splitlines(True)[:-2]))  # its end cut off
    ca_path = coder_sim_factory(tls=True).ca_path
    fault = Fault("broken_client_key", tls=True, retries=0, module_path=ALL_MODULES, host_vars=(
        ("ansible_coder_ca_path", ca_path), ("ansible_coder_client_key", str(broken))),
        cause=("cannot use client_cert / client_key",))
    check_bench(run_playbook, tally, build_info_bench(canary, coder_sim_factory, fault), BUILD_INFO_TASKS,
                "A broken client key")


# --- 5. injection ------------------------------------------------------------------------------

TEMPLATE = "{{ 7 * 7 }} {% if true %}rendered{% endif %}"
RENDERED = "49 rendered"


def test_api_values_are_never_templated(run_playbook, coder_sim_factory, canary, tally, tmp_path):
    sim = coder_sim_factory(state=canary.state(upgrade_message=TEMPLATE))
    reports = tmp_path / "reports"
    tasks = [
        {"name": "Read through a lookup", "ansible.builtin.set_fact": {
            "from_lookup": "{{ lookup('coder.coderd.build_info', 'upgrade_message') }}"}},
        {"name": "Use the looked-up value", "ansible.builtin.debug": {"msg": "{{ from_lookup }}"}},
        {"name": "Gather facts", "coder.coderd.deployment_info": {"gather_subset": ["build", "config"]}},
        {"name": "Use the facts", "ansible.builtin.debug": {
            "msg": "{{ [coder.build.upgrade_message, coder.config.cli_upgrade_message] }}"}},
        {"name": "Check for drift", "register": "drift", "coder.coderd.deployment_assert": {
            "desired": {"config": {"CODER_CLI_UPGRADE_MESSAGE": "plain"}}, "fail_on": "never",
            "report_dir": str(reports)}},
        {"name": "Use the drift result", "ansible.builtin.debug": {"msg": "{{ drift.msg }}"}},
    ]
    run = run_playbook(plain_play("API values that look like templates", tasks), inventory=one_host(canary, sim.url),
                       verbosity=4)
    assert run.rc == 0, run.output[-3000:]
    assert run.task("Use the looked-up value")["msg"] == TEMPLATE
    assert run.task("Use the facts")["msg"] == [TEMPLATE, TEMPLATE]
    assert TEMPLATE in run.task("Use the drift result")["msg"]
    drift_report = json.loads((reports / "coder-drift.json").read_text())
    assert [record["actual"] for record in drift_report["records"]] == [TEMPLATE]

    templates = Fault("templates_in_values", state=(("upgrade_message", TEMPLATE),))
    fleet = FaultBench(canary, coder_sim_factory, [templates]).add([INVENTORY])
    inventory_run, seconds, log_path = run_fleet(
        run_playbook, fleet, tmp_path, "{{ [coder_build.upgrade_message, probe] }}",
        compose={"probe": "coder_build.upgrade_message"})
    assert inventory_run.rc == 0, inventory_run.output[-3000:]
    assert inventory_run.task("Show what the inventory found")["msg"] == [TEMPLATE, TEMPLATE]

    texts = dict(run_texts(run), **files_text(reports))
    texts.update(("inventory " + name, text) for name, text in run_texts(inventory_run, log_path).items())
    problems = tally.scan(canary, "templates in values", texts)
    problems += ["%s: the template was rendered" % name for name, text in texts.items() if RENDERED in text]
    for plugin_id in ("lookup build_info", "module deployment_info", "module deployment_assert", INVENTORY.id):
        tally.tried(plugin_id)
    assert not problems, "\n".join(problems)


USERS = ("../admin", "a/b", "%2e%2e", "?x=1")


def test_user_values_stay_inside_their_path_segment(run_playbook, coder_sim_factory, canary, tally):
    sim = coder_sim_factory(state=canary.state())
    tasks = []
    for number, user in enumerate(USERS):
        tasks.append(failed_task("module %d" % number, {"coder.coderd.token_config_info": {"user": user}}))
        tasks.append(failed_task("lookup %d" % number, {"ansible.builtin.debug": {
            "msg": "{{ lookup('coder.coderd.token_config', %s) }}" % json.dumps(user)}}))
    run = run_playbook(plain_play("Users that look like paths", tasks), inventory=one_host(canary, sim.url),
                       verbosity=4)
    assert run.rc == 0, run.output[-3000:]

    problems = tally.scan(canary, "users", run_texts(run))
    received = []
    for entry in sim.requests:
        parts = entry["path"].split("/")
        if parts[:4] != ["", "api", "v2", "users"] or parts[5:] != ["keys", "tokens", "tokenconfig"]:
            problems.append("a user value changed the route: %s" % entry["path"])
            continue
        received.append(unquote(parts[4]))
    assert sorted(received) == sorted(USERS * 2), received
    for name in (record["task"] for record in run.results):
        status, result = outcome_of(run, name)
        tally.tried(TOKEN_CONFIG_MODULE.id if name.startswith("module") else "lookup token_config")
        if status == "failed":
            problems += tally.error_line(name, result["msg"], sim.url, "/keys/tokens/tokenconfig", "HTTP 404")
    assert not problems, "\n".join(problems)
