"""coder.coderd.health_settings run by real ansible-playbook against the simulator: the dismissed
health checks as code, idempotent, in check mode, with --diff, and refused in one line to non-owners."""

import json
from pathlib import Path

import pytest

from coder_sim import DEFAULT_TOKENS
from plays import CONNECTED_PLAY

PATH = "/api/v2/debug/health/settings"
CONNECTION_PLUGINS = Path(__file__).resolve().parent / "connection_plugins"
DISMISS_TWICE = CONNECTED_PLAY + """
    - name: Dismiss
      coder.coderd.health_settings:
        dismissed: "{{ dismissed }}"
      register: first
    - name: Dismiss again, in another order
      coder.coderd.health_settings:
        dismissed: "{{ dismissed | reverse | list }}"
"""
ONCE = CONNECTED_PLAY + """
    - name: Dismiss
      coder.coderd.health_settings:
        dismissed: "{{ dismissed }}"
"""


def connection(sim, role="owner", **extra):
    return dict(coder_url=sim.url, coder_token=DEFAULT_TOKENS[role], **extra)


def puts(sim):
    return sim.request_count(PATH, "PUT")


def test_changed_once_then_not_and_health_reads_the_dismissals(run_playbook, coder_sim_factory):
    sim = coder_sim_factory(state={"health": {"report": "warnings"}})
    result = run_playbook(DISMISS_TWICE, extra_vars=connection(sim, dismissed=["DERP", "database"]))
    assert result.rc == 0, result.output
    first, second = result.task("Dismiss"), result.task("Dismiss again, in another order")
    assert (first["changed"], first["previous"], first["dismissed"]) == (True, [], ["DERP", "Database"])
    assert (second["changed"], second["previous"]) == (False, ["DERP", "Database"])
    assert puts(sim) == 1
    assert sim.state["health"]["dismissed"] == ["DERP", "Database"]


def test_check_mode_changes_nothing_and_diff_shows_before_and_after(run_playbook, coder_sim_factory):
    sim = coder_sim_factory(state={"health": {"dismissed": ["WorkspaceProxy"]}})
    result = run_playbook(ONCE, extra_vars=connection(sim, dismissed=["DERP"]), check=True,
                          env={"ANSIBLE_DIFF_ALWAYS": "1"})
    assert result.rc == 0, result.output
    task = result.task("Dismiss")
    assert (task["changed"], task["previous"], task["dismissed"]) == (True, ["WorkspaceProxy"], ["DERP"])
    assert puts(sim) == 0 and sim.state["health"]["dismissed"] == ["WorkspaceProxy"]
    assert "-WorkspaceProxy\n+DERP\n" in result.stdout
    assert "changed: [localhost]" in result.stdout


def test_an_empty_list_undismisses_everything(run_playbook, coder_sim_factory):
    sim = coder_sim_factory(state={"health": {"dismissed": ["DERP", "ProvisionerDaemons"]}})
    result = run_playbook(ONCE, extra_vars=connection(sim, dismissed=[]))
    assert result.rc == 0, result.output
    assert (result.task("Dismiss")["changed"], sim.state["health"]["dismissed"]) == (True, [])


@pytest.mark.parametrize("role", ["auditor", "member"])
def test_a_non_owner_gets_one_line_saying_the_owner_role_is_needed(run_playbook, coder_sim, role):
    result = run_playbook(ONCE, extra_vars=connection(coder_sim, role, dismissed=["DERP"]))
    assert result.rc == 2
    assert result.task("Dismiss")["msg"] == (
        "%s GET %s: HTTP 403 Forbidden: the health settings need a token of a user with the owner role (auditors, "
        "template admins and members may neither read nor change them)" % (coder_sim.url, PATH))


def test_an_unknown_section_fails_before_any_request_naming_the_valid_ones(run_playbook, coder_sim):
    result = run_playbook(ONCE, extra_vars=connection(coder_sim, dismissed=["DERP", "Derp"]))
    assert result.rc == 2
    assert result.task("Dismiss")["msg"] == (
        "dismissed: unknown health section 'Derp'; valid: AccessURL, Database, DERP, ProvisionerDaemons, Websocket, "
        "WorkspaceProxy (or the section names of the health facts: access_url, database, derp, "
        "provisioner_daemons, websocket, workspace_proxy)")
    assert coder_sim.request_count(PATH) == 0


def test_the_module_on_a_remote_host_does_the_same_and_shows_no_token(run_playbook, coder_sim):
    inventory = json.dumps({"all": {"hosts": {"remote": {"ansible_connection": "remote_local"}}}}, indent=2)
    result = run_playbook(DISMISS_TWICE.replace("hosts: localhost", "hosts: remote"), inventory=inventory,
                          extra_vars=connection(coder_sim, dismissed=["ProvisionerDaemons"]), verbosity=4,
                          env={"ANSIBLE_CONNECTION_PLUGINS": str(CONNECTION_PLUGINS), "ANSIBLE_DIFF_ALWAYS": "1"})
    assert result.rc == 0, result.output
    assert [result.task(name)["changed"] for name in ("Dismiss", "Dismiss again, in another order")] == [True, False]
    assert "+ProvisionerDaemons" in result.stdout
    assert DEFAULT_TOKENS["owner"].split("-", 1)[1] not in result.output
