"""Every plugin type against every fault of the simulator, with the canary credentials.

Per case, what its user must see (``support.expect``): success or ONE error line naming the
deployment, the endpoint and the cause; a warning for each retry; no traceback in any output; the
time within what the options allow (and no less than a Retry-After or wait_timeout asks); the
request counts the documentation promises; no token at the redirect target.
"""

from .support import (
    DESIRED, FLEET_SHOW, INVENTORY, LOOKUPS, MODULES, PROCESSING_TIMEOUT, ROLE, FaultBench, check_bench, check_cases,
    expect, fault_catalog, files_text, fleet_outcome, lookup_task, module_task, run_bench, run_fleet, run_texts,
)


def test_every_module_under_every_fault(run_playbook, coder_sim_factory, refused_url, canary, tally):
    bench = FaultBench(canary, coder_sim_factory, fault_catalog(refused_url)).add(MODULES).add(MODULES, via_module=True)
    check_bench(run_playbook, tally, bench, [module_task(plugin) for plugin in MODULES], "Every module under every fault")


def test_every_lookup_under_every_fault(run_playbook, coder_sim_factory, refused_url, canary, tally):
    bench = FaultBench(canary, coder_sim_factory, fault_catalog(refused_url)).add(LOOKUPS)
    check_bench(run_playbook, tally, bench, [lookup_task(plugin) for plugin in LOOKUPS], "Every lookup under every fault")


ROLE_CHECK = "coder.coderd.deployment_check : Check the Coder deployment against its desired state"
ROLE_REPORT = "coder.coderd.deployment_check : Report the drift check result"
REPORTS = ["coder-drift.json", "coder-drift.junit.xml", "coder-drift.md"]


def test_the_role_under_every_fault(run_playbook, coder_sim_factory, refused_url, canary, tally, tmp_path):
    reports = tmp_path / "reports"
    bench = FaultBench(canary, coder_sim_factory, fault_catalog(refused_url)).add([ROLE])
    # The role fails its host on any error; the rescue lets the play go on to report the others.
    role = {"name": "Check the deployment", "ansible.builtin.include_role": {"name": "coder.coderd.deployment_check"},
            "vars": {"coder_url": "{{ urls['%s'] }}" % ROLE.id, "coder_desired": DESIRED,
                     "coder_report_dir": "%s/{{ inventory_hostname }}" % reports}}
    tasks = [{"name": ROLE.id, "when": "'%s' in urls" % ROLE.id, "block": [role],
              "rescue": [{"name": "Go on with the next case", "ansible.builtin.meta": "noop"}]}]
    run = run_bench(run_playbook, bench, tasks, "The role under every fault")
    durations = dict((record["host"], record["duration"]) for record in run.results if record["task"] == ROLE_CHECK)

    def outcome(plugin, host):
        checked = [record for record in run.results if record["task"] == ROLE_CHECK and record["host"] == host]
        reported = [record for record in run.results if record["task"] == ROLE_REPORT and record["host"] == host]
        if len(checked) != 1 or len(reported) != 1:
            return None
        return reported[0]["status"] == "failed", reported[0]["result"].get("msg"), durations.get(host)

    problems = tally.scan(canary, "role", dict(run_texts(run), **files_text(reports)))
    problems += check_cases(tally, bench, run, outcome)
    for host, plugin, fault, url, simulator in bench.cases:
        written = sorted(path.name for path in (reports / host).glob("*"))
        wanted = REPORTS if expect(plugin, fault).succeeds else []
        if written != wanted:
            problems.append("role under %s: reports %s, expected %s" % (fault.name, written, wanted))
    assert run.rc == 0, run.output[-3000:]
    assert not problems, "\n".join(problems)


def test_the_inventory_under_every_fault(run_playbook, coder_sim_factory, refused_url, canary, tally, tmp_path):
    """One inventory file, one deployment per fault, each with the fault's own connection options."""
    bench = FaultBench(canary, coder_sim_factory, fault_catalog(refused_url)).add([INVENTORY])
    cache = tmp_path / "inventory-cache"
    run, seconds, log_path = run_fleet(
        run_playbook, bench, tmp_path, FLEET_SHOW, processing_timeout=PROCESSING_TIMEOUT, cache=True,
        cache_plugin="ansible.builtin.jsonfile", cache_connection=str(cache))
    # The deployments are read at the same time: the inventory is as slow as its slowest case, so
    # every case gets the budget of the slowest.
    slowest = max(expect(plugin, fault).budget for host, plugin, fault, url, simulator in bench.cases)

    problems = tally.scan(canary, "inventory", dict(run_texts(run, log_path), **files_text(cache)))
    problems += check_cases(tally, bench, run, fleet_outcome(run, seconds), shared_budget=slowest)
    assert run.rc == 0, run.output[-3000:]
    assert files_text(cache), "the reachable deployments were not cached"
    assert not problems, "\n".join(problems)
