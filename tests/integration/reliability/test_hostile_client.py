"""Hostile servers against the HTTP client and the connection layer, through every plugin type.

A server here answers with bytes the simulator never sends (a redirect to another port, JSON
nested a hundred thousand levels deep, a message of a mebibyte, Retry-After as a date), or a
task hands the client what a remote module cannot carry. Every run is at -vvvv with the canary
credentials and is scanned for them and for tracebacks; every failure must be one line naming
the deployment and the cause.
"""

import json

import yaml

from .support import CONNECTION_PLUGINS, files_text, run_texts

CONTROLLER = {"ansible_connection": "local"}
REMOTE = {"ansible_connection": "remote_local"}
SHOWN = "Show what the inventory found"
JSON_HEADERS = [("Content-Type", "application/json")]


def inventory_of(canary, url, **host_vars):
    """``controller`` does the work in-process, ``remote`` runs the module (as for a remote host)."""
    common = dict(canary.connection_vars(), ansible_coder_url=url, ansible_coder_retries=0, **host_vars)
    return json.dumps({"all": {"hosts": {"controller": dict(common, **CONTROLLER),
                                         "remote": dict(common, **REMOTE)}}}, indent=2)


def case_name(plugin_id, variant):
    """Tasks of one plugin in a run are told apart by a variant: "module build_info / dated"."""
    return plugin_id + (" / " + variant if variant else "")


def module(name, variant=None, **args):
    return case_name("module " + name, variant), {"coder.coderd." + name: args}


def lookup(name, *terms, variant=None, **options):
    arguments = [json.dumps(part) for part in ("coder.coderd." + name,) + terms]
    arguments += ["%s=%s" % (option, json.dumps(value)) for option, value in options.items()]
    call = "{{ lookup(%s) }}" % ", ".join(arguments)
    return case_name("lookup " + name, variant), {"ansible.builtin.debug": {"msg": call}}


def run_cases(run_playbook, canary, url, cases, remote=(), **host_vars):
    """Each (plugin id, task) on the controller, and the modules named in ``remote`` also through
    the module on a "remote" host; returns (run, {(plugin id, host): (status, result)})."""
    tasks = []
    for plugin_id, task in cases:
        hosts = ["controller"] + (["remote"] if plugin_id in remote else [])
        tasks.append(dict({"name": plugin_id, "register": "outcome", "ignore_errors": True}, **task,
                          when="inventory_hostname in %s" % json.dumps(hosts)))
    play = [{"name": "A hostile server", "hosts": "all", "gather_facts": False, "strategy": "free", "tasks": tasks}]
    run = run_playbook(yaml.safe_dump(play, sort_keys=False, width=1000), verbosity=4, timeout=180,
                       inventory=inventory_of(canary, url, **host_vars),
                       env={"ANSIBLE_CONNECTION_PLUGINS": CONNECTION_PLUGINS})
    outcomes = dict(((record["task"], record["host"]), (record["status"], record["result"]))
                    for record in run.results if record["status"] != "skipped")
    return run, outcomes


def failures(tally, outcomes, *words, variant=None):
    """Problems of cases (of ``variant`` only, if given) that must each fail with one line holding
    ``words``; each case is counted."""
    problems = []
    for (name, host), (status, result) in sorted(outcomes.items()):
        plugin_id, case_variant = name.partition(" / ")[::2]
        if variant is not None and case_variant != variant:
            continue
        where = "%s on %s" % (name, host)
        tally.tried(plugin_id)
        if status != "failed":
            problems.append("%s: %s, but must fail with %s" % (where, status, words))
            continue
        problems += tally.error_line(where, result.get("msg"), *words)
    return problems


def run_inventory(run_playbook, directory, entries, **top_level):
    """The inventory plugin over ``entries``; returns (run, {host: {reachable, url, error}})."""
    source = directory / "hostile.coder.yml"
    source.write_text(yaml.safe_dump(dict({"plugin": "coder.coderd.deployments", "deployments": entries},
                                          **top_level)), encoding="utf-8")
    show = {"reachable": "{{ coder_reachable }}", "url": "{{ coder_url }}", "error": "{{ coder_error | default('') }}"}
    play = [{"name": "The deployments of a hostile inventory", "hosts": "all", "gather_facts": False,
             "connection": "local", "tasks": [{"name": SHOWN, "ansible.builtin.debug": {"msg": show}}]}]
    run = run_playbook(yaml.safe_dump(play, sort_keys=False), inventory=source, verbosity=4, timeout=120,
                       env={"ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED": "1"})
    return run, dict((record["host"], record["result"]["msg"]) for record in run.results if record["task"] == SHOWN)


def failed_host(tally, hosts, name, *words, reachable=False):
    """Problems of an inventory host that must be there with one error line holding ``words``.

    It is unreachable unless ``reachable``: a Coder error answer is an answer of the API, which
    leaves the host reachable with the error; a transport failure or a page not Coder's does not.
    """
    tally.tried("inventory deployments")
    if name not in hosts:
        return ["inventory: host %s is missing; hosts: %s" % (name, sorted(hosts))]
    if (hosts[name]["reachable"] in (True, "True", "true")) != reachable:
        return ["inventory: host %s has coder_reachable %s, expected %s" % (name, hosts[name]["reachable"], reachable)]
    return tally.error_line("inventory host %s" % name, hosts[name]["error"], *words)


def all_texts(run, inventory_run):
    """What the task run and the inventory run wrote, for the scan for secrets and tracebacks."""
    texts = run_texts(run)
    texts.update(("inventory " + name, text) for name, text in run_texts(inventory_run).items())
    return texts


def fleet_entry(canary, name, url, **options):
    return dict(name=name, url=url, token=canary.token, headers=canary.headers, retries=0, **options)


# --- credentials stay on their origin ----------------------------------------------------------

def test_credentials_never_follow_a_redirect_to_another_port(run_playbook, canned_server, canary, tally, tmp_path):
    """http://127.0.0.1:P1 answers 301 to https://127.0.0.1:P2, a trap that records what it hears."""
    trap = canned_server(200, JSON_HEADERS, b'{"version": "v2.34.3+4653f32"}', tls=True)
    redirector = canned_server(301, [("Location", trap.url + "/api/v2/buildinfo")])
    words = (redirector.url, "redirect to another port or scheme", trap.url, "refusing to send the token")
    cases = [module("build_info"), module("deployment_info", gather_subset=["build"]),
             lookup("build_info", "version"), lookup("api", "/buildinfo")]
    run, outcomes = run_cases(run_playbook, canary, redirector.url, cases, remote=("module build_info",),
                              ansible_coder_ca_path=trap.ca_path)
    inventory_run, hosts = run_inventory(run_playbook, tmp_path, [
        fleet_entry(canary, "redirected", redirector.url, ca_path=trap.ca_path)])

    problems = tally.scan(canary, "redirect to another port",
                          dict(all_texts(run, inventory_run), trap=json.dumps(trap.received)))
    problems += failures(tally, outcomes, *words)
    problems += failed_host(tally, hosts, "redirected", *words)
    assert not problems, "\n".join(problems)
    assert run.rc == 0 and inventory_run.rc == 0, (run.output + inventory_run.output)[-3000:]
    assert trap.received == [], "the trap on the other port got %d requests" % len(trap.received)


# --- hostile JSON -------------------------------------------------------------------------------

DEEP_JSON = b'{"version":' * 100000 + b'"v2.34.3"' + b"}" * 100000


def test_json_nested_too_deep_is_one_line_everywhere(run_playbook, canned_server, coder_sim_factory, canary, tally,
                                                     tmp_path):
    """A body nested 100,000 levels deep, for every endpoint; in the inventory beside a healthy deployment."""
    deep = canned_server(200, JSON_HEADERS, DEEP_JSON)
    words = (deep.url, "answer nests deeper than 64 levels")
    cases = [module("build_info"), module("deployment_config_info"), module("deployment_info"),
             module("deployment_assert", desired={"version": ">=2.0.0"}),
             module("wait_for", wait_timeout=1, sleep=0.2),
             lookup("build_info", "version"), lookup("deployment_config", "CODER_ACCESS_URL"),
             lookup("api", "/buildinfo")]
    run, outcomes = run_cases(run_playbook, canary, deep.url, cases,
                              remote=("module build_info", "module deployment_info"))
    healthy = coder_sim_factory(state=canary.state())
    inventory_run, hosts = run_inventory(run_playbook, tmp_path, [fleet_entry(canary, "deep", deep.url),
                                                                  fleet_entry(canary, "healthy", healthy.url)])

    problems = tally.scan(canary, "deep JSON", all_texts(run, inventory_run))
    problems += failures(tally, outcomes, *words)
    problems += failed_host(tally, hosts, "deep", *words)
    if hosts.get("healthy", {}).get("reachable") not in (True, "True", "true"):
        problems.append("inventory: the healthy deployment beside the deep one is %s" % hosts.get("healthy", "missing"))
    assert not problems, "\n".join(problems)
    assert run.rc == 0 and inventory_run.rc == 0, (run.output + inventory_run.output)[-3000:]


# --- bounded output ---------------------------------------------------------------------------------

MEBIBYTE = 1024 * 1024
# Each text of the server is cut to 300 characters and at most 5 validations are listed.
LONGEST_ERROR = 5000


def test_a_mebibyte_of_error_message_gives_a_short_line(run_playbook, canned_server, canary, tally, tmp_path):
    answer = {"message": "m" * MEBIBYTE, "detail": "d" * MEBIBYTE,
              "validations": [{"field": "f%d" % number, "detail": "v" * MEBIBYTE} for number in range(10)]}
    chatty = canned_server(400, JSON_HEADERS, json.dumps(answer).encode())
    words = (chatty.url, "HTTP 400", "(%d more characters)" % (MEBIBYTE - 300), "and 5 more validations")
    cases = [module("build_info"), module("deployment_info", gather_subset=["build"]), lookup("build_info"),
             lookup("api", "/buildinfo")]
    run, outcomes = run_cases(run_playbook, canary, chatty.url, cases, remote=("module build_info",))
    inventory_run, hosts = run_inventory(run_playbook, tmp_path, [fleet_entry(canary, "chatty", chatty.url)],
                                         gather=["build"])

    problems = tally.scan(canary, "a mebibyte of message", all_texts(run, inventory_run))
    problems += failures(tally, outcomes, *words)
    problems += failed_host(tally, hosts, "chatty", *words, reachable=True)
    errors = [result.get("msg") or "" for status, result in outcomes.values()]
    errors.append(hosts.get("chatty", {}).get("error") or "")
    problems += ["an error of %d characters" % len(error) for error in errors if len(error) > LONGEST_ERROR]
    problems += ["the run wrote %d bytes" % len(run.output)] if len(run.output) > MEBIBYTE else []
    assert not problems, "\n".join(problems)
    assert run.rc == 0 and inventory_run.rc == 0, (run.output + inventory_run.output)[-3000:]


# --- no user:password in what the collection prints or stores ------------------------------------

def with_password(url, password):
    return url.replace("://", "://ansible:%s@" % password, 1)


def test_a_url_password_is_never_shown_or_stored(run_playbook, coder_sim_factory, refused_url, canary, tally, tmp_path):
    password = "urlpw-" + canary.header_value[-16:]
    healthy = coder_sim_factory(state=canary.state())
    down = refused_url
    written = tmp_path / "written"
    cases = [module("build_info"), module("deployment_info", gather_subset=["build"]), lookup("build_info", "version")]
    # The same plugins reading a healthy deployment: its facts, reports and snapshot hold the URL.
    reached = with_password(healthy.url, password)
    cases += [module("deployment_info", "healthy", url=reached, gather_subset=["build"]),
              module("deployment_assert", "healthy", url=reached, desired={"version": ">=2.0.0"},
                     report_dir=str(written / "reports")),
              module("deployment_snapshot", "healthy", url=reached, dest=str(written / "snapshot.yml"))]
    run, outcomes = run_cases(run_playbook, canary, with_password(down, password), cases,
                              remote=("module build_info", "module deployment_info"))
    inventory_run, hosts = run_inventory(run_playbook, tmp_path, [
        fleet_entry(canary, "down", with_password(down, password)),
        dict(name="tokenless", url=with_password(down, password), token_env="CODER_NO_SUCH_TOKEN"),
        fleet_entry(canary, "healthy", with_password(healthy.url, password))], gather=["build"])

    texts = dict(all_texts(run, inventory_run), **files_text(written))
    problems = tally.scan(canary, "url password", texts)
    for name, text in texts.items():
        if password in text:
            tally.token_leaks += 1
            problems.append("url password: the password appears in %s" % name)
    problems += failures(tally, outcomes, down, "connection refused", variant="")
    for (name, host), (status, result) in sorted(outcomes.items()):
        if name.endswith(" / healthy"):
            tally.tried(name.partition(" / ")[0])
            if status != "ok":
                problems.append("%s on %s: %s, but must succeed: %s" % (name, host, status, result.get("msg")))
    if sorted(path.name for path in written.rglob("*")) != sorted(
            ["reports", "coder-drift.json", "coder-drift.junit.xml", "coder-drift.md", "snapshot.yml"]):
        problems.append("the healthy deployment's reports and snapshot were not all written: %s"
                        % sorted(written.rglob("*")))
    # Each of them names the deployment, so the scan above would see a password stored with it.
    problems += ["%s does not name %s" % (name, healthy.url) for name, text in files_text(written).items()
                 if healthy.url not in text]
    problems += failed_host(tally, hosts, "down", down, "connection refused")
    problems += failed_host(tally, hosts, "tokenless", down, "CODER_NO_SUCH_TOKEN is not set")
    for name, url in (("down", down), ("tokenless", down), ("healthy", healthy.url)):
        if hosts.get(name, {}).get("url") != url:
            problems.append("inventory: coder_url of %s is %r, expected %r"
                            % (name, hosts.get(name, {}).get("url"), url))
    assert not problems, "\n".join(problems)
    assert run.rc == 0 and inventory_run.rc == 0, (run.output + inventory_run.output)[-3000:]


# --- small ones: Retry-After, wait_for's timeout, control characters ------------------------------

RETRY_AFTER_DATE = "Wed, 21 Oct 2099 07:28:00 GMT"


def test_a_rate_limit_says_what_retry_after_said(run_playbook, canned_server, canary, tally):
    slow_down = b'{"message": "slow down"}'
    silent = canned_server(429, JSON_HEADERS, slow_down)
    dated = canned_server(429, JSON_HEADERS + [("Retry-After", RETRY_AFTER_DATE)], slow_down)
    garbled = canned_server(429, JSON_HEADERS + [("Retry-After", "soon")], slow_down)
    servers = {"silent": silent, "dated": dated, "garbled": garbled}
    cases = [module("build_info", variant, url=server.url) for variant, server in servers.items()]
    cases += [lookup("build_info", variant=variant, url=server.url) for variant, server in servers.items()]
    run, outcomes = run_cases(run_playbook, canary, silent.url, cases,
                              remote=[name for name, task in cases if name.startswith("module")])

    problems = tally.scan(canary, "Retry-After", run_texts(run))
    problems += failures(tally, outcomes, silent.url, "HTTP 429: slow down (rate limited; no Retry-After)",
                         variant="silent")
    problems += failures(tally, outcomes, dated.url, "(rate limited; Retry-After until %s; longer than the 30s "
                         "timeout, so not waited for)" % RETRY_AFTER_DATE, variant="dated")
    problems += failures(tally, outcomes, garbled.url, "HTTP 429: slow down (rate limited; Retry-After 'soon' is "
                         "neither seconds nor a date)", variant="garbled")
    assert not problems, "\n".join(problems)
    assert run.rc == 0, run.output[-3000:]


def test_wait_for_states_the_configured_timeout(run_playbook, coder_sim_factory, canary, tally):
    """A deployment that never answers: the last poll is cut short by wait_timeout, the message is not."""
    silent = coder_sim_factory(state=canary.state(faults=[{"kind": "latency", "ms": 30000}]))
    cases = [module("wait_for", timeout=3, wait_timeout=5, sleep=0.2)]
    run, outcomes = run_cases(run_playbook, canary, silent.url, cases, remote=("module wait_for",))

    problems = tally.scan(canary, "wait_for timeout", run_texts(run))
    problems += failures(tally, outcomes, silent.url, "gave up after 5s (wait_timeout) and 2 attempts: "
                         "no answer within 3s (timeout)")
    assert not problems, "\n".join(problems)
    assert run.rc == 0, run.output[-3000:]


def test_a_control_character_is_named_before_the_module_is_shipped(run_playbook, coder_sim_factory, canary, tally):
    healthy = coder_sim_factory(state=canary.state())
    cases = [module("token_config_info", "NUL", user="a\0b"), module("deployment_info", "bell", user="a\ab"),
             module("deployment_config_info", "escape", keys=["CODER_ACCESS_URL"], url=healthy.url + "\x1b")]
    run, outcomes = run_cases(run_playbook, canary, healthy.url, cases, remote=[name for name, task in cases])

    problems = tally.scan(canary, "control characters", run_texts(run))
    problems += failures(tally, outcomes, "token_config_info: user holds the control character U+0000", variant="NUL")
    problems += failures(tally, outcomes, "deployment_info: user holds the control character U+0007", variant="bell")
    problems += failures(tally, outcomes, "deployment_config_info: url holds the control character U+001B",
                         variant="escape")
    assert healthy.request_count() == 0, "a value with a control character was sent: %s" % healthy.requests
    assert not problems, "\n".join(problems)
    assert run.rc == 0, run.output[-3000:]
