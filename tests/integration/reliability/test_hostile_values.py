"""Hostile values: answers that are not the endpoint's, many failures at once, bad filter input.

Every run is at -vvvv with the canary credentials and is scanned for them and for tracebacks.
"""

import dataclasses
import json

from .support import (
    LOOKUPS, MODULES, Fault, FaultBench, Plugin, check_bench, check_cases, lookup_task, module_task, playbook,
    run_bench, run_texts, task_outcome,
)

# Settings whose zero value is the safe one: a drift check of them passes on a config of zeros.
ZERO_CHECKS = {"config": {"dangerous.allow_all_cors": False, "CODER_TELEMETRY_ENABLE": False,
                          "CODER_PPROF_ENABLE": False}}
ZERO_ASSERT = Plugin("module", "deployment_assert", "GET /api/v2/deployment/config", (("desired", ZERO_CHECKS),),
                     single_get=False, module_path=False)
PLUGINS = dict((plugin.id, plugin) for plugin in MODULES + LOOKUPS)
EVERY_SUBSET = PLUGINS["module deployment_info"]
CONFIG_READERS = (PLUGINS["module deployment_config_info"], PLUGINS["lookup deployment_config"], ZERO_ASSERT,
                  EVERY_SUBSET)


def readers(*names):
    """The module and the lookup of an endpoint, and deployment_info, which reads every endpoint."""
    return tuple(PLUGINS[name] for name in names) + (EVERY_SUBSET,)


def another_shape(name, path, body, words):
    """``path`` answers 200 with ``body``, JSON of another shape (an error envelope, nulls, an empty object)."""
    return Fault(name, ({"kind": "status", "status": 200, "body": body, "path": "/api/v2" + path},), cause=words)


SHAPES = (
    (another_shape("config_empty_object", "/deployment/config", {}, ('"config", "options" are missing',)),
     CONFIG_READERS),
    (another_shape("config_nulls", "/deployment/config", {"config": None, "options": None},
                   ('"config" is null, expected an object',)), CONFIG_READERS),
    (another_shape("config_error_envelope", "/deployment/config", {"message": "Forbidden."},
                   ('"config", "options" are missing',)), CONFIG_READERS),
    (another_shape("buildinfo_error_envelope", "/buildinfo", {"message": "Route not found.", "version": "v2.34.3"},
                   ('"external_url", "dashboard_url", "workspace_proxy" are missing',)),
     readers("module build_info", "lookup build_info")),
    (another_shape("ssh_error_envelope", "/deployment/ssh", {"message": "Route not found."},
                   ('"hostname_prefix", "ssh_config_options" are missing',)),
     readers("module deployment_ssh_info", "lookup deployment_ssh")),
    (another_shape("stats_empty_object", "/deployment/stats", {},
                   ('"aggregated_from", "collected_at", "next_update_at", "workspaces", "session_count" are missing',)),
     readers("module deployment_stats_info", "lookup deployment_stats")),
    (another_shape("available_experiments_error_envelope", "/experiments/available", {"message": "Route not found."},
                   ('"safe" is missing',)), readers("module experiments_info", "lookup experiments")),
    (another_shape("update_check_error_envelope", "/updatecheck", {"message": "Route not found."},
                   ('"current", "version", "url" are missing',)),
     readers("module update_check_info", "lookup update_check")),
    (another_shape("token_config_error_envelope", "/users/me/keys/tokens/tokenconfig", {"message": "Route not found."},
                   ('"max_token_lifetime" is missing',)), readers("module token_config_info", "lookup token_config")),
    (another_shape("api_root_empty_object", "/", {}, ('"message" is missing',)), readers("module api_root_info")),
)


def merged_bench(canary, start_simulator, cases, via_module=False):
    """One bench for several (fault, plugins) pairs: each fault meets only the plugins that read its
    endpoint, each plugin's errors naming that endpoint."""
    bench = FaultBench(canary, start_simulator, [])
    for fault, plugins in cases:
        endpoint = "GET " + fault.sim_faults[0]["path"]
        plugins = [dataclasses.replace(plugin, endpoint=endpoint) for plugin in plugins]
        part = FaultBench(canary, start_simulator, [fault]).add(plugins, via_module=via_module)
        bench.hosts.update(part.hosts)
        bench.cases += part.cases
    return bench


def test_an_answer_of_another_shape_is_refused(run_playbook, coder_sim_factory, canary, tally):
    """Named in one line with the endpoint and the missing fields, never read as a config of zeros."""
    bench = merged_bench(canary, coder_sim_factory, SHAPES)
    remote = merged_bench(canary, coder_sim_factory, [(fault, [plugin for plugin in plugins if plugin.kind == "module"])
                                                      for fault, plugins in SHAPES[:3]], via_module=True)
    bench.hosts.update(remote.hosts)
    bench.cases += remote.cases
    plugins = dict((plugin.id, plugin) for fault, plugins in SHAPES for plugin in plugins)
    tasks = [(module_task if plugin.kind == "module" else lookup_task)(plugin) for plugin in plugins.values()]
    check_bench(run_playbook, tally, bench, tasks, "Answers of another shape")


# One path per part of deployment_info's facts.
EVERY_ENDPOINT = ("/", "/buildinfo", "/deployment/config", "/deployment/ssh", "/deployment/stats", "/experiments",
                  "/updatecheck", "/users/me/keys/tokens/tokenconfig")
# Each cause is at most 300 characters of the server's text and a few of ours; three are listed.
LONGEST_COMBINED = 2000
# (fault, how many times its one line says "HTTP 500")
MANY_FAILURES = (
    # Every endpoint fails for one reason: the line says it once, for all of them.
    (Fault("every_endpoint_fails", ({"kind": "status", "status": 500, "body": {
        "message": "An internal server error occurred.", "detail": "x" * 500}},), retries=0,
        cause=("all 8 endpoints (", ") failed: HTTP 500")), 1),
    # Every endpoint fails its own way: three causes named, the others counted.
    (Fault("every_endpoint_fails_its_own_way", tuple(
        {"kind": "status", "status": 500, "path": "/api/v2" + path,
         "body": {"message": "failure of %s" % path, "detail": "x" * 500}} for path in EVERY_ENDPOINT),
        retries=0, cause=("8 endpoints failed: ", "; and 5 more")), 3),
)


def test_many_failures_make_one_bounded_line(run_playbook, coder_sim_factory, canary, tally):
    """Many endpoints fail at once: one line, each cause said once, at most three causes listed."""
    bench = FaultBench(canary, coder_sim_factory, [fault for fault, _said in MANY_FAILURES]).add([EVERY_SUBSET])
    run = run_bench(run_playbook, bench, [module_task(EVERY_SUBSET)], "Many failures")

    outcome = task_outcome(run)
    problems = tally.scan(canary, "many failures", run_texts(run))
    problems += check_cases(tally, bench, run, outcome)
    said = dict((fault.name, times) for fault, times in MANY_FAILURES)
    for host, plugin, fault, _url, _simulator in bench.cases:
        message = str((outcome(plugin, host) or (None, ""))[1])
        if message.count("HTTP 500") != said[fault.name]:
            problems.append("%s under %s: the cause is said %d times, expected %d: %s"
                            % (plugin.id, fault.name, message.count("HTTP 500"), said[fault.name], message[:600]))
        if len(message) > LONGEST_COMBINED:
            problems.append("%s under %s: a line of %d characters" % (plugin.id, fault.name, len(message)))
    assert run.rc == 0, run.output[-3000:]
    assert not problems, "\n".join(problems)


UNKNOWN_KEYS = 10000
# What the value model may add to a drift check of UNKNOWN_KEYS unknown config keys, compared with
# one of as many unknown SSH options (same document size, schema and reports, no key index; unknown
# build fields are refused before any request, so they no longer make error records): one
# did-you-mean search per key took milliseconds, 41 s and more in all even on an idle machine.
UNKNOWN_KEYS_BUDGET = 5.0


def test_thousands_of_unknown_keys_take_linear_time(run_playbook, coder_sim_factory, canary, tally, tmp_path):
    sim = coder_sim_factory(state=canary.state())
    tasks = []
    for section, key in (("ssh", "ssh_config_options.NoSuchOption%d"), ("config", "CODER_ACESS_URL_%d")):
        desired = tmp_path / ("%s.json" % section)
        desired.write_text(json.dumps({section: dict((key % number, "x") for number in range(UNKNOWN_KEYS))}))
        tasks.append({"name": "unknown %s keys" % section, "register": "outcome", "ignore_errors": True,
                      "coder.coderd.deployment_assert": {"desired_file": str(desired), "url": sim.url,
                                                         "report_dir": str(tmp_path / section)}})
    inventory = json.dumps({"all": {"hosts": {"deployment": dict(canary.connection_vars(),
                                                                 ansible_connection="local")}}}, indent=2)
    run = run_playbook(playbook("Thousands of unknown keys", tasks), inventory=inventory, timeout=600)

    problems = tally.scan(canary, "unknown keys", run_texts(run))
    outcomes = dict((record["task"], record) for record in run.results)
    for section in ("ssh", "config"):
        tally.tried(ZERO_ASSERT.id)
        record = outcomes.get("unknown %s keys" % section)
        if record is None or record["status"] != "failed":
            problems.append("%d unknown %s keys did not fail the drift check" % (UNKNOWN_KEYS, section))
    first = "unknown deployment setting 'CODER_ACESS_URL_0'; did you mean: CODER_ACCESS_URL"
    # A failing check lists its errors in the plan, one line each.
    if first not in str(outcomes.get("unknown config keys", {}).get("result", {}).get("plan")):
        problems.append("the first unknown config key is not named with its suggestion")
    ssh, config = (outcomes.get("unknown %s keys" % section, {}).get("duration") for section in ("ssh", "config"))
    if ssh is None or config is None:
        problems.append("no durations were recorded")
    else:
        problems += tally.timing("the value model's share of %d unknown config keys" % UNKNOWN_KEYS,
                                 max(0.0, config - ssh), UNKNOWN_KEYS_BUDGET)
    assert run.rc == 0, run.output[-3000:]
    assert not problems, "\n".join(problems)


# (plugin, expression, words of its one-line error)
BAD_FILTER_INPUT = (
    ("filter option", "[{'name': 1}] | coder.coderd.option('CODER_ACCESS_URL')",
     ('coder.coderd.option: options: item 1 "name" is a number, expected a string',)),
    ("filter option", "[[1, 2]] | coder.coderd.option('CODER_ACCESS_URL')",
     ("coder.coderd.option: options: item 1 is an array, expected an object",)),
    ("filter option", "'CODER_ACCESS_URL' | coder.coderd.option('CODER_ACCESS_URL')",
     ("coder.coderd.option: options: expected the options list", "got a string")),
    ("filter option", "[{'env': 'CODER_ACCESS_URL'}] | coder.coderd.option(5)",
     ("coder.coderd.option: invalid deployment setting key: expected a non-empty string, got a number",)),
    # Digits of other scripts are no digits: \d matched them and int() read them.
    ("test version_satisfies", "'v\uff12.34.3' is coder.coderd.version_satisfies('>=2.30')",
     ("coder.coderd.version_satisfies: invalid version 'v\uff12.34.3'",)),
    ("test version_satisfies", "'v2.34.3' is coder.coderd.version_satisfies('>=2.3\uff10')",
     ("coder.coderd.version_satisfies: invalid version constraint '>=2.3\uff10'",)),
    ("filter duration", "'\uff11\uff12h' | coder.coderd.duration", ("coder.coderd.duration: invalid Go duration",)),
    ("filter duration", "'\u0661\u0662' | coder.coderd.duration", ("coder.coderd.duration: invalid Go duration",)),
)
# What a clean error never shows: Python's own wording and Ansible's internal class names.
PYTHON_INTERNALS = ("has no attribute", "_Ansible", "object is not", "NoneType")


def test_bad_filter_and_test_input_fails_with_one_clear_line(run_playbook, canary, tally):
    tasks = [{"name": "case %d" % number, "register": "outcome", "ignore_errors": True,
              "ansible.builtin.debug": {"msg": "{{ %s }}" % expression}}
             for number, (plugin_id, expression, words) in enumerate(BAD_FILTER_INPUT)]
    run = run_playbook(playbook("Bad filter and test input", tasks), verbosity=4, inventory=json.dumps(
        {"all": {"hosts": {"controller": {"ansible_connection": "local"}}}}, indent=2))

    problems = tally.scan(canary, "bad filter input", run_texts(run))
    outcomes = dict((record["task"], record) for record in run.results)
    for number, (plugin_id, expression, words) in enumerate(BAD_FILTER_INPUT):
        tally.tried(plugin_id)
        record = outcomes.get("case %d" % number)
        if record is None or record["status"] != "failed":
            problems.append("%s: did not fail: %s" % (expression, record and record["result"].get("msg")))
            continue
        message = record["result"].get("msg")
        problems += tally.error_line(expression, message, *words)
        problems += ["%s: %r in the error: %s" % (expression, text, message) for text in PYTHON_INTERNALS
                     if text in str(message)]
    assert run.rc == 0, run.output[-3000:]
    assert not problems, "\n".join(problems)
