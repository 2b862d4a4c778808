"""Hostile desired-state documents and values against the drift check: bounded time, bounded output.

Every run is at -vvvv with the canary credentials and is scanned for them and for tracebacks.
The simulators are healthy: a case that got past its bound would succeed or hang, not fail early.
"""

import json

import yaml

from .support import PROCESSING_TIMEOUT, files_text, run_texts

ASSERT = "module deployment_assert"
# 430 bytes: seven levels of nine aliases each, 9**7 values once written out.
LAUGHS = "config:\n" + "".join(
    "  CODER_SETTING_%s: &%s [%s]\n" % (name, name, ", ".join([("*" + below) if below else "lol"] * 9))
    for name, below in zip("abcdefg", ("",) + tuple("abcdef")))
# Seconds for a case whose work does not grow with the hostile input: a refusal before any work,
# a regex search that visits each step of the pattern once per character.
SMALL_BUDGET = 5.0
# Seconds to read, validate and check a document of 10,000 keys, and to write its reports.
HUGE_BUDGET = 30.0
# Characters of a message listing twenty problems.
MESSAGE_LIMIT = 12000


def laughs(levels):
    """The same shape as a Python structure: yaml.safe_dump writes it back with anchors and aliases."""
    node = ["lol"] * 9
    for _level in range(levels):
        node = [node] * 9
    return node


def deep(levels):
    node = "bottom"
    for _level in range(levels):
        node = [node]
    return node


def one_host(canary, url):
    """An inventory of one host, ``deployment``, with the canary credentials for ``url``."""
    host = dict(canary.connection_vars(), ansible_coder_url=url, ansible_connection="local")
    return json.dumps({"all": {"hosts": {"deployment": host}}}, indent=2)


def play(name, tasks, **more):
    # The default width would wrap long lines; the structures themselves stay shared (aliases).
    return yaml.safe_dump([dict({"name": name, "hosts": "all", "gather_facts": False, "tasks": tasks}, **more)],
                          sort_keys=False, width=1000)


def case(name, task):
    return dict({"name": name}, **task, register="outcome", ignore_errors=True)


def outcome(run, name):
    """(status, result, seconds) of the one result of task ``name``."""
    records = [record for record in run.results if record["task"] == name]
    assert len(records) == 1, "%d results for %r" % (len(records), name)
    return records[0]["status"], records[0]["result"], records[0]["duration"]


def refused_problems(tally, run, name, budget, *words):
    """Problems of a case that must fail with one line naming ``words`` within ``budget``."""
    tally.tried(ASSERT)
    status, result, seconds = outcome(run, name)
    if status != "failed":
        return ["%s: %s, expected a failure naming %s" % (name, status, words)]
    return tally.error_line(name, result.get("msg"), *words) + tally.timing(name, seconds, budget)


def test_alias_bombs_and_deep_nesting_are_refused_before_any_request(run_playbook, coder_sim_factory, canary, tally, tmp_path):
    sim = coder_sim_factory(state=canary.state())
    (tmp_path / "laughs.yml").write_text(LAUGHS, encoding="utf-8")
    (tmp_path / "deep.yml").write_text(yaml.safe_dump({"config": {"CODER_ACCESS_URL": deep(200)}}), encoding="utf-8")
    (tmp_path / "waivers.yml").write_text(yaml.safe_dump([{"key": "version", "reason": laughs(7),
                                                           "expires": "2030-01-01"}]), encoding="utf-8")
    reports = tmp_path / "reports"
    cases = {
        "aliases in desired_file": ({"desired_file": str(tmp_path / "laughs.yml")},
                                    ("laughs.yml", "refused", "aliases are expanded")),
        "nesting in desired_file": ({"desired_file": str(tmp_path / "deep.yml")},
                                    ("deep.yml", "refused", "nested more than")),
        "aliases in waivers_file": ({"desired": {"version": ">=2"}, "waivers_file": str(tmp_path / "waivers.yml")},
                                    ("waivers.yml", "refused", "aliases are expanded")),
        # Inline data from the playbook: Ansible itself shares or copies the aliased lists; either
        # way the check sees 9**5 values and refuses them without walking each.
        "aliases in inline desired": ({"desired": {"config": {"CODER_ACCESS_URL": {"in": laughs(4)}}}},
                                      ("desired", "refused", "aliases are expanded")),
        "nesting in inline waivers": ({"desired": {"version": ">=2"}, "waivers": [{"key": "version", "reason": deep(40),
                                                                                   "expires": "2030-01-01"}]},
                                      ("waivers", "refused", "nested more than")),
    }
    tasks = [case(name, {"coder.coderd.deployment_assert": dict(args, report_dir=str(reports))})
             for name, (args, words) in cases.items()]
    run = run_playbook(play("Hostile documents", tasks), inventory=one_host(canary, sim.url), verbosity=4)
    assert run.rc == 0, run.output[-3000:]

    problems = tally.scan(canary, "hostile documents", run_texts(run))
    for name, (args, words) in cases.items():
        # Ansible's own templating of the inline structure counts against the same budget.
        problems += refused_problems(tally, run, name, SMALL_BUDGET, *words)
    assert sim.request_count() == 0, "a hostile document was checked: %s" % sim.requests
    # The refused document leaves an error report saying why, not a half-checked one.
    written = json.loads(files_text(reports)[str(reports / "coder-drift.json")])
    assert (written["outcome"], written["summary"]["total"]) == ("error", 1)
    assert len(run.output) < 200000, "%d characters of output" % len(run.output)
    assert not problems, "\n".join(problems)


def test_huge_documents_are_checked_in_linear_time_with_capped_messages(run_playbook, coder_sim_factory, canary, tally, tmp_path):
    sim = coder_sim_factory(state=canary.state())
    keys = dict(("CODER_NO_SUCH_SETTING_%05d" % index, "x") for index in range(10000))
    (tmp_path / "unknown-keys.yml").write_text(yaml.safe_dump({"config": keys}), encoding="utf-8")
    (tmp_path / "unknown-sections.yml").write_text(yaml.safe_dump(keys), encoding="utf-8")
    tasks = [case(name, {"coder.coderd.deployment_assert": {"desired_file": str(tmp_path / name),
                                                            "report_dir": str(tmp_path / "reports" / name)}})
             for name in ("unknown-keys.yml", "unknown-sections.yml")]
    run = run_playbook(play("Huge documents", tasks), inventory=one_host(canary, sim.url), verbosity=4)
    assert run.rc == 0, run.output[-3000:]

    problems = tally.scan(canary, "huge documents", run_texts(run))
    # Every key is looked up (one request), the first twenty are listed with their did-you-mean.
    problems += refused_problems(tally, run, "unknown-keys.yml", HUGE_BUDGET, "10000 errors")
    status, result, seconds = outcome(run, "unknown-keys.yml")
    if len(result.get("msg", "")) > MESSAGE_LIMIT:
        problems.append("unknown-keys.yml: a message of %d characters" % len(result["msg"]))
    if len(result.get("plan", ())) != 22 or result["plan"][-2] != "and 9980 more (see the records or the reports)":
        problems.append("unknown-keys.yml: expected 20 of 10000 errors in the plan, got %s" % result.get("plan", [])[-2:])
    # A failing task prints its result: the records are in the report, one per key.
    records = json.loads((tmp_path / "reports" / "unknown-keys.yml" / "coder-drift.json").read_text(
        encoding="utf-8"))["records"]
    if len(records) != 10000:
        problems.append("unknown-keys.yml: %d records, expected one per key" % len(records))
    # The document itself is wrong: one line per problem, the first twenty of them, before any request.
    tally.tried(ASSERT)
    status, result, seconds = outcome(run, "unknown-sections.yml")
    lines = result.get("msg", "").splitlines()
    if status != "failed" or len(lines) != 22 or lines[0] != "invalid desired_file %s (10000 problems):" % (
            tmp_path / "unknown-sections.yml") or lines[-1] != "  and 9980 more":
        problems.append("unknown-sections.yml: expected 20 of 10000 problems listed, got %s: %s" % (status, lines[:3]))
    problems += tally.timing("unknown-sections.yml", seconds, HUGE_BUDGET)
    # The build info gives the report the Coder version.
    assert sorted(request["path"] for request in sim.requests) == ["/api/v2/buildinfo", "/api/v2/deployment/config"]
    assert not problems, "\n".join(problems)


# Python's re takes about 2**30 steps for this pattern against this value (41 characters).
BACKTRACKING = r"^https://(a+)+\.com$"
SERVER_VALUE = "https://" + "a" * 30 + ".io"


def test_a_backtracking_regex_against_a_server_value_ends_in_bounded_time(run_playbook, coder_sim_factory, canary, tally):
    sim = coder_sim_factory(state=canary.state(deployment={"CODER_ACCESS_URL": SERVER_VALUE}))
    tasks = [
        {"name": "Gather the config", "coder.coderd.deployment_info": {"gather_subset": ["config"]}},
        case("filter drift", {"ansible.builtin.debug": {"msg": "{{ ansible_facts.coder | coder.coderd.drift("
                                                               "{'config.access_url': {'regex': pattern}}) }}"}}),
        case("module deployment_assert", {"coder.coderd.deployment_assert": {
            "desired": {"config": {"CODER_ACCESS_URL": {"regex": BACKTRACKING}}}, "fail": False}}),
    ]
    run = run_playbook(play("A regex that backtracks", tasks, vars={"pattern": BACKTRACKING}),
                       inventory=one_host(canary, sim.url), verbosity=4)
    assert run.rc == 0, run.output[-3000:]

    problems = tally.scan(canary, "backtracking regex", run_texts(run))
    for plugin_id, records_of in (("filter drift", lambda result: result.get("msg")),
                                  ("module deployment_assert", lambda result: result.get("records"))):
        tally.tried(plugin_id)
        status, result, seconds = outcome(run, plugin_id)
        records = records_of(result)
        if not isinstance(records, list) or [(record["actual"], record["status"]) for record in records] != [
                (SERVER_VALUE, "drift")]:
            problems.append("%s: expected one drift of %r, got %s: %s" % (plugin_id, SERVER_VALUE, status, result))
        problems += tally.timing(plugin_id, seconds, SMALL_BUDGET)
    assert not problems, "\n".join(problems)


ROLE_CHECK_TASK = "coder.coderd.deployment_check : Check the Coder deployment against its desired state"


def test_stats_that_never_finish_processing_wait_only_processing_timeout(run_playbook, coder_sim_factory, canary, tally):
    sim = coder_sim_factory(state=canary.state(faults=[{"kind": "stats_processing"}]))
    desired = {"stats": {"workspaces.failed": {"le": 5}}}
    tasks = [
        case("module deployment_assert", {"coder.coderd.deployment_assert": {
            "desired": desired, "processing_timeout": PROCESSING_TIMEOUT}}),
        {"name": "role deployment_check", "block": [{
            "name": "Run the role", "ansible.builtin.include_role": {"name": "coder.coderd.deployment_check"},
            "vars": {"coder_desired": desired, "coder_processing_timeout": PROCESSING_TIMEOUT,
                     "coder_report_dir": ""}}],
         "rescue": [{"name": "Go on", "ansible.builtin.meta": "noop"}]},
    ]
    run = run_playbook(play("Stats still processing", tasks), inventory=one_host(canary, sim.url), verbosity=4)
    assert run.rc == 0, run.output[-3000:]

    problems = tally.scan(canary, "stats still processing", run_texts(run))
    words = ("still processing after waiting %gs" % PROCESSING_TIMEOUT, "processing_timeout", sim.url)
    for plugin_id, task in (("module deployment_assert", "module deployment_assert"),
                            ("role deployment_check", ROLE_CHECK_TASK)):
        tally.tried(plugin_id)
        status, result, seconds = outcome(run, task)
        problems += tally.error_line(plugin_id, result.get("msg"), *words)
        problems += tally.timing(plugin_id, seconds, PROCESSING_TIMEOUT + 1.0)
    assert not problems, "\n".join(problems)
