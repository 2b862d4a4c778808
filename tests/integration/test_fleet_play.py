"""Plays over the coder.coderd.deployments inventory with no connection settings of their own.

Each deployment has its own owner token, given the way a fleet gives them: an environment variable,
a file, a vault-encrypted value, and a TLS deployment with its own CA file. The inventory hands each
host what it used to reach its deployment (``ansible_coder_*`` host variables, never a plaintext
token), so modules, lookups and the role reach every deployment the same way.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from core_output import unwrapped

from test_inventory import listed, run_inventory, write_inventory

# One owner per deployment: a token sent to the wrong deployment would be refused there.
TOKENS = {
    "by-env": "envtoken01-0123456789abcdefghijkl",
    "by-file": "filetoken1-0123456789abcdefghijkl",
    "by-vault": "vaulttoken-0123456789abcdefghijkl",
    "tls": "tlstoken01-0123456789abcdefghijkl",
}
DESIRED = {"version": ">=2.30", "config": {"CODER_ACCESS_URL": "https://coder.example.com"}}
CHECK_TASK = "coder.coderd.deployment_check : Check the Coder deployment against its desired state"

FLEET_PLAY = """
- name: Every deployment of the fleet, without connection settings
  hosts: all
  connection: local
  gather_facts: false
  tasks:
    - name: Gather the facts again
      coder.coderd.deployment_info:
        gather_subset: [build, config]

    - name: Read through lookups
      ansible.builtin.set_fact:
        looked_up_version: "{{ lookup('coder.coderd.build_info', 'version') }}"
        looked_up_access_url: "{{ lookup('coder.coderd.deployment_config', 'CODER_ACCESS_URL') }}"

    - name: Module, lookups and inventory agree
      ansible.builtin.assert:
        that:
          - coder.url == ansible_coder_url
          - coder.build.version == coder_version
          - looked_up_version == coder_version
          - looked_up_access_url == coder.config.access_url

    - name: Check the deployment for drift
      ansible.builtin.include_role:
        name: coder.coderd.deployment_check
      vars:
        coder_desired: %s
        coder_report_dir: ""
""" % json.dumps(DESIRED)


def owner_state(token):
    return {"users": [{"username": "admin", "roles": ["owner"], "token": token}]}


def vault_encrypted(value, password_file):
    """``value`` as ansible-vault encrypt_string gives it: ``!vault |`` and the ciphertext lines."""
    text = subprocess.run(
        [str(Path(sys.executable).with_name("ansible-vault")), "encrypt_string", "--vault-password-file",
         str(password_file), value], capture_output=True, text=True, check=True).stdout
    return text.strip()


@pytest.fixture
def fleet(coder_sim_factory, tmp_path):
    """The four deployments and an inventory file naming each one's token its own way.

    Returns (simulators by host name, inventory path, environment for the runs).
    """
    sims = dict((name, coder_sim_factory(tls=name == "tls", state=owner_state(token)))
                for name, token in TOKENS.items())
    (tmp_path / "tokens").mkdir()
    (tmp_path / "tokens" / "by-file.token").write_text(TOKENS["by-file"] + "\n")
    (tmp_path / "certs").mkdir()
    shutil.copy(sims["tls"].ca_path, tmp_path / "certs" / "tls-ca.pem")
    password_file = tmp_path / "vault-password"
    password_file.write_text("fleet-test-password\n")
    config = {"timeout": 10, "retries": 0, "deployments": [
        {"name": "by-env", "url": sims["by-env"].url, "token_env": "FLEET_BY_ENV_TOKEN"},
        {"name": "by-file", "url": sims["by-file"].url, "token_file": "tokens/by-file.token"},
        {"name": "by-vault", "url": sims["by-vault"].url, "token": "VAULTED"},
        {"name": "tls", "url": sims["tls"].url, "token_env": "FLEET_TLS_TOKEN", "ca_path": "certs/tls-ca.pem"},
    ]}
    path = write_inventory(tmp_path, config)
    path.write_text(path.read_text().replace(
        "VAULTED", vault_encrypted(TOKENS["by-vault"], password_file).replace("\n", "\n      ")))
    env = {"FLEET_BY_ENV_TOKEN": TOKENS["by-env"], "FLEET_TLS_TOKEN": TOKENS["tls"],
           "ANSIBLE_VAULT_PASSWORD_FILE": str(password_file)}
    return sims, path, env


def assert_no_token_in(text):
    for token in TOKENS.values():
        assert token not in text
        assert token.split("-", 1)[1] not in text


def test_a_play_over_the_fleet_needs_no_connection_settings(fleet, run_playbook):
    sims, path, env = fleet
    for sim in sims.values():
        sim.reset_requests()
    result = run_playbook(FLEET_PLAY, inventory=path, env=env, verbosity=4)
    assert result.rc == 0, result.output
    for name, sim in sims.items():
        assert result.task("Module, lookups and inventory agree", host=name).get("failed") is not True
        assert result.task(CHECK_TASK, host=name)["outcome"] == "passed"
        # Every request after the inventory's, by every module, lookup and the role, with this deployment's owner.
        assert sim.request_count() > 9
        assert set(request["user"] for request in sim.requests) == {"admin"}, (name, sim.requests)
    assert_no_token_in(result.output)


def test_the_inventory_hands_over_connection_settings_but_no_plaintext_token(fleet):
    sims, path, env = fleet
    inventory, warnings = listed(path, env=env)
    hostvars = inventory["_meta"]["hostvars"]
    assert [name for name, host in hostvars.items() if host["coder_reachable"]] == list(TOKENS)

    def plain(value):
        return value["__ansible_unsafe"] if isinstance(value, dict) and "__ansible_unsafe" in value else value

    connection = dict((name, dict((key, plain(value)) for key, value in host.items() if key.startswith("ansible_coder_")))
                      for name, host in hostvars.items())
    directory = path.parent
    assert connection["by-env"] == {"ansible_coder_url": sims["by-env"].url, "ansible_coder_timeout": 10,
                                    "ansible_coder_retries": 0, "ansible_coder_token_env": "FLEET_BY_ENV_TOKEN"}
    assert connection["by-file"]["ansible_coder_token_file"] == str(directory / "tokens" / "by-file.token")
    assert connection["tls"]["ansible_coder_ca_path"] == str(directory / "certs" / "tls-ca.pem")
    # The vault-encrypted token is passed on as the file has it, still encrypted.
    vaulted = connection["by-vault"]["ansible_coder_token"]
    assert set(vaulted) == {"__ansible_vault"} and vaulted["__ansible_vault"].startswith("$ANSIBLE_VAULT;1.1;AES256")
    assert_no_token_in(json.dumps(inventory) + warnings)

    for args in (("--host", "by-vault"), ("--list", "--yaml"), ("--list", "-vvvv")):
        shown = run_inventory(path, *args, env=env)
        assert shown.returncode == 0, shown.stderr
        assert_no_token_in(shown.stdout + shown.stderr)


def test_the_module_on_a_remote_host_reads_the_token_there(fleet, run_playbook):
    """token_env names a variable of the host the module runs on: here only the task's environment has it."""
    sims, path, env = fleet
    env = dict(env)
    del env["FLEET_BY_ENV_TOKEN"]
    result = run_playbook("""
- hosts: by-env
  connection: remote_local
  gather_facts: false
  tasks:
    - name: Read the config on the remote host
      coder.coderd.deployment_config_info:
        keys: [CODER_ACCESS_URL]
      environment:
        FLEET_BY_ENV_TOKEN: %s
""" % TOKENS["by-env"], inventory=path, env=dict(env, ANSIBLE_INJECT_INVOCATION="1", ANSIBLE_CONNECTION_PLUGINS=str(
        Path(__file__).resolve().parent / "connection_plugins")))
    assert result.rc == 0, result.output
    task = result.task("Read the config on the remote host")
    assert task["selected"]["CODER_ACCESS_URL"] == "https://coder.example.com"
    # A module run reports its arguments: the name of the variable, not the token.
    assert task["invocation"]["module_args"]["token_env"] == "FLEET_BY_ENV_TOKEN"
    assert task["invocation"]["module_args"]["token"] is None


@pytest.mark.parametrize("entry, problem", [
    ({"token_env": "FLEET_UNSET_TOKEN"}, "token_env: environment variable FLEET_UNSET_TOKEN is not set"),
    ({"token_file": "tokens/missing.token"}, "token_file: cannot read <dir>/tokens/missing.token (No such file"),
    ({"token_env": "FLEET_TLS_TOKEN", "ca_path": "certs/missing-ca.pem"},
     "ca_path: cannot read <dir>/certs/missing-ca.pem (No such file or directory)"),
])
def test_an_entry_whose_token_or_ca_cannot_be_read_is_one_unreachable_host(fleet, run_playbook, entry, problem):
    sims, path, env = fleet
    # First in the file: the entries after it still proceed.
    broken = yaml.safe_dump([dict(entry, name="broken", url=sims["tls"].url)])
    path.write_text(path.read_text().replace("deployments:\n", "deployments:\n" + broken))
    problem = problem.replace("<dir>", str(path.parent))

    inventory, warnings = listed(path, env=env)
    hostvars = inventory["_meta"]["hostvars"]
    assert [name for name, host in hostvars.items() if not host["coder_reachable"]] == ["broken"]
    error = hostvars["broken"]["coder_error"]["__ansible_unsafe"]
    assert error.startswith("%s: %s" % (sims["tls"].url, problem)) and "\n" not in error
    assert "Coder deployment broken could not be read, coder_reachable is false: %s" % error in unwrapped(warnings)

    result = run_playbook(FLEET_PLAY, inventory=path, env=env)
    assert result.rc == 2, result.output
    statuses = dict((record["host"], record["status"]) for record in result.results
                    if record["task"] == "Gather the facts again")
    assert statuses == dict(dict.fromkeys(TOKENS, "ok"), broken="failed")
    message = result.task("Gather the facts again", host="broken")["msg"]
    assert message.startswith(problem) and "\n" not in message, message
    for name in TOKENS:
        assert result.task(CHECK_TASK, host=name)["outcome"] == "passed"
    assert_no_token_in(result.output)
