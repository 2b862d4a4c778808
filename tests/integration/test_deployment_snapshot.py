"""deployment_snapshot run by real ansible-playbook against the simulator.

Three deployments (the default one, a drifted one, one with many experiments and secrets): each
snapshot is valid against the shipped schema, a second run changes nothing, and the deployment
checked against its own snapshot has no drift. The default deployment checked against the
drifted one's snapshot drifts on exactly the settings the two differ in.
"""

import json
import os
from collections import Counter
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from coder_sim import DEFAULT_TOKENS
from plays import CONNECTED_PLAY

REPO = Path(__file__).resolve().parents[2]
SNAPSHOT_ENDPOINTS = Counter({
    "/api/v2/buildinfo": 1, "/api/v2/deployment/config": 1, "/api/v2/deployment/ssh": 1, "/api/v2/experiments": 1,
    "/api/v2/experiments/available": 1})

# Over the default deployment; CODER_API_RATE_LIMIT is set to its default value 512.
DRIFTED = {
    "version": "v2.33.1+0a1b2c3",
    "deployment": {
        "CODER_ACCESS_URL": "https://coder.internal.example.com",
        "CODER_MAX_TOKEN_LIFETIME": "720h",
        "CODER_SESSION_DURATION": "8h",
        "CODER_DISABLE_PASSWORD_AUTH": True,
        "CODER_TLS_MIN_VERSION": "tls13",
        "CODER_SSH_HOSTNAME_PREFIX": "dev.",
        "CODER_WORKSPACE_HOSTNAME_SUFFIX": "dev",
        "CODER_SSH_CONFIG_OPTIONS": "ForwardAgent=yes,ServerAliveInterval 30",
        "CODER_API_RATE_LIMIT": 512,
        "CODER_PROXY_TRUSTED_HEADERS": "X-Forwarded-For,X-Real-IP",
        "CODER_OIDC_GROUP_MAPPING": '{"eng": "engineering", "set": "setters"}',
        "CODER_EXPERIMENTS": "oauth2",
        "CODER_OAUTH2_GITHUB_CLIENT_SECRET": "sim-github-secret-value",
    },
}
# The deprecated CODER_AIBRIDGE_OPENAI_KEY and CODER_NOTIFICATIONS_EMAIL_AUTH_PASSWORD are aliases of
# CODER_AI_GATEWAY_OPENAI_KEY and CODER_EMAIL_AUTH_PASSWORD: one setting each.
SECRETS = {
    "version": "v2.35.0-rc.1+9f8e7d6",
    "deployment": {
        "CODER_EXPERIMENTS": "workspace-usage,web-push,oauth2,mcp-server-http,notifications,not-a-real-one",
        "CODER_OAUTH2_GITHUB_CLIENT_SECRET": "sim-github-secret-value",
        "CODER_TRACE_HONEYCOMB_API_KEY": "sim-honeycomb-secret-value",
        "CODER_PROVISIONER_DAEMON_PSK": "sim-psk-secret-value",
        "CODER_SCIM_AUTH_HEADER": "sim-scim-secret-value",
        "CODER_EXTERNAL_TOKEN_ENCRYPTION_KEYS": "c2ltLWtleS1vbmU=,c2ltLWtleS10d28=",
        "CODER_EMAIL_AUTH_PASSWORD": "sim-mail-secret-value",
        "CODER_NOTIFICATIONS_EMAIL_AUTH_PASSWORD": "sim-mail-secret-value",
        "CODER_AIBRIDGE_OPENAI_KEY": "sim-openai-secret-value",
        "CODER_AI_GATEWAY_ANTHROPIC_KEY": "sim-anthropic-secret-value",
    },
}
STATES = {"default": None, "drifted": DRIFTED, "secrets": SECRETS}
# Per state: the counts returned, and the checks deployment_assert makes of the snapshot (one per
# version, ssh and config entry; two for the exact experiments list).
EXPECTED = {
    "default": (dict(settings=9, secrets=2, experiments=0, ssh=2), 14),
    "drifted": (dict(settings=21, secrets=3, experiments=1, ssh=3), 27),
    "secrets": (dict(settings=18, secrets=10, experiments=6, ssh=2), 23),
}
SECRET_VALUES = ("sim-db-password", "sim-oidc-client-secret", "secret-value", "c2ltLWtleS")

SNAPSHOT_TASK = """
    - name: Snapshot
      coder.coderd.deployment_snapshot:
        dest: "{{ snapshot_dest }}"
"""
CHECK_TASK = """
    - name: Check against the snapshot
      coder.coderd.deployment_assert:
        desired_file: "{{ snapshot_dest }}"
        fail_on: never
"""
SNAPSHOT_PLAY = CONNECTED_PLAY + SNAPSHOT_TASK


def playbook_vars(sim, dest):
    return {"coder_url": sim.url, "coder_token": DEFAULT_TOKENS["owner"], "snapshot_dest": str(dest)}


def shipped_schema():
    with open(str(REPO / "docs" / "desired-state.schema.json"), encoding="utf-8") as handle:
        return json.load(handle)


def assert_no_secret(result, text):
    for value in SECRET_VALUES + (DEFAULT_TOKENS["owner"].split("-", 1)[1],):
        assert value not in text
        assert value not in result.output
        assert value not in json.dumps(result.results)


@pytest.mark.parametrize("name", sorted(STATES))
def test_a_snapshot_is_valid_stable_and_passes_its_own_check(run_playbook, coder_sim_factory, tmp_path, name):
    sim = coder_sim_factory(state=STATES[name])
    dest = tmp_path / "desired.yml"
    first = run_playbook(SNAPSHOT_PLAY, extra_vars=playbook_vars(sim, dest))
    assert first.rc == 0, first.output
    snapshot = first.task("Snapshot")
    counts, checks = EXPECTED[name]
    assert (snapshot["changed"], snapshot["dest"], snapshot["counts"]) == (True, str(dest), counts)
    assert Counter(request["path"] for request in sim.requests) == SNAPSHOT_ENDPOINTS
    text = dest.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=https://raw.githubusercontent.com/coder-coderd/"
                           "coder.coderd/main/docs/desired-state.schema.json\n")
    document = yaml.safe_load(text)
    assert document == snapshot["document"]
    assert list(Draft202012Validator(shipped_schema()).iter_errors(document)) == []
    assert_no_secret(first, text)
    written = os.stat(str(dest))

    second = run_playbook(CONNECTED_PLAY + SNAPSHOT_TASK + CHECK_TASK, extra_vars=playbook_vars(sim, dest))
    assert second.rc == 0, second.output
    assert second.task("Snapshot")["changed"] is False
    # Not even rewritten with the same bytes: the file is the one the first run wrote.
    assert (os.stat(str(dest)).st_ino, os.stat(str(dest)).st_mtime_ns) == (written.st_ino, written.st_mtime_ns)
    assert dest.read_text(encoding="utf-8") == text
    check = second.task("Check against the snapshot")
    assert {status: check["summary"][status] for status in ("total", "pass", "drift", "error")} == {
        "total": checks, "pass": checks, "drift": 0, "error": 0}


def test_the_default_deployment_against_the_drifted_snapshot_drifts_on_exactly_what_differs(
        run_playbook, coder_sim_factory, tmp_path):
    drifted = coder_sim_factory(state=DRIFTED)
    dest = tmp_path / "drifted.yml"
    assert run_playbook(SNAPSHOT_PLAY, extra_vars=playbook_vars(drifted, dest)).rc == 0
    default = coder_sim_factory()
    result = run_playbook(CONNECTED_PLAY + CHECK_TASK, extra_vars=playbook_vars(default, dest))
    assert result.rc == 0, result.output
    check = result.task("Check against the snapshot")
    differing = sorted(env for env in DRIFTED["deployment"] if env != "CODER_API_RATE_LIMIT")
    assert sorted(record["key"] for record in check["drift"]) == sorted(
        differing + ["experiments", "ssh.hostname_prefix", "ssh.hostname_suffix", "ssh.ssh_config_options",
                     "version"])
    assert check["summary"]["error"] == 0
    secret = [record for record in check["drift"] if record["key"] == "CODER_OAUTH2_GITHUB_CLIENT_SECRET"]
    assert (secret[0]["operator"], secret[0]["expected"], secret[0]["actual"]) == ("set", True, {"set": False})


def test_check_mode_writes_nothing_and_diff_shows_the_file(run_playbook, coder_sim, tmp_path):
    dest = tmp_path / "desired.yml"
    diff = {"ANSIBLE_DIFF_ALWAYS": "1"}
    absent = run_playbook(SNAPSHOT_PLAY, extra_vars=playbook_vars(coder_sim, dest), check=True, env=diff)
    assert absent.rc == 0, absent.output
    assert absent.task("Snapshot")["changed"] is True
    assert not dest.exists()
    assert "+version: ~2.34\n" in absent.output
    assert "+  CODER_ACCESS_URL: https://coder.example.com  # Access URL\n" in absent.output

    dest.write_text("version: ~2.33\n", encoding="utf-8")
    outdated = run_playbook(SNAPSHOT_PLAY, extra_vars=playbook_vars(coder_sim, dest), check=True, env=diff)
    assert outdated.task("Snapshot")["changed"] is True
    assert dest.read_text(encoding="utf-8") == "version: ~2.33\n"
    assert "-version: ~2.33\n" in outdated.output and "+version: ~2.34\n" in outdated.output

    written = run_playbook(SNAPSHOT_PLAY, extra_vars=playbook_vars(coder_sim, dest), env=diff)
    assert written.task("Snapshot")["changed"] is True
    assert dest.read_text(encoding="utf-8").startswith("# yaml-language-server: $schema=")
    unchanged = run_playbook(SNAPSHOT_PLAY, extra_vars=playbook_vars(coder_sim, dest), check=True, env=diff)
    assert unchanged.task("Snapshot")["changed"] is False
    assert "+version" not in unchanged.output


def bad_dest(run_playbook, sim, dest):
    result = run_playbook(SNAPSHOT_PLAY, extra_vars=playbook_vars(sim, dest))
    assert result.rc == 2, result.output
    assert "Traceback" not in result.output
    # Refused before any request.
    assert sim.requests == []
    return result.task("Snapshot")["msg"]


def test_a_dest_in_a_missing_directory_fails_in_one_line(run_playbook, coder_sim, tmp_path):
    dest = tmp_path / "missing" / "desired.yml"
    assert bad_dest(run_playbook, coder_sim, dest) == "dest %s: the directory %s does not exist" % (
        dest, tmp_path / "missing")


def test_a_dest_that_is_a_directory_fails_in_one_line(run_playbook, coder_sim, tmp_path):
    assert bad_dest(run_playbook, coder_sim, tmp_path) == "dest %s: is a directory; name the file to write" % tmp_path


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into any directory")
def test_a_dest_in_a_read_only_directory_fails_in_one_line(run_playbook, coder_sim, tmp_path):
    directory = tmp_path / "read-only"
    directory.mkdir()
    directory.chmod(0o555)
    try:
        message = bad_dest(run_playbook, coder_sim, directory / "desired.yml")
    finally:
        directory.chmod(0o755)
    assert message == "dest %s: cannot write to the directory %s: permission denied" % (
        directory / "desired.yml", directory)
