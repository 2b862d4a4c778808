"""The coder.coderd benchmark (``make bench``): the collection against the alternatives, side by side.

    python benchmarks/run.py [--deployments 50] [--latency-ms 20] [--rounds 3] [--uri-rounds 1] [--quick]

Run through "make bench" (the nox session bench), which lays out the collection. One run on one
machine: a single simulator process serves every deployment; the jobs alternate within each round
so that a change in the machine's load hits all of them alike; medians are compared. See
docs/benchmark.md for what each job is and how to read the results.
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import namedtuple
from pathlib import Path

import yaml
from ansible.release import __version__ as ANSIBLE_CORE_VERSION

from chart import line_chart
from fleet import SimulatorFleet

from coder_sim import DEFAULT_TOKENS

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ROOT / "benchmarks"
RESULTS = BENCHMARKS / "results"
COLLECTIONS_PATH = Path(os.environ.get("ANSIBLE_COLLECTIONS_PATH") or ROOT / "build")  # "make bench" sets it
BIN = Path(sys.executable).parent  # the venv's bin: ansible-playbook and ansible-inventory live here

FORKS = 10
FLEET_SIZE = 100
CHART_SIZES = (1, 10, 50, 100)
INVENTORY_SIZE = 100
INVENTORY_LATENCY_MS = 50
OVERHEAD_TASKS = 50
JOB_TIMEOUT_SECONDS = 1200
STOP_TIMEOUT_SECONDS = 10

# tool: who does the work (collection, uri, floor); work: facts or drift.
Job = namedtuple("Job", "name label playbook tool work")
JOBS = (
    Job("collection_facts", "collection facts (deployment_info)", "collection_facts.yml", "collection", "facts"),
    Job("uri_facts", "uri facts (uri + set_fact)", "uri_facts.yml", "uri", "facts"),
    Job("floor", "floor (requests, concurrent)", None, "floor", "facts"),
    Job("inventory", "inventory (ansible-inventory --graph)", None, "inventory", "facts"),
    Job("collection_drift", "collection drift (deployment_check)", "collection_drift.yml", "collection", "drift"),
    Job("uri_drift", "uri drift (uri + assert)", "uri_drift.yml", "uri", "drift"),
)

# The fleet drift check (f), at --fleet-deployments: the inventory plus the role over every host, next
# to Ansible's floor (the same play, every role task an empty debug, over a static inventory) and the
# per-host uri way. The inventory alone is measured too: the role's share is what it adds.
FLEET_JOBS = (
    Job("fleet_inventory", "inventory alone (ansible-inventory --graph)", None, "inventory", "fleet"),
    Job("fleet_role", "inventory + deployment_check role", "collection_drift.yml", "collection", "fleet"),
    Job("fleet_floor", "floor: same play, role tasks empty debug", None, "floor", "fleet"),
    Job("fleet_uri", "uri + assert per host (static inventory)", "uri_drift.yml", "uri", "fleet"),
)
FLOOR_ROLE = "deployment_check_floor"


class BenchError(RuntimeError):
    """A job failed: its result would not mean anything."""


class Workspace:
    """Scratch files of one run: secrets, inventories, logs. Removed at the end of the run."""

    def __init__(self, stamp):
        self.stamp = stamp
        self.path = RESULTS / "tmp" / stamp
        self.path.mkdir(parents=True)
        self.secrets = self.write("secrets.json", json.dumps({"coder_token": DEFAULT_TOKENS["owner"]}), private=True)
        self.environment = self._ansible_environment()
        self._runs = 0

    def write(self, name, text, private=False):
        path = self.path / name
        descriptor = os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
        with os.fdopen(descriptor, "w") as stream:
            stream.write(text)
        return path

    def _ansible_environment(self):
        # Nothing of the caller's Ansible or Coder set-up may change what is measured.
        environment = dict((name, value) for name, value in os.environ.items()
                           if not name.startswith(("ANSIBLE_", "CODER_")))
        environment.update(
            ANSIBLE_CONFIG=str(self.write("ansible.cfg", "")),
            ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS_PATH),
            ANSIBLE_FORKS=str(FORKS),
            ANSIBLE_NOCOLOR="1",
            ANSIBLE_RETRY_FILES_ENABLED="0",
            ANSIBLE_LOCALHOST_WARNING="0",
            ANSIBLE_DEPRECATION_WARNINGS="0",
            ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED="1",
            CODER_CONFIG_DIR=str(self.path / "no-coder-login"),
        )
        return environment

    def host_inventory(self, urls):
        """Inventory of one ansible_connection=local host per deployment, with its coder_url."""
        hosts = dict(("d%03d" % index, {"coder_url": url}) for index, url in enumerate(urls, 1))
        inventory = {"all": {"hosts": hosts, "vars": {"ansible_connection": "local",
                                                      "ansible_python_interpreter": sys.executable}}}
        return self.write("hosts-%d.json" % len(urls), json.dumps(inventory, indent=1))

    def fleet_inventory(self, urls, **options):
        """A coder.coderd.deployments inventory of ``urls`` (hosts d001...), every host run on the controller.

        An unreachable deployment lands in the group "unreachable", which the caller checks.
        """
        config = {"plugin": "coder.coderd.deployments", "token": DEFAULT_TOKENS["owner"],
                  "deployments": [{"name": "d%03d" % index, "url": url} for index, url in enumerate(urls, 1)],
                  "groups": {"unreachable": "not coder_reachable"},
                  "compose": {"ansible_connection": "'local'", "ansible_python_interpreter": repr(sys.executable)}}
        config.update(options)
        return self.write("fleet-%d.coder.yml" % len(urls), yaml.safe_dump(config, sort_keys=False), private=True)

    def floor_playbook(self):
        """benchmarks/collection_drift.yml with a copy of the role whose every task is an empty debug.

        Copied from the laid-out collection at run time, so that it follows the role's tasks; its
        argument validation stays, which is Ansible's own work as in the real role.
        """
        role = COLLECTIONS_PATH / "ansible_collections" / "coder" / "coderd" / "roles" / "deployment_check"
        copy = self.path / "roles" / FLOOR_ROLE
        if not copy.exists():
            shutil.copytree(role, copy)
            (copy / "tasks" / "main.yml").write_text(floor_role(role / "tasks" / "main.yml"))
        plays = yaml.safe_load((BENCHMARKS / "collection_drift.yml").read_text())
        for play in plays:
            for entry in play["roles"]:
                entry["role"] = FLOOR_ROLE
                entry["vars"]["coder_desired_file"] = str(BENCHMARKS / "desired.yml")
        return self.write("fleet-floor.yml", yaml.safe_dump(plays, sort_keys=False))

    def url_file(self, urls):
        return self.write("urls-%d.txt" % len(urls), "".join(url + "\n" for url in urls))

    def next_log(self, name):
        self._runs += 1
        return self.path / ("%03d-%s.log" % (self._runs, name))


Timed = namedtuple("Timed", "seconds cpu_seconds peak_rss_kib stdout")


def run_timed(command, workspace, name, environment=None):
    """Run ``command`` in the workspace and measure it (Timed).

    os.wait4 gives the rusage of the process and of every descendant it waited for: CPU time of
    them all, and the peak RSS of the largest single one (the figure ``/usr/bin/time -v`` prints).
    A run that fails or outlives JOB_TIMEOUT_SECONDS stops the benchmark with the tail of its log.
    """
    log_path = workspace.next_log(name)
    with open(log_path, "w") as log:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=workspace.path, env=environment or workspace.environment,
                                   stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log,
                                   start_new_session=True)
        timer = threading.Timer(JOB_TIMEOUT_SECONDS, os.killpg, (process.pid, signal.SIGKILL))
        timer.start()
        try:
            stdout = process.stdout.read().decode("utf-8", "replace")
            status, usage = os.wait4(process.pid, 0)[1:]
        except KeyboardInterrupt:
            stop_session(process)
            raise
        finally:
            timer.cancel()
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        log.write(stdout)
    if process.returncode != 0:
        tail = " | ".join(log_path.read_text(errors="replace").strip().splitlines()[-8:])
        raise BenchError("%s exited with %d (log %s): %s" % (name, process.returncode, log_path, tail))
    return Timed(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, stdout)


def stop_session(process):
    """The job runs in a session of its own, out of reach of the terminal's Ctrl-C."""
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def sample_of(timed, by_path_per_deployment):
    return {"seconds": round(timed.seconds, 4), "cpu_seconds": round(timed.cpu_seconds, 3),
            "peak_rss_kib": timed.peak_rss_kib, "requests": request_summary(by_path_per_deployment)}


def report_sample(label, size, sample):
    print("  %-36s N=%-4d %8.2fs  %6.2f CPU-s  %5d requests"
          % (label, size, sample["seconds"], sample["cpu_seconds"], sample["requests"]["total"]), flush=True)


def request_summary(by_path_per_deployment):
    per_deployment = [sum(by_path.values()) for by_path in by_path_per_deployment]
    repeated = sorted({path for by_path in by_path_per_deployment for path, count in by_path.items() if count > 1})
    return {"total": sum(per_deployment), "per_deployment": sorted(set(per_deployment)),
            "repeated_endpoints": repeated}


class Bench:
    def __init__(self, args, fleet, workspace):
        self.args = args
        self.fleet = fleet
        self.workspace = workspace
        self.samples = {}  # job name -> size -> [sample]

    def playbook_arguments(self, playbook, inventory):
        return ["-i", str(inventory), "-e", "@%s" % self.workspace.secrets, str(playbook)]

    def playbook_command(self, playbook, inventory):
        return [str(BIN / "ansible-playbook")] + self.playbook_arguments(playbook, inventory)

    def run_job(self, job, size):
        urls = self.fleet.urls[:size]
        self.fleet.reset_requests(urls)
        if job.playbook:
            command = self.playbook_command(BENCHMARKS / job.playbook, self.workspace.host_inventory(urls))
        elif job.tool == "inventory":
            command = inventory_command(self.workspace.fleet_inventory(urls), "--graph")
        else:
            command = [sys.executable, str(BENCHMARKS / "floor.py"), "--url-file", str(self.workspace.url_file(urls)),
                       "--secrets", str(self.workspace.secrets)]
        timed = run_timed(command, self.workspace, "%s-%d" % (job.name, size))
        if job.tool == "inventory":
            check_graph(timed.stdout, size)
        sample = sample_of(timed, self.fleet.requests_by_path(urls))
        self.samples.setdefault(job.name, {}).setdefault(size, []).append(sample)
        report_sample(job.label, size, sample)

    def wanted(self, job, size):
        """Drift jobs run at N only, and with --quick the uri jobs not above N: a uri job costs a module
        run per endpoint and deployment, and the budget of a run does not stretch that far."""
        if job.work == "drift":
            return size == self.args.deployments
        return not (self.args.quick and job.tool == "uri" and size > self.args.deployments)

    def compare(self, sizes):
        """The jobs at every size: at N in rounds that alternate the jobs, rotating the order, elsewhere once."""
        for size in sizes:
            rounds = self.args.rounds if size == self.args.deployments else 1
            for round_index in range(rounds):
                jobs = [job for job in JOBS
                        if self.wanted(job, size) and (job.tool != "uri" or round_index < self.args.uri_rounds)]
                shift = round_index % len(jobs)
                print("round %d at N=%d" % (round_index + 1, size), flush=True)
                for job in jobs[shift:] + jobs[:shift]:
                    self.run_job(job, size)

    def inventory(self, rounds):
        """The inventory plugin over INVENTORY_SIZE deployments at INVENTORY_LATENCY_MS."""
        urls = self.fleet.urls[:INVENTORY_SIZE]
        config = {"plugin": "coder.coderd.deployments", "token": DEFAULT_TOKENS["owner"],
                  "deployments": [{"name": "d%03d" % index, "url": url} for index, url in enumerate(urls, 1)]}
        path = self.workspace.write("fleet.coder.yml", yaml.safe_dump(config, sort_keys=False), private=True)
        command = inventory_command(path, "--list")
        runs = []
        self.fleet.set_latency(urls, INVENTORY_LATENCY_MS)
        try:
            while len(runs) < rounds:
                self.fleet.reset_requests(urls)
                timed = run_timed(command, self.workspace, "inventory-%d" % len(urls))
                hostvars = json.loads(timed.stdout)["_meta"]["hostvars"]
                unreachable = sorted(name for name, host in hostvars.items() if not host.get("coder_reachable"))
                if len(hostvars) != len(urls) or unreachable:
                    raise BenchError("the inventory has %d hosts for %d deployments; unreachable: %s"
                                     % (len(hostvars), len(urls), ", ".join(unreachable) or "none"))
                runs.append(sample_of(timed, self.fleet.requests_by_path(urls)))
                report_sample("inventory plugin", len(urls), runs[-1])
        finally:
            self.fleet.set_latency(urls, self.args.latency_ms)
        median = statistics.median(run["seconds"] for run in runs)
        serial = max(run["requests"]["total"] for run in runs) * INVENTORY_LATENCY_MS / 1000.0
        return {"deployments": len(urls), "latency_ms": INVENTORY_LATENCY_MS, "runs": runs,
                "median_seconds": round(median, 4), "serial_latency_sum_seconds": round(serial, 3),
                "ratio": round(median / serial, 4)}

    def fleet_check(self, size, rounds, uri_rounds):
        """The fleet drift check (FLEET_JOBS) over ``size`` deployments, in rounds that rotate the jobs.

        Requests are counted at the simulators; the role's own are those of the inventory + role run
        beyond the inventory's alone (every deployment answers the inventory each endpoint once).
        """
        urls = self.fleet.urls[:size]
        fleet_inventory, hosts = self.workspace.fleet_inventory(urls), self.workspace.host_inventory(urls)
        commands = {
            "fleet_inventory": inventory_command(fleet_inventory, "--graph"),
            "fleet_role": self.playbook_command(BENCHMARKS / "collection_drift.yml", fleet_inventory),
            "fleet_floor": self.playbook_command(self.workspace.floor_playbook(), hosts),
            "fleet_uri": self.playbook_command(BENCHMARKS / "uri_drift.yml", hosts),
        }
        for round_index in range(rounds):
            jobs = [job for job in FLEET_JOBS if job.tool != "uri" or round_index < uri_rounds]
            shift = round_index % len(jobs)
            print("fleet round %d at N=%d" % (round_index + 1, size), flush=True)
            for job in jobs[shift:] + jobs[:shift]:
                self.fleet.reset_requests(urls)
                timed = run_timed(commands[job.name], self.workspace, "%s-%d" % (job.name, size))
                if job.name == "fleet_inventory":
                    check_graph(timed.stdout, size)
                sample = sample_of(timed, self.fleet.requests_by_path(urls))
                self.samples.setdefault(job.name, {}).setdefault(size, []).append(sample)
                report_sample(job.label, size, sample)
        inventory_requests = max(sample["requests"]["total"] for sample in self.samples["fleet_inventory"][size])
        return {"deployments": size, "latency_ms": self.args.latency_ms, "inventory_requests": inventory_requests,
                "role_requests": [sample["requests"]["total"] - inventory_requests
                                  for sample in self.samples["fleet_role"][size]]}

    def task_overhead(self, rounds):
        """Per-task time of OVERHEAD_TASKS build_info tasks and as many empty debug tasks, alternating.

        Against a deployment of its own without simulated latency: the network is not overhead.
        """
        url = self.fleet.urls[-1]
        self.fleet.set_latency([url], 0)
        inventory = self.workspace.write("overhead-hosts.json", json.dumps({"all": {"hosts": {"overhead": {
            "coder_url": url, "ansible_connection": "local", "ansible_python_interpreter": sys.executable}}}}))
        actions = ("ansible.builtin.debug", "coder.coderd.build_info")
        clock_path = self.workspace.path / "task-clock.json"
        environment = dict(self.workspace.environment, ANSIBLE_CALLBACK_PLUGINS=str(BENCHMARKS / "callback_plugins"),
                           ANSIBLE_CALLBACKS_ENABLED="task_clock", BENCH_TASK_CLOCK_PATH=str(clock_path))
        commands = {}
        for action in actions:
            playbook = self.workspace.write("overhead-%s.yml" % action, overhead_playbook(action))
            commands[action] = self.playbook_command(playbook, inventory)
        durations = dict((action, []) for action in actions)
        requests = []
        for round_index in range(rounds):
            for action in actions if round_index % 2 == 0 else actions[::-1]:
                self.fleet.reset_requests([url])
                timed = run_timed(commands[action], self.workspace, "overhead-" + action, environment)
                clock = json.loads(clock_path.read_text())
                marks = clock["starts"] + [clock["end"]]
                durations[action].extend(later - earlier for earlier, later in zip(marks, marks[1:]))
                if action.startswith("coder."):
                    requests.append(request_summary(self.fleet.requests_by_path([url]))["total"])
                print("  %-36s %d tasks %8.2fs" % (action, OVERHEAD_TASKS, timed.seconds), flush=True)
        medians = dict((action, statistics.median(values)) for action, values in durations.items())
        return {"tasks": OVERHEAD_TASKS, "rounds": rounds, "latency_ms": 0,
                "median_task_seconds": dict((action, round(value, 4)) for action, value in medians.items()),
                "overhead_seconds": round(medians[actions[1]] - medians[actions[0]], 4),
                "requests_per_run": requests}

    def profile(self, size):
        """cProfile of the collection's fact and drift jobs (benchmarks/profile_run.py)."""
        urls = self.fleet.urls[:size]
        inventory = self.workspace.host_inventory(urls)
        summaries = {}
        for job in JOBS:
            if job.tool != "collection":
                continue
            output = self.workspace.path / ("profile-" + job.name)
            command = [sys.executable, str(BENCHMARKS / "profile_run.py"), "--output", str(output), "--"]
            command += self.playbook_arguments(BENCHMARKS / job.playbook, inventory)
            timed = run_timed(command, self.workspace, "profile-" + job.name)
            summaries[job.name] = json.loads(timed.stdout.strip().splitlines()[-1])
            report = RESULTS / ("%s-profile-%s.txt" % (self.workspace.stamp, job.name))
            shutil.copyfile(output / "profile.txt", report)
            summaries[job.name]["report"] = str(report.relative_to(ROOT))
            print("  profiled %-27s N=%-4d %s" % (job.label, size, report.relative_to(ROOT)), flush=True)
        return summaries


def inventory_command(path, *arguments):
    return [str(BIN / "ansible-inventory"), "-i", str(path)] + list(arguments)


def check_graph(graph, size):
    """The --graph of a fleet inventory: every deployment a host, none of them unreachable."""
    if "@unreachable:" in graph or graph.count("|--d") != size:
        raise BenchError("the inventory of %d deployments did not read them all:\n%s" % (size, graph))


def floor_role(tasks_file):
    """The deployment_check role's task list with every task an empty debug, blocks kept as blocks."""
    def empty(task):
        if "block" in task:
            return dict((part, [empty(inner) for inner in task[part]]) for part in ("block", "rescue", "always")
                        if task.get(part))
        return {"name": task.get("name", "Task"), "ansible.builtin.debug": None}

    return yaml.safe_dump([empty(task) for task in yaml.safe_load(tasks_file.read_text()) or []], sort_keys=False)


def overhead_playbook(action):
    tasks = [{"name": "Task %d" % number, action: None} for number in range(1, OVERHEAD_TASKS + 1)]
    play = {"name": "%d %s tasks" % (OVERHEAD_TASKS, action), "hosts": "all", "gather_facts": False,
            "module_defaults": {"group/coder.coderd.coderd": {"url": "{{ coder_url }}", "token": "{{ coder_token }}"}},
            "tasks": tasks}
    return yaml.safe_dump([play], sort_keys=False)


def medians(samples, measure):
    """{job: {size: median of the samples' ``measure``}}."""
    return dict((job, dict((size, statistics.median(sample[measure] for sample in runs))
                           for size, runs in sorted(by_size.items())))
                for job, by_size in samples.items())


# (name, numerator job, denominator job, relation, limit) of the ratios taken at N.
RATIOS = (
    ("fleet facts: uri / collection", "uri_facts", "collection_facts", ">=", 10),
    ("fleet facts: collection / floor", "collection_facts", "floor", "<=", 3),
    ("drift check: uri / collection", "uri_drift", "collection_drift", None, None),
    ("drift check: collection / floor", "collection_drift", "floor", None, None),
    ("inventory (--graph) / floor", "inventory", "floor", "<=", 2),
)


def fleet_targets(fleet, median_seconds, median_cpu_seconds):
    """The fleet drift check against Ansible's floor: (inventory + role - inventory alone) / floor <= 2,
    i.e. at most twice the floor plus the inventory's own time; the uri way beside it; the role's requests."""
    size = fleet["deployments"]

    def role_over_floor(medians):
        return (medians["fleet_role"][size] - medians["fleet_inventory"][size]) / medians["fleet_floor"][size]

    rows = [target_row("fleet drift at N=%d: (inventory+role - inventory) / floor" % size,
                       role_over_floor(median_seconds), "x", "<=", 2, role_over_floor(median_cpu_seconds))]
    if size in median_seconds.get("fleet_uri", {}):
        rows.append(target_row("fleet drift at N=%d: uri / (inventory+role)" % size,
                               median_seconds["fleet_uri"][size] / median_seconds["fleet_role"][size], "x", None, None,
                               median_cpu_seconds["fleet_uri"][size] / median_cpu_seconds["fleet_role"][size]))
    rows.append(target_row("fleet drift at N=%d: requests of the role's tasks" % size, max(fleet["role_requests"]),
                           "", "<=", 0))
    return rows


def targets(args, median_seconds, median_cpu_seconds, inventory, overhead, samples):
    """The DESIGN §7 targets, and the drift and memory figures beside them.

    Ratios come by wall time (what the targets mean) and by CPU seconds, which a busy machine
    disturbs much less: on two cores these jobs are bound by CPU, not by the network.
    """
    main = args.deployments
    rows = [target_row("%s at N=%d" % (name, main), median_seconds[top][main] / median_seconds[bottom][main], "x",
                       relation, limit, median_cpu_seconds[top][main] / median_cpu_seconds[bottom][main])
            for name, top, bottom, relation, limit in RATIOS]
    rss_size = max(samples["collection_facts"])
    rss_mib = max(sample["peak_rss_kib"] for sample in samples["collection_facts"][rss_size]) / 1024.0
    rows += [
        target_row("info task overhead over debug (median per task)", overhead["overhead_seconds"] * 1000, "ms", "<=", 50),
        target_row("inventory / serial latency sum (N=%d, %d ms)" % (inventory["deployments"], inventory["latency_ms"]),
                   inventory["ratio"], "", "<=", 0.1),
        target_row("peak RSS of ansible-playbook, facts at N=%d" % rss_size, rss_mib, "MiB", None, None),
    ]
    return rows


def target_row(name, measured, unit, relation, limit, by_cpu=None):
    met = None if relation is None else (measured >= limit if relation == ">=" else measured <= limit)
    return {"name": name, "measured": round(measured, 4), "by_cpu": None if by_cpu is None else round(by_cpu, 4),
            "unit": unit, "target": "%s %g" % (relation, limit) if relation else "report", "met": met}


def repeated_fetches(samples, inventory, overhead):
    """Jobs in which a deployment received one endpoint twice in one run (per task, for the overhead job)."""
    found = []
    for job, by_size in samples.items():
        for size, runs in by_size.items():
            for sample in runs:
                if sample["requests"]["repeated_endpoints"]:
                    found.append("%s N=%d: %s" % (job, size, ", ".join(sample["requests"]["repeated_endpoints"])))
    found.extend("inventory: " + ", ".join(run["requests"]["repeated_endpoints"])
                 for run in inventory["runs"] if run["requests"]["repeated_endpoints"])
    found.extend("build_info: %d requests for %d tasks" % (total, OVERHEAD_TASKS)
                 for total in overhead["requests_per_run"] if total != OVERHEAD_TASKS)
    return sorted(set(found))


def table(result):
    settings = result["settings"]
    lines = ["", "coder.coderd benchmark %s: %d CPUs, forks %d, latency %d ms, %d round(s) at N=%d (uri jobs in %d)%s; "
             "load %s -> %s"
             % (result["date"], result["machine"]["cpus"], settings["forks"], settings["latency_ms"], settings["rounds"],
                settings["deployments"], settings["uri_rounds"], " (quick)" if settings["quick"] else "",
                "/".join("%.1f" % load for load in result["machine"]["load_before"]),
                "/".join("%.1f" % load for load in result["machine"]["load_after"])), ""]
    sizes = sorted({size for by_size in result["median_seconds"].values() for size in by_size})
    lines.append("%-38s" % "median seconds (CPU seconds)" + "".join("%16s" % ("N=%d" % size) for size in sizes)
                 + "   requests/deployment")
    for job in JOBS:
        seconds, cpu_seconds = result["median_seconds"][job.name], result["median_cpu_seconds"][job.name]
        cells = "".join("%16s" % ("%.2f (%.1f)" % (seconds[size], cpu_seconds[size]) if size in seconds else "-")
                        for size in sizes)
        per_deployment = sorted({count for runs in result["samples"][job.name].values()
                                 for sample in runs for count in sample["requests"]["per_deployment"]})
        lines.append("%-38s%s   %s" % (job.label, cells, ",".join(str(count) for count in per_deployment)))
    fleet = result["fleet"]
    lines += ["", "fleet drift check, N=%d at %d ms (median seconds (CPU seconds), requests in all)"
              % (fleet["deployments"], fleet["latency_ms"])]
    for job in FLEET_JOBS:
        runs = result["samples"].get(job.name, {}).get(fleet["deployments"])
        if runs:
            lines.append("%-46s%16s   %d" % (job.label, "%.2f (%.1f)" % (
                result["median_seconds"][job.name][fleet["deployments"]],
                result["median_cpu_seconds"][job.name][fleet["deployments"]]),
                max(sample["requests"]["total"] for sample in runs)))
    lines.append("%-46s%16s   %s" % ("requests of the role's tasks (role run - inventory alone)", "",
                                     ", ".join(str(count) for count in fleet["role_requests"])))
    inventory, overhead = result["inventory"], result["task_overhead"]
    lines.append("%-38s%10.2f   serial latency sum %.1fs"
                 % ("inventory plugin, N=%d at %d ms" % (inventory["deployments"], inventory["latency_ms"]),
                    inventory["median_seconds"], inventory["serial_latency_sum_seconds"]))
    for action, seconds in overhead["median_task_seconds"].items():
        lines.append("%-38s%10.1f ms per task" % (action, seconds * 1000))
    lines += ["", "%-52s %12s %10s %5s %12s" % ("target", "measured", "target", "met", "by CPU-s")]
    for target in result["targets"]:
        met = "-" if target["met"] is None else ("yes" if target["met"] else "NO")
        by_cpu = "" if target["by_cpu"] is None else "%.3g %s" % (target["by_cpu"], target["unit"])
        lines.append("%-52s %12s %10s %5s %12s" % (target["name"], "%.3g %s" % (target["measured"], target["unit"]),
                                                   target["target"], met, by_cpu))
    lines.append("")
    lines.append("endpoints fetched twice for one deployment: %s" % ("; ".join(result["repeated_fetches"]) or "none"))
    return "\n".join(lines)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--deployments", type=int,
                        help="N, the size of the side-by-side comparison and its targets (default 50, 10 with --quick)")
    parser.add_argument("--latency-ms", type=int, default=20, help="simulated latency of every answer (default 20)")
    parser.add_argument("--rounds", type=int, help="rounds at N (default 3, 1 with --quick); other sizes get one")
    parser.add_argument("--uri-rounds", type=int, default=1,
                        help="how many of the rounds at N include the uri jobs (default 1): one uri run at N=50 is "
                             "some 500 module runs over minutes, steady by itself, and each more costs minutes")
    parser.add_argument("--fleet-deployments", type=int,
                        help="N of the fleet drift check: inventory + role, floor, uri (default %d, 10 with --quick)"
                        % FLEET_SIZE)
    parser.add_argument("--fleet-only", action="store_true",
                        help="only the fleet drift check (f), its figures printed as one JSON line and no results "
                             "file: the smoke run of the tests, with --fleet-deployments 3 --uri-rounds 0")
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run in under 3 minutes: N=10, one round, no uri job above N, no profile")
    args = parser.parse_args(argv)
    if args.deployments is None:
        args.deployments = 10 if args.quick else 50
    if args.rounds is None:
        args.rounds = 1 if args.quick else 3
    if args.fleet_deployments is None:
        args.fleet_deployments = 10 if args.quick else FLEET_SIZE
    if min(args.deployments, args.rounds, args.fleet_deployments) < 1 or min(args.latency_ms, args.uri_rounds) < 0:
        parser.error("--deployments, --fleet-deployments and --rounds must be at least 1, "
                     "--latency-ms and --uri-rounds at least 0")
    if args.uri_rounds < 1 and not args.fleet_only:
        parser.error("--uri-rounds 0 only goes with --fleet-only: the targets compare with the uri jobs")
    return args


def measure(args, sizes, workspace):
    """Every job against one simulated fleet: (samples, inventory, task overhead, profiles)."""
    # One deployment more than any job uses: the overhead job's, whose latency it sets to 0.
    fleet_size = max(sizes + [INVENTORY_SIZE, args.fleet_deployments]) + 1
    print("starting %d simulated deployments at %d ms in one process; forks %d" % (fleet_size, args.latency_ms, FORKS),
          flush=True)
    with SimulatorFleet(fleet_size, args.latency_ms) as fleet:
        bench = Bench(args, fleet, workspace)
        print("== a/b/c: facts and drift, collection vs uri vs floor", flush=True)
        bench.compare(sizes)
        print("== f: fleet drift check, inventory + role vs floor vs uri", flush=True)
        fleet_result = bench.fleet_check(args.fleet_deployments, args.rounds, args.uri_rounds)
        print("== d: inventory plugin", flush=True)
        inventory = bench.inventory(args.rounds)
        print("== e: per-task overhead", flush=True)
        overhead = bench.task_overhead(max(args.rounds, 2))
        profiles = {}
        if not args.quick:
            print("== profile of the collection's jobs", flush=True)
            profiles = bench.profile(args.deployments)
    return bench.samples, fleet_result, inventory, overhead, profiles


def fleet_only(args):
    """The fleet drift check alone, its result and targets as one JSON line (exit 1 on a failed job)."""
    workspace = Workspace(datetime.datetime.now().strftime("%Y-%m-%dT%H%M%S-fleet-%f"))
    try:
        with SimulatorFleet(args.fleet_deployments, args.latency_ms) as fleet:
            bench = Bench(args, fleet, workspace)
            result = bench.fleet_check(args.fleet_deployments, args.rounds, args.uri_rounds)
    except BenchError as exc:
        print("bench: error: %s" % exc, file=sys.stderr)
        print("bench: the logs stay in %s" % workspace.path, file=sys.stderr)
        return 1
    shutil.rmtree(workspace.path)
    median_seconds, median_cpu_seconds = medians(bench.samples, "seconds"), medians(bench.samples, "cpu_seconds")
    result.update(targets=fleet_targets(result, median_seconds, median_cpu_seconds), samples=bench.samples)
    print(json.dumps(result))
    return 0


def main(argv=None):
    args = parse_args(argv)
    if args.fleet_only:
        return fleet_only(args)
    # A TERM ends the run like Ctrl-C: the simulator and the running job are stopped on the way out.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    started = time.monotonic()
    now = datetime.datetime.now()
    stamp = now.strftime("%Y-%m-%dT%H%M%S") + ("-quick" if args.quick else "")
    sizes = sorted(set(CHART_SIZES) | {args.deployments})
    load_before = os.getloadavg()
    workspace = Workspace(stamp)
    try:
        samples, fleet, inventory, overhead, profiles = measure(args, sizes, workspace)
    except BenchError as exc:
        print("bench: error: %s" % exc, file=sys.stderr)
        print("bench: the logs stay in %s" % workspace.path, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        shutil.rmtree(workspace.path)
        print("bench: interrupted", file=sys.stderr)
        return 130
    shutil.rmtree(workspace.path)

    median_seconds, median_cpu_seconds = medians(samples, "seconds"), medians(samples, "cpu_seconds")
    result = {
        "date": now.isoformat(timespec="seconds"),
        "settings": {"deployments": args.deployments, "latency_ms": args.latency_ms, "rounds": args.rounds,
                     "uri_rounds": min(args.uri_rounds, args.rounds), "rounds_at_other_sizes": 1, "quick": args.quick,
                     "forks": FORKS, "connection": "local", "chart_sizes": sizes,
                     "fleet_deployments": args.fleet_deployments},
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                    "ansible_core": ANSIBLE_CORE_VERSION, "load_before": load_before, "load_after": os.getloadavg()},
        "median_seconds": median_seconds,
        "median_cpu_seconds": median_cpu_seconds,
        "targets": targets(args, median_seconds, median_cpu_seconds, inventory, overhead, samples)
        + fleet_targets(fleet, median_seconds, median_cpu_seconds),
        "fleet": fleet,
        "repeated_fetches": repeated_fetches(samples, inventory, overhead),
        "inventory": inventory,
        "task_overhead": overhead,
        "profiles": profiles,
        "samples": samples,
    }
    json_path = RESULTS / (stamp + ".json")
    json_path.write_text(json.dumps(result, indent=1) + "\n")
    chart_path = RESULTS / (stamp + ".svg")
    series = dict((job.label, median_seconds[job.name]) for job in JOBS if job.name in median_seconds)
    chart_path.write_text(line_chart("Time vs number of deployments (%d ms latency, forks %d)" % (args.latency_ms, FORKS),
                                     series, "deployments (N)", "seconds (median)",
                                     dashed=[job.label for job in JOBS if job.work == "drift"]))
    print(table(result))
    print("\nresults: %s\nchart:   %s" % (json_path.relative_to(ROOT), chart_path.relative_to(ROOT)))
    for summary in profiles.values():
        print("profile: %s" % summary["report"])
    print("bench: finished in %.0fs" % (time.monotonic() - started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
