"""The inventory plugin coder.coderd.deployments, run by ansible-inventory / ansible-playbook
against several simulator instances (owner, member token, 50 ms latency, down)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from coder_sim import DEFAULT_TOKENS
from core_output import CORE, unwrapped

REPO = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent / "golden" / "inventory_list.json"
OWNER, MEMBER = DEFAULT_TOKENS["owner"], DEFAULT_TOKENS["member"]
TEMPLATE_TEXT = "{{ lookup('env', 'HOME') }}"
# Stats times and when the inventory read each deployment change from run to run.
STATS_TIMES = ("aggregated_from", "collected_at", "next_update_at", "coder_gathered_at")


def write_inventory(directory, config, name="fleet.coder.yml"):
    path = directory / name
    path.write_text(yaml.safe_dump(dict({"plugin": "coder.coderd.deployments"}, **config), sort_keys=False))
    return path


def run_inventory(path, *args, env=None, timeout=120):
    """ansible-inventory from the test venv, on the laid-out collection, without the caller's Coder settings."""
    collections = os.environ.get("ANSIBLE_COLLECTIONS_PATH") or str(REPO / "build")
    environment = {name: value for name, value in os.environ.items()
                   if not name.startswith(("CODER_", "ANSIBLE_CODER_"))}
    environment.update(ANSIBLE_COLLECTIONS_PATH=collections, ANSIBLE_NOCOLOR="1",
                       CODER_CONFIG_DIR=str(path.parent / "no-coder-login"), **(env or {}))
    command = [str(Path(sys.executable).with_name("ansible-inventory")), "-i", str(path), *args]
    return subprocess.run(command, cwd=path.parent, env=environment, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=timeout, check=False)


def listed(path, *args, **kwargs):
    result = run_inventory(path, "--list", *args, **kwargs)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout), result.stderr


@pytest.fixture
def fleet(coder_sim_factory, refused_url, tmp_path):
    """Four deployments and one whose token file is missing, with the groups the docs suggest."""
    sims = {
        "prod": coder_sim_factory(),
        "edge": coder_sim_factory(latency_ms=50, state={
            "version": "v2.35.0-rc.1+1234567",
            "deployment": {"CODER_EXPERIMENTS": "workspace-usage,oauth2",
                           "CODER_CLI_UPGRADE_MESSAGE": TEMPLATE_TEXT}}),
        "member": coder_sim_factory(),
    }
    urls = dict((name, sim.url) for name, sim in sims.items())
    urls["down"] = refused_url
    config = {
        "timeout": 10,
        "deployments": [
            {"name": "prod", "url": urls["prod"], "token": OWNER},
            {"name": "edge", "url": urls["edge"] + "/api/v2/", "token_env": "EDGE_TOKEN"},
            {"name": "member", "url": urls["member"], "token": MEMBER},
            {"name": "down", "url": urls["down"], "retries": 0},
            {"name": "lost-token", "url": urls["prod"], "token_file": "missing.token"},
        ],
        "keyed_groups": [{"key": "coder_version_minor", "prefix": "coder"},
                         {"key": "coder_experiments_enabled", "prefix": "experiment"}],
        "groups": {"unreachable": "not coder_reachable",
                   "outdated": "not (coder_update_check.current | default(true))"},
        "compose": {"coder_access_url": "coder_config.access_url"},
    }
    return sims, urls, config


def normalized(data, urls, directory):
    """The --list output without what changes between runs: ports, paths, timestamps, unsafe markers."""
    if isinstance(data, dict):
        if set(data) == {"__ansible_unsafe"}:
            return normalized(data["__ansible_unsafe"], urls, directory)
        return dict((key, "<timestamp>" if key in STATS_TIMES else normalized(value, urls, directory))
                    for key, value in data.items())
    if isinstance(data, list):
        return [normalized(item, urls, directory) for item in data]
    if isinstance(data, str):
        for name, url in urls.items():
            data = data.replace(url, "http://%s.sim" % name)
        return data.replace(str(directory), "<inventory_dir>")
    return data


def test_list_matches_the_golden_inventory(fleet, tmp_path):
    sims, urls, config = fleet
    inventory, warnings = listed(write_inventory(tmp_path, config), env={"EDGE_TOKEN": OWNER})
    # ansible-core 2.19 and later name the form of their output there; older cores do not.
    inventory["_meta"].pop("profile", None)
    actual = normalized(inventory, urls, tmp_path)
    hostvars = actual["_meta"]["hostvars"]

    assert [name for name in hostvars if hostvars[name]["coder_reachable"]] == ["edge", "member", "prod"]
    assert (hostvars["prod"]["coder_version_minor"], hostvars["edge"]["coder_version_minor"]) == ("2.34", "2.35")
    assert hostvars["edge"]["coder_build"]["upgrade_message"] == TEMPLATE_TEXT
    assert "coder_error" not in hostvars["prod"] and "coder_errors" not in hostvars["prod"]
    # A member's token reads 7 of the 9 endpoints: the host keeps those facts, and an error per refused one.
    member = hostvars["member"]
    assert (member["coder_version"], member["coder_version_minor"]) == ("v2.34.3+4653f32", "2.34")
    assert member["coder_ssh"]["hostname_suffix"] == "coder" and member["coder_token_config"]["user"] == "me"
    assert "coder_config" not in member and "coder_stats" not in member
    assert sorted(member["coder_errors"]) == ["/api/v2/deployment/config", "/api/v2/deployment/stats"]
    for cause in member["coder_errors"].values():
        assert cause.startswith("HTTP 403: Forbidden. You don't have permission to view this content.")
    assert member["coder_error"].startswith("http://member.sim: 2 endpoints (/api/v2/deployment/config, "
                                            "/api/v2/deployment/stats) failed: HTTP 403: Forbidden.")
    assert "member" in inventory["coder_2_34"]["hosts"]
    down = hostvars["down"]
    assert "/api/v2/users/me/keys/tokens/tokenconfig) failed: cannot connect: connection refused" \
        in down["coder_error"]
    assert "coder_version" not in down and "/api/v2/buildinfo" in down["coder_errors"]
    assert set(down["coder_errors"].values()) == {"cannot connect: connection refused"}
    assert hostvars["lost-token"]["coder_error"].startswith(
        "http://prod.sim: token_file: cannot read <inventory_dir>/missing.token")
    assert hostvars["lost-token"]["coder_errors"] == {}
    assert sorted(inventory["unreachable"]["hosts"]) == ["down", "lost-token"]
    assert inventory["experiment_workspace_usage"]["hosts"] == ["edge"]
    for name in ("down", "lost-token"):
        assert "Coder deployment %s could not be read, coder_reachable is false: " % name in unwrapped(warnings)
    assert ("Coder deployment member answered in part, its host lacks the facts that failed (see coder_errors): "
            "%s: 2 endpoints" % urls["member"]) in unwrapped(warnings)
    for token in (OWNER, MEMBER):
        assert token not in json.dumps(inventory) and token not in warnings
    for sim in sims.values():
        assert sim.request_count() == 9  # every endpoint once; experiments takes two requests

    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(json.dumps(actual, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    assert actual == json.loads(GOLDEN.read_text(encoding="utf-8")), \
        "ansible-inventory --list differs from %s; if the change is intended, rerun with UPDATE_GOLDEN=1" % GOLDEN


def with_cache(config, directory):
    """``config`` with the inventory cache on, in ``directory``."""
    config.update(cache=True, cache_plugin="ansible.builtin.jsonfile", cache_connection=str(directory))
    return config


def test_second_run_with_cache_makes_no_requests(fleet, tmp_path):
    sims, urls, config = fleet
    cache_dir = tmp_path / "cache"
    path = write_inventory(tmp_path, with_cache(config, cache_dir))
    env = {"EDGE_TOKEN": OWNER}

    first = listed(path, env=env)[0]
    assert [sim.request_count() for sim in sims.values()] == [9, 9, 9]
    for sim in sims.values():
        sim.reset_requests()
    second = listed(path, env=env)[0]
    # The first run's facts, gathered_at included, now said to come from the cache.
    assert sorted(name for name, host in second["_meta"]["hostvars"].items() if host.get("coder_from_cache")) == [
        "edge", "prod"]
    for name, host in first["_meta"]["hostvars"].items():
        if name in ("edge", "prod"):
            host["coder_from_cache"] = True
        elif "coder_gathered_at" in host:
            # A deployment that answered in part is not cached: read again, at a later time.
            host["coder_gathered_at"] = second["_meta"]["hostvars"][name]["coder_gathered_at"]
    assert second == first
    # Only the member deployment, which failed, is read again.
    assert dict((name, sim.request_count()) for name, sim in sims.items()) == {"prod": 0, "edge": 0, "member": 9}

    cached = "".join(entry.read_text() for entry in cache_dir.iterdir())
    assert urls["prod"] in cached
    assert OWNER not in cached and MEMBER not in cached

    # Another token for edge, or another file with the same deployments: a different cache entry.
    sims["edge"].reset_requests()
    listed(path, env={"EDGE_TOKEN": DEFAULT_TOKENS["auditor"]})
    assert sims["edge"].request_count() == 9
    sims["prod"].reset_requests()
    listed(write_inventory(tmp_path, config, name="copy.coder.yml"), env=env)
    assert sims["prod"].request_count() == 9


@pytest.mark.skipif(CORE < (2, 19), reason="ansible-inventory has --flush-cache from ansible-core 2.19")
def test_flush_cache_reads_the_deployments_again(fleet, tmp_path):
    sims, urls, config = fleet
    path = write_inventory(tmp_path, with_cache(config, tmp_path / "cache"))
    env = {"EDGE_TOKEN": OWNER}
    listed(path, env=env)
    sims["prod"].reset_requests()
    listed(path, "--flush-cache", env=env)
    assert sims["prod"].request_count() == 9


@pytest.mark.parametrize("option", ["fail_on_error", "strict"])
def test_a_failing_deployment_can_be_fatal(coder_sim_factory, refused_url, tmp_path, option):
    sim = coder_sim_factory()
    down = refused_url
    path = write_inventory(tmp_path, {option: True, "deployments": [
        {"name": "prod", "url": sim.url, "token": OWNER}, {"name": "down", "url": down, "retries": 0}]})
    result = run_inventory(path, "--list", env={"ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED": "true"})
    assert result.returncode != 0
    stderr = unwrapped(result.stderr)
    assert "deployment down: %s: all 8 endpoints (/api/v2/, /api/v2/buildinfo," % down in stderr
    assert "/api/v2/users/me/keys/tokens/tokenconfig) failed: cannot connect: connection refused" in stderr
    assert "Traceback" not in result.stderr


def test_an_entry_gathers_its_own_subsets(coder_sim_factory, tmp_path):
    sims = {"prod": coder_sim_factory(), "member": coder_sim_factory()}
    path = write_inventory(tmp_path, {"gather": ["build", "ssh"], "deployments": [
        {"name": "prod", "url": sims["prod"].url, "token": OWNER},
        {"name": "member", "url": sims["member"].url, "token": MEMBER, "gather": ["all", "!config", "!stats"]}]})
    inventory, warnings = listed(path)
    hostvars = normalized(inventory["_meta"]["hostvars"], {}, tmp_path)
    assert sorted(name for name in hostvars["prod"] if name.startswith("coder_")) == [
        "coder_build", "coder_from_cache", "coder_gathered_at", "coder_reachable", "coder_ssh", "coder_url",
        "coder_version", "coder_version_minor"]
    member = hostvars["member"]
    assert member["coder_reachable"] is True and "coder_error" not in member and "coder_config" not in member
    assert member["coder_update_check"]["current"] is True and member["coder_version_minor"] == "2.34"
    assert sims["prod"].request_count() == 2
    # The 7 endpoints a member may read, each once, and not the two it may not.
    assert sims["member"].request_count() == 7
    assert sims["member"].request_count(path="/api/v2/deployment/config") == 0
    assert "WARNING" not in warnings and MEMBER not in json.dumps(inventory)


def test_fail_on_error_fails_on_a_deployment_that_answered_in_part(coder_sim_factory, tmp_path):
    sim = coder_sim_factory()
    path = write_inventory(tmp_path, {"fail_on_error": True, "deployments": [
        {"name": "member", "url": sim.url, "token": MEMBER}]})
    result = run_inventory(path, "--list", env={"ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED": "true"})
    assert result.returncode != 0
    assert ("deployment member: %s: 2 endpoints (/api/v2/deployment/config, /api/v2/deployment/stats) failed: "
            "HTTP 403: Forbidden." % sim.url) in unwrapped(result.stderr)
    assert MEMBER not in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("config, message", [
    ({"deployments": [{"name": "prod"}]}, "deployments entry #1 (prod): url is missing"),
    ({"deployments": [{"url": "http://127.0.0.1:9", "gather": ["all", "!stat"]}]},
     "deployments entry #1: gather: unknown subset 'stat'; choose from all, api_root, build"),
    ({"deployments": [{"url": "http://127.0.0.1:9", "gather": {"build": True}}]},
     "deployments entry #1: gather must be a list of subset names, such as [all, '!stats']"),
    ({"deployments": [{"url": "http://127.0.0.1:9", "tokn": "x"}]},
     "deployments entry #1: unknown key 'tokn' (did you mean token"),
    ({"deployments": [{"url": "http://127.0.0.1:9"},
                      {"name": "b", "url": "http://127.0.0.1:9", "token": OWNER, "token_file": "t"}]},
     "deployments entry #2 (b): token and token_file are given; use only one of token, token_env, token_file"),
    ({"deploymnets": []}, "top level: unknown key 'deploymnets' (did you mean deployments?)"),
    ({"gather": ["build", "stat"], "deployments": [{"url": "http://127.0.0.1:9"}]}, "unknown subset 'stat'"),
    ({"max_workers": 0, "deployments": [{"url": "http://127.0.0.1:9"}]}, "max_workers must be 1 or more, got 0"),
])
def test_a_wrong_file_fails_with_one_line_naming_entry_and_key(tmp_path, config, message):
    result = run_inventory(write_inventory(tmp_path, config), "--list",
                           env={"ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED": "true"})
    assert result.returncode != 0
    assert message in unwrapped(result.stderr)
    assert OWNER not in result.stderr and "Traceback" not in result.stderr


def test_plays_over_the_fleet_see_api_values_literally(fleet, tmp_path, run_playbook):
    sims, urls, config = fleet
    config["deployments"] = config["deployments"][:2]
    result = run_playbook("""
- name: Use the fleet's facts
  hosts: all
  connection: local
  gather_facts: false
  tasks:
    - name: Show the upgrade message
      ansible.builtin.debug:
        msg: "{{ coder_build.upgrade_message }}"

    - name: Read the build info again through the host's URL
      coder.coderd.build_info:
        url: "{{ coder_url }}"
      register: build

    - name: Check that the inventory and the module agree
      ansible.builtin.assert:
        that: build.build.version == coder_version
""", inventory=write_inventory(tmp_path, config), env={"EDGE_TOKEN": OWNER})
    assert result.rc == 0, result.output
    assert result.task("Show the upgrade message", host="edge")["msg"] == TEMPLATE_TEXT
    assert result.task("Show the upgrade message", host="prod")["msg"] == ""
    assert OWNER not in result.output


def test_a_vault_encrypted_token_is_decrypted(coder_sim_factory, tmp_path):
    sim = coder_sim_factory()
    password_file = tmp_path / "vault-password"
    password_file.write_text("inventory-test-password\n")
    encrypted = subprocess.run(
        [str(Path(sys.executable).with_name("ansible-vault")), "encrypt_string", "--vault-password-file",
         str(password_file), "--name", "token", OWNER], capture_output=True, text=True, check=True).stdout
    path = tmp_path / "vault.coder.yml"
    path.write_text("plugin: coder.coderd.deployments\ngather: [config]\ndeployments:\n  - url: %s\n    %s"
                    % (sim.url, encrypted.replace("\n", "\n    ")))
    inventory = listed(path, "--vault-password-file", str(password_file))[0]
    assert [host["coder_reachable"] for host in inventory["_meta"]["hostvars"].values()] == [True]
    assert sim.requests[-1]["user"] == "admin"


def test_the_login_example_holds_the_deployment_of_the_cli_environment(coder_sim):
    example = REPO / "playbooks" / "inventory" / "login.coder.yml"
    inventory = listed(example, env={"CODER_URL": coder_sim.url, "CODER_SESSION_TOKEN": OWNER})[0]
    host = coder_sim.url.split("//", 1)[1]
    assert inventory["coder_2_34"]["hosts"] == [host]
    hostvars = normalized(inventory["_meta"]["hostvars"][host], {}, example.parent)
    assert hostvars["coder_reachable"] is True and hostvars["coder_token_config"]["max_token_lifetime"] == "168h0m0s"
    assert "coder_stats" not in hostvars
    assert coder_sim.request_count(path="/api/v2/deployment/stats") == 0


def test_gather_health_makes_a_group_per_severity(coder_sim_factory, tmp_path):
    sims = {"ok": coder_sim_factory(), "slow-db": coder_sim_factory(state={"health": {"report": "warnings"}}),
            "broken": coder_sim_factory(state={"health": {"report": "error"}})}
    path = write_inventory(tmp_path, {
        "gather": ["build", "health"],
        "deployments": [{"name": name, "url": sim.url, "token": OWNER} for name, sim in sims.items()],
        "keyed_groups": [{"key": "coder_health.severity", "prefix": "coder_health"}],
    })
    data, _stderr = listed(path)
    groups = dict((group, data[group]["hosts"]) for group in data if group.startswith("coder_health_"))
    assert groups == {"coder_health_ok": ["ok"], "coder_health_warning": ["slow-db"], "coder_health_error": ["broken"]}
    variables = normalized(data["_meta"]["hostvars"]["slow-db"], {}, tmp_path)
    assert variables["coder_health"]["codes"] == ["EDB02", "EDERP01", "EPD02"]
    assert "coder_config" not in variables
