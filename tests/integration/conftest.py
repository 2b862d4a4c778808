"""Fixture ``run_playbook``: runs ansible-playbook against the laid-out collection.

The collection is imported from ``ANSIBLE_COLLECTIONS_PATH``, which the nox test sessions point
at their copy of it (``make integration``, ``make test``).
"""

import itertools
import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from core_output import CORE

REPO = Path(__file__).resolve().parents[2]
CALLBACK_PLUGINS = Path(__file__).resolve().parent / "callback_plugins"


@dataclass
class PlaybookResult:
    rc: int
    stdout: str
    stderr: str
    results: list = field(default_factory=list)  # {task, host, status, result, duration} per task result

    @property
    def output(self):
        return self.stdout + self.stderr

    def task(self, name, host=None):
        """The result dict of the one task result named ``name`` (on ``host`` if given)."""
        matches = [record for record in self.results if record["task"] == name and host in (None, record["host"])]
        if len(matches) != 1:
            seen = sorted({"%s (%s)" % (record["task"], record["host"]) for record in self.results})
            raise AssertionError("%d task results named %r%s; results: %s"
                                 % (len(matches), name, " on " + host if host else "", ", ".join(seen) or "none"))
        return matches[0]["result"]


def _collections_path():
    configured = os.environ.get("ANSIBLE_COLLECTIONS_PATH")
    path = Path(configured) if configured else REPO / "build"
    if not (path / "ansible_collections" / "coder" / "coderd" / "galaxy.yml").is_file():
        pytest.fail("coder.coderd is not laid out under %s; run 'make integration'" % path, pytrace=False)
    return path


def _file_or_text(value, directory, name):
    """A Path or a one-line string is a file path; a multi-line string is content to write."""
    if isinstance(value, Path) or "\n" not in value:
        return Path(value).resolve()
    path = directory / name
    path.write_text(value, encoding="utf-8")
    return path


def _hermetic_environment(workdir, collections_path, capture_path):
    # Coder and collection settings of whoever runs the tests must not leak into a playbook.
    environment = {
        name: value for name, value in os.environ.items()
        if not name.startswith(("CODER_", "ANSIBLE_CODER_"))
    }
    config_dir = workdir / "coder-config"
    config_dir.mkdir(exist_ok=True)
    environment.update(
        ANSIBLE_COLLECTIONS_PATH=str(collections_path),
        # The managed hosts' Python; the session "minimums" gives them an older one than the controller's.
        ANSIBLE_PYTHON_INTERPRETER=os.environ.get("CODERD_TEST_MANAGED_PYTHON", sys.executable),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_HOST_KEY_CHECKING="0",
        ANSIBLE_RETRY_FILES_ENABLED="0",
        ANSIBLE_LOCALHOST_WARNING="0",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
        ANSIBLE_CALLBACK_PLUGINS=str(CALLBACK_PLUGINS),
        ANSIBLE_CALLBACKS_ENABLED="capture",
        CAPTURE_RESULTS_PATH=str(capture_path),
        CODER_CONFIG_DIR=str(config_dir),
        # Ansible's async_status looks for jobs under the passwd home (~user), the async wrapper
        # writes them under $HOME: whenever the two differ, every async task fails to find its job.
        ANSIBLE_ASYNC_DIR=str(workdir / "async"),
    )
    return environment


def _descendants(pid):
    """Every process below ``pid`` (Linux; elsewhere none are found)."""
    children = {}
    for entry in filter(str.isdigit, os.listdir("/proc") if os.path.isdir("/proc") else ()):
        try:
            with open("/proc/%s/stat" % entry, encoding="utf-8") as stat:
                parent = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(parent, []).append(int(entry))
    found, pending = [], [pid]
    while pending:
        below = children.get(pending.pop(), [])
        found += below
        pending += below
    return found


def _kill_tree(pid):
    # ansible-playbook's workers call setsid(), so its process group alone would leave them
    # running; each worker leads a group that also holds the module processes it started.
    # The tree is read before anything dies: orphans are re-parented and could not be found.
    for member in [pid] + _descendants(pid):
        try:
            os.killpg(os.getpgid(member), signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.fixture
def run_playbook(tmp_path):
    """``run_playbook(playbook, *, extra_vars=None, env=None, check=False, verbosity=0,
    inventory=None, limit=None, timeout=120) -> PlaybookResult``.

    ``playbook`` and ``inventory`` are a path, or YAML text (any string with a line break).
    Without ``inventory`` the play runs on the implicit localhost. A run that outlives
    ``timeout`` seconds is killed with all its processes and fails the test.
    """
    collections_path = _collections_path()
    runs = itertools.count(1)

    def run(playbook, *, extra_vars=None, env=None, check=False, verbosity=0, inventory=None, limit=None,
            timeout=120):
        workdir = tmp_path / ("run%d" % next(runs))
        workdir.mkdir()
        capture_path = workdir / "results.jsonl"
        command = [str(Path(sys.executable).with_name("ansible-playbook")),
                   str(_file_or_text(playbook, workdir, "playbook.yml"))]
        if extra_vars:
            # Through a file, so that values such as tokens stay out of the process list.
            vars_path = workdir / "extra_vars.json"
            vars_path.write_text(json.dumps(extra_vars), encoding="utf-8")
            command += ["-e", "@%s" % vars_path]
        if inventory is not None:
            command += ["-i", str(_file_or_text(inventory, workdir, "inventory.yml"))]
        if limit is not None:
            command += ["--limit", limit]
        if check:
            command.append("--check")
        if verbosity:
            command.append("-" + "v" * verbosity)
        environment = _hermetic_environment(workdir, collections_path, capture_path)
        environment.update(env or {})

        process = subprocess.Popen(command, cwd=workdir, env=environment, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   start_new_session=True)
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_tree(process.pid)
            stdout, stderr = process.communicate()
            pytest.fail("ansible-playbook did not finish within %ss and was killed; output so far:\n%s%s"
                        % (timeout, stdout, stderr), pytrace=False)
        results = []
        if capture_path.exists():
            results = [json.loads(line) for line in capture_path.read_text(encoding="utf-8").splitlines()]
        return PlaybookResult(process.returncode, stdout, stderr, results)

    return run


def pytest_configure(config):
    # The reliability suite's summary line: xdist's controller loads no conftest of that package.
    config.pluginmanager.import_plugin("reliability.summary")


@pytest.fixture
def templated():
    """``templated(value)``: what ``"{{ expression }}"`` gives for a number or a string: the value itself
    since ansible-core 2.19, its text before (older cores keep only lists, dicts and booleans)."""
    return lambda value: value if CORE >= (2, 19) else str(value)
