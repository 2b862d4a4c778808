"""Wrong input gets one clear error per problem, sends nothing and writes nothing.

The simulator behind every case is healthy: a case that got past validation would succeed, and
its request would show in the simulator's log.
"""

import json
import re

import yaml

from core_output import WRAPS_WARNINGS, messages

from .support import CONNECTION_PLUGINS, INVENTORY, files_text, run_texts

# (task, module, arguments, words of the error, also through the module on a "remote" host)
MODULE_CASES = (
    ("unknown option", "build_info", {"tokn": "x"}, ("unsupported parameters", "tokn"), True),
    ("timeout of a wrong type", "build_info", {"timeout": "abc"}, ("timeout", "float"), True),
    ("headers of a wrong type", "build_info", {"headers": [1, 2]}, ("headers", "dict"), True),
    ("validate_certs of a wrong type", "build_info", {"validate_certs": "maybe"}, ("validate_certs", "boolean"), True),
    ("negative timeout", "build_info", {"timeout": -3}, ("timeout must be more than 0",), True),
    ("endless timeout", "build_info", {"timeout": 1e12}, ("at most 86400 seconds",), False),
    ("negative retries", "build_info", {"retries": -1}, ("retries must be 0 or more",), False),
    ("URL of another scheme", "build_info", {"url": "ftp://coder.example.com"}, ("is not an http(s) URL",), True),
    ("URL without host", "build_info", {"url": "https://"}, ("is not an http(s) URL",), False),
    ("URL with a bad port", "build_info", {"url": "http://127.0.0.1:99999"}, ("invalid port",), False),
    ("token with a line break", "build_info", {"token": "abcdef\nghijkl"}, ("token contains",), True),
    ("header value with a line break", "build_info", {"headers": {"X-Proxy": "v\nInjected: 1"}},
     ("headers: the value of X-Proxy",), False),
    ("header name with a space", "build_info", {"headers": {"X Proxy": "v"}}, ("not a valid HTTP header name",), False),
    ("client key without certificate", "build_info", {"client_key": "key.pem", "client_cert": ""},
     ("client_key is set but client_cert is not",), False),
    ("missing client key file", "build_info", {"client_key": "/nonexistent/key.pem"},
     ("client_key: cannot read /nonexistent/key.pem",), True),
    ("negative processing_timeout", "deployment_stats_info", {"processing_timeout": -1},
     ("processing_timeout must be",), True),
    ("negative wait_timeout", "wait_for", {"wait_timeout": -1}, ("wait_timeout must be 0 or more",), False),
    ("unknown subset", "deployment_info", {"gather_subset": ["bogus"]}, ("unknown subset 'bogus'",), False),
    ("missing report", "csp_report", {}, ("missing required arguments: report",), True),
    ("unknown baseline", "deployment_assert", {"baseline": "strict"}, ("baseline", "strict"), False),
)
# (task, lookup call, words of the error)
LOOKUP_CASES = (
    ("mistyped option", "lookup('coder.coderd.build_info', ulr='http://x')", ("unknown option ulr",)),
    ("timeout of a wrong type", "lookup('coder.coderd.build_info', timeout='abc')", ("timeout", "float")),
    ("negative retries", "lookup('coder.coderd.update_check', retries=-1)", ("retries must be 0 or more",)),
    ("malformed URL", "lookup('coder.coderd.experiments', url='coder.example.com')", ("is not an http(s) URL",)),
    ("token with a line break", "lookup('coder.coderd.deployment_ssh', token=token_with_line_break)",
     ("token contains",)),
    ("negative processing_timeout", "lookup('coder.coderd.deployment_stats', processing_timeout=-1)",
     ("processing_timeout must be",)),
    # Settings are resolved against the server's own options: the one request of this playbook.
    ("unknown setting", "lookup('coder.coderd.deployment_config', 'CODER_ACCES_URL')",
     ("CODER_ACCES_URL", "CODER_ACCESS_URL")),
)
# Ten different mistakes, each at its own path of the document.
DESIRED_MISTAKES = {
    "version": 123,
    "colors": {"red": 1},
    "config": {
        "CODER_API_RATE_LIMIT": {"ge": 1, "severity": "urgent"},
        "CODER_PROXY_TRUSTED_ORIGINS": {"regex": "["},
        "max-token-lifetime": {"le": "7 days"},
        "tls.min_version": {"in": "tls12"},
    },
    "experiments": {"include": "workspace-usage"},
    "ssh": {"hostname_prefix": {"eq": "coder.", "when": 12}},
    "build": {"telemetry": {"set": "maybe"}},
    "stats": [],
}
ROLE_MISTAKES = {"coder_fail_on": "sometimes", "coder_report_formats": ["pdf"]}
MISTAKE_PATHS = {"version", "colors", "config.CODER_API_RATE_LIMIT.severity",
                 "config.CODER_PROXY_TRUSTED_ORIGINS.regex",
                 "config.max-token-lifetime.le", "config.tls.min_version.in", "experiments.include",
                 "ssh.hostname_prefix.when", "build.telemetry.set", "stats"}


def hosts_inventory(canary, url):
    """``controller`` does the work in-process, ``remote`` runs the module (as for a remote host)."""
    common = dict(canary.connection_vars(), ansible_coder_url=url)
    return json.dumps({"all": {"hosts": {"controller": dict(common, ansible_connection="local"),
                                         "remote": dict(common, ansible_connection="remote_local")}}}, indent=2)


def test_wrong_module_and_lookup_input(run_playbook, coder_sim_factory, canary, tally, tmp_path):
    sim = coder_sim_factory(state=canary.state())
    (tmp_path / "key.pem").write_text("not used")
    desired = tmp_path / "desired.yml"
    desired.write_text(yaml.safe_dump(DESIRED_MISTAKES))
    reports = tmp_path / "reports"
    tasks = [failing("module: " + name, {"coder.coderd." + module: args}, remote)
             for name, module, args, words, remote in MODULE_CASES]
    tasks += [failing("lookup: " + name, {"ansible.builtin.debug": {"msg": "{{ %s }}" % call}})
              for name, call, words in LOOKUP_CASES]
    tasks.append(failing("desired state with ten mistakes", {"coder.coderd.deployment_assert": {
        "desired_file": str(desired), "report_dir": str(reports)}}))
    # The role fails its host; the rescue lets the play go on.
    tasks.append({"name": "role with two wrong arguments", "when": "inventory_hostname == 'controller'", "block": [{
        "name": "Run the role", "ansible.builtin.include_role": {"name": "coder.coderd.deployment_check"},
        "vars": dict(ROLE_MISTAKES, coder_url=sim.url, coder_report_dir=str(reports))}],
        "rescue": [{"name": "Go on", "ansible.builtin.meta": "noop"}]})
    play = [{"name": "Wrong input", "hosts": "all", "gather_facts": False, "strategy": "free", "tasks": tasks,
             "vars": {"token_with_line_break": "abcdef\nghijkl"}}]
    run = run_playbook(yaml.safe_dump(play, sort_keys=False), inventory=hosts_inventory(canary, sim.url),
                       env={"ANSIBLE_CONNECTION_PLUGINS": CONNECTION_PLUGINS}, verbosity=4)
    assert run.rc == 0, run.output[-3000:]

    problems = tally.scan(canary, "wrong input", run_texts(run))
    cases = [("module: " + name, "module " + module, words, remote)
             for name, module, args, words, remote in MODULE_CASES]
    cases += [("lookup: " + name, "lookup " + call.split("'")[1].split(".")[-1], words, False)
              for name, call, words in LOOKUP_CASES]
    for task, plugin_id, words, remote in cases:
        for host in ("controller", "remote") if remote else ("controller",):
            problems += failure_problems(tally, run, task, host, plugin_id, words)

    problems += desired_state_problems(tally, run)
    problems += role_argument_problems(tally, run)
    # An invalid desired state leaves an error report that says why, nothing more.
    written = json.loads(files_text(reports)[str(reports / "coder-drift.json")])
    assert (written["outcome"], written["summary"]["total"]) == ("error", 1), written
    assert [entry["path"] for entry in sim.requests] == ["/api/v2/deployment/config"], "wrong input was sent"
    assert not problems, "\n".join(problems)


def failing(name, task, remote=False):
    """A task expected to fail, on the controller only unless ``remote``."""
    task = dict({"name": name, "register": "outcome", "ignore_errors": True}, **task)
    if not remote:
        task["when"] = "inventory_hostname == 'controller'"
    return task


def failure_problems(tally, run, task, host, plugin_id, words):
    where = "%s on %s" % (task, host)
    records = [record for record in run.results if record["task"] == task and record["host"] == host]
    if [record["status"] for record in records] != ["failed"]:
        return ["%s: expected one failure, got %s" % (where, [record["status"] for record in records])]
    tally.tried(plugin_id)
    return tally.error_line(where, records[0]["result"].get("msg"), *words)


def desired_state_problems(tally, run):
    """One line per mistake, each starting with the mistake's path; nothing else."""
    records = [record for record in run.results
               if record["task"] == "desired state with ten mistakes" and record["host"] == "controller"]
    if [record["status"] for record in records] != ["failed"]:
        return ["the desired state with ten mistakes did not fail once: %s" % records]
    tally.tried("module deployment_assert")
    header, *lines = records[0]["result"]["msg"].splitlines()
    problems = [] if "(10 problems)" in header else ["desired state: the header does not count 10 problems: " + header]
    paths = set(line.strip().split(": ", 1)[0] for line in lines)
    if len(lines) != 10 or paths != MISTAKE_PATHS:
        problems.append("desired state: expected one line for each of %s, got:\n%s"
                        % (sorted(MISTAKE_PATHS), "\n".join(lines)))
    else:
        tally.clean_errors += 1
    return problems


def test_wrong_inventory_files(run_playbook, coder_sim_factory, canary, tally, tmp_path):
    """Each wrong file fails alone with its one line; nothing is fetched and nothing is cached."""
    sim = coder_sim_factory(state=canary.state())
    good = {"name": "good", "url": sim.url, "token": canary.token}
    wrong = {
        "missing-url": ([good, {"name": "nourl", "token": canary.token}],
                        ("deployments entry #2 (nourl): url is missing",)),
        "unknown-key": ([dict(good, tokne=canary.token)],
                        ("entry #1 (good): unknown key 'tokne'", "did you mean token")),
        "two-tokens": ([dict(good, token_env="CODER_TOKEN")], ("token and token_env are given",)),
        "negative-timeout": ([dict(good, timeout=-1)], ("entry #1 (good): timeout must be more than 0",)),
        "same-names": ([good, good], ("entry #2: name 'good' is already used by entry #1",)),
        "malformed-url": ([dict(good, url="coder.example.com")], ("entry #1 (good): url", "is not an http(s) URL")),
    }
    sources, cache = tmp_path / "inventories", tmp_path / "cache"
    sources.mkdir()
    for name, (entries, words) in wrong.items():
        (sources / ("%s.coder.yml" % name)).write_text(yaml.safe_dump({
            "plugin": "coder.coderd.deployments", "deployments": entries, "cache": True,
            "cache_plugin": "ansible.builtin.jsonfile", "cache_connection": str(cache)}))
    play = [{"name": "Hosts of wrong inventories", "hosts": "all", "gather_facts": False,
             "tasks": [{"name": "Never runs", "ansible.builtin.debug": {"msg": "a host was added"}}]}]
    run = run_playbook(yaml.safe_dump(play), inventory=sources, verbosity=4)

    problems = tally.scan(canary, "wrong inventories", run_texts(run))
    errors = inventory_errors(run.stderr)
    for name, (entries, words) in wrong.items():
        tally.tried(INVENTORY.id)
        found = errors.get("%s.coder.yml" % name, [])
        if len(found) != 1:
            problems.append("%s: expected one error for the file, got %s" % (name, found))
            continue
        problems += tally.error_line("inventory %s" % name, found[0], *words)
    assert run.results == [], "hosts were added from wrong inventories"
    assert sim.request_count() == 0, "a deployment was read from a wrong inventory"
    assert files_text(cache) == {}, "a wrong inventory wrote its cache"
    assert not problems, "\n".join(problems)


# Before ansible-core 2.19, the warning names the source itself: "[WARNING]:  * Failed to parse
# <path> with auto plugin: <message>".
OLD_PARSE_FAILURE = re.compile(r"\[WARNING\]: \* Failed to parse (\S+) with auto plugin: (.*)")


def inventory_errors(stderr):
    """{file name: [messages]} of the inventory plugin, from Ansible's "Failed to parse" warnings,
    each followed by an ``Origin:`` line naming the source (since ansible-core 2.19)."""
    errors, message = {}, None
    for line in messages(stderr):
        old = OLD_PARSE_FAILURE.match(line) if WRAPS_WARNINGS else None
        if old:
            errors.setdefault(old.group(1).rsplit("/", 1)[-1], []).append(old.group(2))
        elif line.startswith("[WARNING]: Failed to parse inventory with 'auto' plugin: "):
            message = line.split(" plugin: ", 1)[1]
        elif line.startswith("Origin: <inventory plugin 'auto' with source '") and message is not None:
            errors.setdefault(line.rstrip("'>").rsplit("/", 1)[-1], []).append(message)
            message = None
    return errors


def role_argument_problems(tally, run):
    """Ansible checks the role's arguments against meta/argument_specs.yml: one error per argument."""
    records = [record for record in run.results if "argument_errors" in record["result"]]
    if [record["status"] for record in records] != ["failed"]:
        return ["the role's argument check did not fail once: %s" % records]
    errors = records[0]["result"]["argument_errors"]
    problems = []
    for name, value in ROLE_MISTAKES.items():
        tally.tried("role deployment_check")
        found = [error for error in errors if name in error]
        if len(found) != 1:
            problems.append("role argument %s: expected one error, got %s" % (name, errors))
            continue
        problems += tally.error_line("role argument %s" % name, found[0], name, str(value).strip("[']"))
    return problems
