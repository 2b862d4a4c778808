# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""requirements.txt is the one list of run-time requirements: every other place states the same."""

import re
from pathlib import Path

import pytest
import yaml

from ansible_collections.coder.coderd.plugins.doc_fragments._connection import ModuleDocFragment
from ansible_collections.coder.coderd.plugins.modules import deployment_assert

REPO = Path(__file__).resolve().parents[2]
# Needed only where the drift check runs (the controller), not wherever a module may run.
CONTROLLER_ONLY = {"jsonschema"}


def declared():
    """{name: oldest version} of requirements.txt, whose lines are all 'name>=version'."""
    minimums = {}
    for line in (REPO / "requirements.txt").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            match = re.fullmatch(r"([A-Za-z0-9_.-]+)>=([0-9.]+)", line)
            assert match, "requirements.txt: %r is not name>=version" % line
            minimums[match.group(1)] = match.group(2)
    return minimums


def documented_requirements(documentation):
    return yaml.safe_load(documentation).get("requirements", [])


def test_requirements_txt_lists_what_the_plugins_import():
    assert set(declared()) == {"requests", "urllib3", "jsonschema"}


def test_the_execution_environment_installs_requirements_txt():
    metadata = yaml.safe_load((REPO / "meta" / "execution-environment.yml").read_text(encoding="utf-8"))
    assert metadata["dependencies"]["python"] == "requirements.txt"


@pytest.mark.parametrize("name, version", sorted(declared().items()))
def test_the_plugin_documentation_states_the_declared_minimum(name, version):
    if name in CONTROLLER_ONLY:
        requirements = documented_requirements(deployment_assert.DOCUMENTATION)
    else:
        requirements = documented_requirements(ModuleDocFragment.DOCUMENTATION)
    assert any(item.startswith("%s >= %s" % (name, version)) for item in requirements), requirements
    everywhere = documented_requirements(ModuleDocFragment.DOCUMENTATION)
    assert not any(item.startswith(name + " ") for item in everywhere if name in CONTROLLER_ONLY), everywhere


@pytest.mark.parametrize("name, version", sorted(declared().items()))
def test_the_readme_states_the_declared_minimum(name, version):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Requirements\n", 1)[1].split("\n## ", 1)[0]
    assert "`%s>=%s`" % (name, version) in section
