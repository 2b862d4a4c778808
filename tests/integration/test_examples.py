"""Every EXAMPLES block of every plugin, run as written against the simulator.

The blocks come from ``ansible-doc --json`` of the laid-out collection, so what runs is what users
read. Only the connection is replaced: a ``url`` that names an example.com deployment points at
the simulator, a vault-encrypted token becomes the simulator's token; the variables and files an
example expects its reader to have (``coder_token``, ``desired/prod.yml``, a token file) are given,
and a home folder ``~/`` is a scratch one (Ansible expands ``~`` in some plugins from the
account's home, not from $HOME, so $HOME alone would not keep the examples out of it).
The simulator plays the deployment the examples describe: a 2.35 release (the wait_for example
waits for it), hardened and without experiments.
"""

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from coder_sim import DEFAULT_TOKENS

OWNER, AUDITOR = DEFAULT_TOKENS["owner"], DEFAULT_TOKENS["auditor"]
PLUGIN_TYPES = ("module", "lookup", "filter", "test", "inventory")
EXAMPLE_DEPLOYMENT = {
    "version": "v2.35.1+9c0e7a2",
    "update_check": {"latest": "v2.35.1"},
    "deployment": {
        "CODER_MAX_TOKEN_LIFETIME": "720h",
        "CODER_DISABLE_PASSWORD_AUTH": "true",
        "CODER_DISABLE_PATH_APPS": "true",
        "CODER_STRICT_TRANSPORT_SECURITY": "31536000",
        "CODER_PROMETHEUS_ADDRESS": "127.0.0.1:2112",
    },
}
# What deployment_assert's first example checks: the desired state kept in git.
PROD_DESIRED = """\
version: ">=2.30,<3"
config:
  CODER_ACCESS_URL: https://coder.example.com
  max-token-lifetime: {le: 30d}
  CODER_PG_CONNECTION_URL: {set: true}
update_check: {current: true}
"""
# The connection options of an example: `url: https://coder.example.com` (any subdomain) as a
# module or inventory option, and `url='https://coder.example.com'` as a lookup's.
_URL_OPTION = re.compile(r"^(\s*-?\s*url: )https://coder(\.[a-z]+)?\.example\.com\s*$", re.MULTILINE)
_URL_KEYWORD = re.compile(r"\burl='https://coder\.example\.com'")


def _tool(name):
    return str(Path(sys.executable).with_name(name))


def _documented():
    """(plugin type, name, examples) of every plugin of the collection, from ansible-doc."""
    found = []
    for plugin_type in PLUGIN_TYPES:
        listing = subprocess.run([_tool("ansible-doc"), "-t", plugin_type, "--list", "--json", "coder.coderd"],
                                 capture_output=True, text=True, check=True).stdout
        names = sorted(json.loads(listing))
        docs = json.loads(subprocess.run([_tool("ansible-doc"), "-t", plugin_type, "--json", *names],
                                         capture_output=True, text=True, check=True).stdout)
        found += [(plugin_type, name, docs[name].get("examples") or "") for name in names]
    return found


def _connected(text, url, home):
    text = _URL_OPTION.sub(lambda match: match.group(1) + url, text).replace("~/", "%s/" % home)
    return _URL_KEYWORD.sub("url='%s'" % url, text)


def _vault_tokens_as(text, token):
    """``token: !vault |`` and its encrypted lines become ``token: <token>``."""
    lines, vault_indent = [], None
    for line in text.splitlines():
        indent = len(line) - len(line.lstrip())
        if vault_indent is not None and line.strip() and indent > vault_indent:
            continue
        vault_indent = None
        if line.strip() == "token: !vault |":
            vault_indent = indent
            line = "%stoken: %s" % (" " * indent, token)
        lines.append(line)
    return "\n".join(lines) + "\n"


DOCUMENTED = _documented() if os.environ.get("ANSIBLE_COLLECTIONS_PATH") else []
PLAYBOOK_EXAMPLES = [(plugin_type, name, examples) for plugin_type, name, examples in DOCUMENTED
                     if plugin_type != "inventory"]
INVENTORY_EXAMPLES = [(name, index, block) for plugin_type, name, examples in DOCUMENTED if plugin_type == "inventory"
                      for index, block in enumerate(examples.split("\n---\n"))]


@pytest.fixture
def deployment(coder_sim_factory):
    return coder_sim_factory(state=EXAMPLE_DEPLOYMENT)


def test_every_plugin_has_examples():
    assert len(DOCUMENTED) >= 27, "ansible-doc found %d plugins: is ANSIBLE_COLLECTIONS_PATH set?" % len(DOCUMENTED)
    assert [example[1] for example in DOCUMENTED if not example[2].strip()] == []


@pytest.mark.parametrize("plugin_type, name, examples", PLAYBOOK_EXAMPLES,
                         ids=["%s:%s" % (example[0], example[1]) for example in PLAYBOOK_EXAMPLES])
def test_the_examples_run_as_written(run_playbook, deployment, tmp_path, plugin_type, name, examples):
    home = tmp_path / "home"
    home.mkdir()
    folder = tmp_path / "example"
    (folder / "desired").mkdir(parents=True)
    (folder / "desired" / "prod.yml").write_text(PROD_DESIRED, encoding="utf-8")
    playbook = folder / "playbook.yml"
    playbook.write_text("- name: The EXAMPLES of %s\n  hosts: localhost\n  gather_facts: false\n  tasks:\n%s"
                        % (name, textwrap.indent(_connected(examples, deployment.url, home), "    ")), encoding="utf-8")
    result = run_playbook(playbook, extra_vars={"coder_token": OWNER, "coder_auditor_token": AUDITOR,
                                                "proxy_token": "proxy-credential"},
                          env={"CODER_URL": deployment.url, "CODER_SESSION_TOKEN": OWNER, "HOME": str(home)})
    assert result.rc == 0, result.output
    statuses = [record["status"] for record in result.results]
    assert statuses and "failed" not in statuses, statuses
    # The facts injected as the top-level `coder` variable are deprecated: examples use ansible_facts.coder.
    assert "DEPRECATION" not in result.output, result.output
    assert deployment.request_count() > 0 or plugin_type in ("filter", "test")


@pytest.mark.parametrize("name, index, block", INVENTORY_EXAMPLES,
                         ids=["%s:%d" % (example[0], example[1]) for example in INVENTORY_EXAMPLES])
def test_the_inventory_examples_list_the_deployment(deployment, tmp_path, name, index, block):
    home = tmp_path / "home"
    home.mkdir()
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "prod-us.token").write_text(OWNER + "\n", encoding="utf-8")
    # The example's CA file must exist (a missing one fails its entry); the simulator speaks plain HTTP.
    (tmp_path / "certs").mkdir()
    (tmp_path / "certs" / "staging-ca.pem").write_text("", encoding="utf-8")
    text = _vault_tokens_as(_connected(block, deployment.url, home), OWNER)
    config = yaml.safe_load(text)
    path = tmp_path / ("example%d.coder.yml" % index)
    path.write_text(text, encoding="utf-8")
    environment = {name: value for name, value in os.environ.items() if not name.startswith(("CODER_", "ANSIBLE_CODER_"))}
    environment.update(HOME=str(home), ANSIBLE_NOCOLOR="1", CODER_URL=deployment.url, CODER_SESSION_TOKEN=OWNER,
                       CODER_CONFIG_DIR=str(tmp_path / "no-coder-login"), CODER_TOKEN=OWNER,
                       CODER_PROD_EU_TOKEN=OWNER)
    result = subprocess.run([_tool("ansible-inventory"), "-i", str(path), "--list"], cwd=tmp_path, env=environment,
                            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    hostvars = json.loads(result.stdout)["_meta"]["hostvars"]
    assert len(hostvars) == len(config.get("deployments") or [None]), hostvars
    assert [host["coder_reachable"] for host in hostvars.values()] == [True] * len(hostvars), result.stderr
    assert "[WARNING]" not in result.stderr, result.stderr
