"""The collection as users get it: the Galaxy tarball installed into a clean path, used by a
playbook against the simulator (both supported wire formats), and the execution environment
that ansible-builder makes from execution-environment.yml and meta/execution-environment.yml.
"""

import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml

from coder_sim import DEFAULT_TOKENS
from plays import CONNECTED_PLAY

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent

# The two Coder lines the collection is tested with. Their General endpoints answer alike but
# for provisioner_api_version (FACTS: handler code unchanged between v2.33.9 and v2.34.3).
WIRE_FORMATS = {
    "v2.34": {},
    "v2.33": {"version": "v2.33.9+5a6b7c8", "provisioner_api_version": "1.17"},
}

# Files a user of each kind of content needs; a wrong build_ignore or a file left out of git
# would drop them silently.
MUST_SHIP = [
    "MANIFEST.json", "FILES.json", "README.md", "LICENSE", "meta/runtime.yml", "meta/execution-environment.yml",
    "requirements.txt", "plugins/action/deployment_info.py", "plugins/modules/deployment_info.py",
    "plugins/module_utils/_option_catalog.py", "plugins/filter/duration.yml", "plugins/test/version_satisfies.yml",
    "roles/deployment_check/meta/argument_specs.yml", "playbooks/drift_check.yml", "docs/desired-state.schema.json",
    "docs/docsite/links.yml", "docs/getting-started.md",
    "simulator/pyproject.toml", "simulator/coder_sim/cli.py", "simulator/coder_sim/data/options.json",
]
LOCAL_ONLY_TOP = (".venv", ".nox/", "build/", ".git", "tests/output/", "benchmarks/results/", ".ansible/", "collections/")
LOCAL_ONLY_ANYWHERE = ("__pycache__", ".pytest_cache", ".tar.gz")

PLAYBOOK = CONNECTED_PLAY + """
    - name: Gather facts
      coder.coderd.deployment_info:

    - name: Read through a lookup, a filter and a test
      ansible.builtin.set_fact:
        lookup_version: "{{ lookup('coder.coderd.build_info', 'version', url=coder_url, token=coder_token) }}"
        lifetime_seconds: "{{ ansible_facts.coder.token_config.max_token_lifetime | coder.coderd.duration }}"
        supported: "{{ ansible_facts.coder.build.version is coder.coderd.version_satisfies('>=2.33,<3') }}"

    - name: Check for drift with the role
      ansible.builtin.include_role:
        name: coder.coderd.deployment_check
      vars:
        coder_desired:
          version: ">=2.33,<3"
          config: {CODER_ACCESS_URL: https://coder.example.com}
        coder_report_dir: reports
"""


def _run(command, **kwargs):
    result = subprocess.run([str(part) for part in command], capture_output=True, text=True, timeout=120, check=False,
                            **kwargs)
    assert result.returncode == 0, "%s failed:\n%s%s" % (" ".join(map(str, command)), result.stdout, result.stderr)
    return result


@pytest.fixture(scope="module")
def tarball(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    _run([VENV_BIN / "ansible-galaxy", "collection", "build", REPO, "--output-path", out])
    (built,) = out.glob("coder-coderd-*.tar.gz")
    return built


@pytest.fixture(scope="module")
def installed(tarball, tmp_path_factory):
    """A collections path holding only coder.coderd, installed from the tarball."""
    path = tmp_path_factory.mktemp("collections")
    # Only this path: with the layout on ANSIBLE_COLLECTIONS_PATH or PYTHONPATH, ansible-galaxy
    # would find the collection "already installed" and install nothing.
    environment = {name: value for name, value in os.environ.items() if name != "PYTHONPATH"}
    _run([VENV_BIN / "ansible-galaxy", "collection", "install", tarball, "-p", path],
         env=dict(environment, ANSIBLE_COLLECTIONS_PATH=str(path)))
    assert (path / "ansible_collections" / "coder" / "coderd" / "MANIFEST.json").is_file()
    return path


def test_the_tarball_holds_what_users_need_and_nothing_local(tarball):
    with tarfile.open(tarball) as archive:
        names = set(archive.getnames())
        manifest = json.loads(archive.extractfile("MANIFEST.json").read())
    assert [name for name in MUST_SHIP if name not in names] == []
    assert sorted(name for name in names if name.startswith(LOCAL_ONLY_TOP)
                  or any(part in name for part in LOCAL_ONLY_ANYWHERE)) == []
    galaxy = yaml.safe_load((REPO / "galaxy.yml").read_text(encoding="utf-8"))
    assert manifest["collection_info"]["version"] == galaxy["version"]


@pytest.mark.parametrize("wire", sorted(WIRE_FORMATS))
def test_a_playbook_uses_the_installed_collection(wire, installed, coder_sim_factory, run_playbook):
    sim = coder_sim_factory(state=WIRE_FORMATS[wire] or None)
    result = run_playbook(PLAYBOOK, extra_vars={"coder_url": sim.url, "coder_token": DEFAULT_TOKENS["owner"]},
                          env={"ANSIBLE_COLLECTIONS_PATH": str(installed)})
    assert result.rc == 0, result.output
    facts = result.task("Gather facts")["ansible_facts"]["coder"]
    minor = int(wire.split(".")[1])
    assert facts["build"]["version_info"]["minor"] == minor
    assert facts["build"]["provisioner_api_version"] == ("1.18" if minor == 34 else "1.17")
    looked_up = result.task("Read through a lookup, a filter and a test")["ansible_facts"]
    assert looked_up["lookup_version"] == facts["build"]["version"]
    assert int(looked_up["lifetime_seconds"]) == facts["token_config"]["max_token_lifetime_seconds"]
    assert looked_up["supported"] in (True, "True")
    check = result.task("coder.coderd.deployment_check : Check the Coder deployment against its desired state")
    assert (check["passed"], check["summary"]["total"]) == (True, 2), check["msg"]


# Every nox test session installs ansible-builder; run elsewhere, these two tests need it too.
needs_ansible_builder = pytest.mark.skipif(not (VENV_BIN / "ansible-builder").exists(),
                                           reason="ansible-builder is not installed in this venv")


@needs_ansible_builder
def test_ansible_builder_makes_a_build_context(tmp_path):
    context = tmp_path / "context"
    _run([VENV_BIN / "ansible-builder", "create", "-f", REPO / "execution-environment.yml", "-c", context,
          "--output-filename", "Containerfile"])
    containerfile = (context / "Containerfile").read_text(encoding="utf-8")
    assert 'ARG PYCMD="/usr/bin/python3.12"' in containerfile
    assert 'ANSIBLE_INSTALL_REFS="ansible-core>=2.19,<2.22 ansible-runner"' in containerfile
    galaxy = yaml.safe_load((context / "_build" / "requirements.yml").read_text(encoding="utf-8"))
    assert galaxy == {"collections": [{"name": "coder.coderd"}]}


@needs_ansible_builder
def test_the_execution_environment_gets_the_python_requirements(installed):
    """What ansible-builder's introspection (run while it builds an image) finds in the installed collection."""
    found = yaml.safe_load(_run([VENV_BIN / "ansible-builder", "introspect", "--sanitize", installed]).stdout)
    requirements = (REPO / "requirements.txt").read_text(encoding="utf-8").split("\n")
    wanted = ["%s  # from collection coder.coderd" % line for line in requirements if line and not line.startswith("#")]
    assert found["python"] == wanted


def test_the_readme_names_every_plugin_role_and_playbook():
    """The README's table is the one list of everything the collection ships."""
    shipped = {path.stem for kind in ("modules", "lookup", "inventory") for path in (REPO / "plugins" / kind).glob("*.py")}
    # A filter or test file may hold several; each one has its own documentation file.
    shipped |= {path.stem for kind in ("filter", "test") for path in (REPO / "plugins" / kind).glob("*.yml")}
    shipped |= {path.name for path in (REPO / "roles").iterdir()} | {path.stem for path in (REPO / "playbooks").glob("*.yml")}
    shipped.discard("__init__")
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert sorted(name for name in shipped if "`coder.coderd.%s`" % name not in readme) == []
