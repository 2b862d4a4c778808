"""Profile one ansible-playbook run in-process with cProfile, worker processes included.

    python benchmarks/profile_run.py --output DIR -- PLAYBOOK ARGS...

Ansible runs each task of each host in a forked worker process, where the collection's action
code runs; a profile of the main process alone would miss it. Each worker's ``_run`` is wrapped
in its own profiler and dumped to DIR/worker-<pid>-<clock>.prof, the main process to DIR/main.prof, and
the profiles are merged into DIR/profile.txt: own time by area (collection, ansible, requests,
imports, ...), the hottest functions and the collection's own functions. Prints a JSON summary.
The profiler slows pure-Python code several times over: read the shares, not the seconds.
"""

import argparse
import cProfile
import json
import os
import pstats
import sys
import time
from pathlib import Path

from ansible.cli.playbook import PlaybookCLI
from ansible.executor.process import worker

# cProfile files C functions under "~"; the own time of a blocking one (a lock, a join, a socket
# read) is time spent waiting, not computing.
C_FUNCTIONS = "C functions, waits included"
# Where a Python function's file lives decides its area; the first match wins.
AREAS = (
    ("collection", ("ansible_collections/coder/coderd/",)),
    ("imports", ("<frozen importlib", "<frozen zipimport")),
    ("requests/urllib3", ("/requests/", "/urllib3/", "/http/client.py", "/ssl.py", "/socket.py")),
    ("jinja2/templating", ("/jinja2/", "/ansible/_internal/_templating/", "/ansible/template/")),
    ("multiprocessing/queues", ("/multiprocessing/",)),
    ("json/yaml", ("/json/", "/yaml/", "/ansible/parsing/")),
    ("ansible", ("/ansible/",)),
)
TOP_FUNCTIONS = 25

_main_profiler = cProfile.Profile()


def _profile_workers(output):
    run_task = worker.WorkerProcess._run

    def profiled(self):
        # The fork inherited the main process's profiler, which must stop before another can start.
        _main_profiler.disable()
        profiler = cProfile.Profile()
        profiler.enable()
        try:
            return run_task(self)
        finally:
            profiler.disable()
            # A pid can come back during one run; the clock keeps the names apart.
            profiler.dump_stats(str(output / ("worker-%d-%d.prof" % (os.getpid(), time.monotonic_ns()))))

    worker.WorkerProcess._run = profiled


def _area(filename):
    if filename == "~":
        return C_FUNCTIONS
    for area, markers in AREAS:
        if any(marker in filename for marker in markers):
            return area
    return "other"


def _describe(function):
    filename, line, name = function
    marker = "ansible_collections/"
    if marker in filename:
        filename = filename[filename.index(marker) + len(marker):]
    elif "site-packages/" in filename:
        filename = filename.split("site-packages/", 1)[1]
    return "%s:%d(%s)" % (filename, line, name)


def _rows(stats, functions):
    """(own seconds, calls, cumulative seconds, function) of each function."""
    return [(round(stats[function][2], 4), stats[function][1], round(stats[function][3], 4), _describe(function))
            for function in functions]


def summarize(profiles, wall_seconds, text_path):
    stats = pstats.Stats(*[str(path) for path in profiles]).stats
    by_area = {}
    for function, row in stats.items():
        area = _area(function[0])
        by_area[area] = by_area.get(area, 0.0) + row[2]
    by_own_time = sorted(stats, key=lambda function: stats[function][2], reverse=True)
    collection = [function for function in sorted(stats, key=lambda function: stats[function][3], reverse=True)
                  if _area(function[0]) == "collection"]
    summary = {
        "wall_seconds": round(wall_seconds, 3),
        "processes": len(profiles),
        "profiled_seconds": round(sum(by_area.values()), 3),
        "seconds_by_area": dict((area, round(seconds, 3)) for area, seconds in sorted(by_area.items(), key=lambda item: -item[1])),
        "hottest_own_time": _rows(stats, by_own_time[:TOP_FUNCTIONS]),
        "collection_cumulative": _rows(stats, collection[:TOP_FUNCTIONS]),
    }
    lines = ["wall %.2fs, %d processes profiled (the main one and one per task and host), %.2fs of own time in all"
             % (wall_seconds, len(profiles), summary["profiled_seconds"]), "", "Own time by area (seconds):"]
    lines.extend("  %-30s %8.3f" % item for item in summary["seconds_by_area"].items())
    for heading, rows in (("Hottest functions by own time", summary["hottest_own_time"]),
                          ("Collection functions by cumulative time", summary["collection_cumulative"])):
        lines += ["", "%s:" % heading, "  %9s %8s %9s  %s" % ("own s", "calls", "cum s", "function")]
        lines.extend("  %9.4f %8d %9.4f  %s" % row for row in rows)
    text_path.write_text("\n".join(lines) + "\n")
    return summary


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--output", required=True, type=Path, help="folder for the profiles and profile.txt")
    parser.add_argument("playbook_args", nargs=argparse.REMAINDER, help="-- then the ansible-playbook arguments")
    args = parser.parse_args(argv)
    playbook_args = args.playbook_args[1:] if args.playbook_args[:1] == ["--"] else args.playbook_args
    args.output.mkdir(parents=True, exist_ok=True)
    _profile_workers(args.output)

    started = time.perf_counter()
    _main_profiler.enable()
    try:
        PlaybookCLI.cli_executor(["ansible-playbook"] + playbook_args)
        exit_code = 0
    except SystemExit as exc:
        exit_code = exc.code if isinstance(exc.code, int) else 1
    finally:
        _main_profiler.disable()
    wall_seconds = time.perf_counter() - started
    if exit_code:
        print("profile_run: ansible-playbook exited with %d" % exit_code, file=sys.stderr)
        return 1
    main_profile = args.output / "main.prof"
    _main_profiler.dump_stats(str(main_profile))
    profiles = [main_profile] + sorted(args.output.glob("worker-*.prof"))
    print(json.dumps(summarize(profiles, wall_seconds, args.output / "profile.txt")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
