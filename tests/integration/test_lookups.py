"""The lookups, run by real playbooks against the simulator."""


import pytest

from coder_sim import DEFAULT_TOKENS
from plays import local_play

OWNER = DEFAULT_TOKENS["owner"]
MEMBER = DEFAULT_TOKENS["member"]
UNSAFE_TEXT = "{{ lookup('env', 'HOME') }}"


EVERY_LOOKUP = """
- name: Every lookup
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Read
      ansible.builtin.set_fact:
        build: "{{ lookup('coder.coderd.build_info') }}"
        build_fields: "{{ query('coder.coderd.build_info', 'version', 'version_info.minor') }}"
        config: "{{ lookup('coder.coderd.deployment_config') }}"
        settings: "{{ query('coder.coderd.deployment_config', 'access_url', 'CODER_PG_CONNECTION_URL',
                            'networking.http.maxTokenLifetime', 'Max Token Lifetime') }}"
        experiments: "{{ lookup('coder.coderd.experiments') }}"
        unknown_experiments: "{{ query('coder.coderd.experiments', 'unknown') }}"
        tokens: "{{ query('coder.coderd.token_config', 'me', 'member', 'me') }}"
        my_token: "{{ lookup('coder.coderd.token_config') }}"
        update: "{{ lookup('coder.coderd.update_check') }}"
        ssh_prefix: "{{ lookup('coder.coderd.deployment_ssh', 'hostname_prefix') }}"
        ssh: "{{ lookup('coder.coderd.deployment_ssh') }}"
        stats: "{{ lookup('coder.coderd.deployment_stats') }}"
        p95: "{{ lookup('coder.coderd.deployment_stats', 'workspaces.connection_latency_ms.p95') }}"
        raw: "{{ query('coder.coderd.api', '/buildinfo', 'buildinfo', '/api/v2/buildinfo', '/users/me/keys/tokens/tokenconfig') }}"
"""


def test_every_lookup_returns_normalized_data(coder_sim_factory, run_playbook, templated):
    sim = coder_sim_factory(state={"deployment": {"CODER_EXPERIMENTS": "workspace-usage,Not-A-Thing"}})
    run = run_playbook(EVERY_LOOKUP, env={"ANSIBLE_CODER_URL": sim.url, "ANSIBLE_CODER_TOKEN": OWNER})

    assert run.rc == 0, run.output
    facts = run.task("Read")["ansible_facts"]
    assert facts["build"]["version"] == "v2.34.3+4653f32"
    assert facts["build"]["version_info"] == {"major": 2, "minor": 34, "patch": 3, "prerelease": "",
                                              "build": "4653f32"}
    assert facts["build_fields"] == ["v2.34.3+4653f32", 34]
    assert facts["config"]["access_url"] == "https://coder.example.com"
    assert facts["config"]["session_lifetime"]["max_token_lifetime"] == 3155760000
    assert facts["settings"] == ["https://coder.example.com", {"set": True}, 3155760000, 3155760000]
    assert facts["experiments"] == {"enabled": ["workspace-usage", "not-a-thing"], "available": [],
                                    "unknown": ["not-a-thing"]}
    assert facts["unknown_experiments"] == [["not-a-thing"]]
    # The limit follows the target user's roles: the owner gets the admin lifetime.
    assert [(t["user"], t["max_token_lifetime"]) for t in facts["tokens"]] == [
        ("me", "168h0m0s"), ("member", "876600h0m0s"), ("me", "168h0m0s")]
    assert facts["my_token"]["max_token_lifetime_seconds"] == 604800
    assert facts["update"] == {"current": True, "version": "v2.34.3",
                               "url": "https://github.com/coder/coder/releases/tag/v2.34.3"}
    assert facts["ssh_prefix"] == "coder."
    assert facts["ssh"] == {"hostname_prefix": "coder.", "hostname_suffix": "coder", "ssh_config_options": {}}
    assert set(facts["stats"]["workspaces"]["connection_latency_ms"]) == {"p50", "p95"}
    assert facts["p95"] == templated(facts["stats"]["workspaces"]["connection_latency_ms"]["p95"])
    assert [answer.get("version") for answer in facts["raw"][:3]] == ["v2.34.3+4653f32"] * 3
    assert facts["raw"][3] == {"max_token_lifetime": 604800000000000}

    # One request per endpoint per lookup call, however many terms name it.
    assert sim.request_count("/api/v2/users/me/keys/tokens/tokenconfig") == 3  # tokens, my_token, raw
    assert sim.request_count("/api/v2/users/member/keys/tokens/tokenconfig") == 1
    assert sim.request_count("/api/v2/buildinfo") == 3                          # build, build_fields, raw
    assert sim.request_count("/api/v2/deployment/config") == 2
    assert sim.request_count("/api/v2/experiments") == 2
    assert sim.request_count("/api/v2/deployment/stats") == 2


THREE_SETTINGS = local_play("Three settings", [{"name": "Read three settings", "ansible.builtin.set_fact": {
    "settings": "{{ lookup('coder.coderd.deployment_config', 'CODER_ACCESS_URL', 'tls.min_version', 'max-token-lifetime') }}"}}])


def test_three_settings_take_one_request(coder_sim, run_playbook):
    run = run_playbook(THREE_SETTINGS, env={"ANSIBLE_CODER_URL": coder_sim.url, "ANSIBLE_CODER_TOKEN": OWNER})

    assert run.rc == 0, run.output
    assert run.task("Read three settings")["ansible_facts"]["settings"] == [
        "https://coder.example.com", "tls12", 3155760000]
    assert coder_sim.request_count() == 1
    assert coder_sim.request_count("/api/v2/deployment/config") == 1


SOURCES = local_play("Connection sources", [{"name": "Read through the plugin option layer", "ansible.builtin.set_fact": {
    "access_url": "{{ lookup('coder.coderd.deployment_config', 'CODER_ACCESS_URL') }}",
    "raw_root": "{{ lookup('coder.coderd.api', '/') }}"}}])


# Highest precedence first.
SOURCE_ORDER = ("ansible_coder_* vars", "ANSIBLE_CODER_* env", "CODER_* CLI env", "coder login files")


def _configure(source, url, token, env, extra_vars, tmp_path):
    if source == "ansible_coder_* vars":
        extra_vars.update(ansible_coder_url=url, ansible_coder_token=token)
    elif source == "ANSIBLE_CODER_* env":
        env.update(ANSIBLE_CODER_URL=url, ANSIBLE_CODER_TOKEN=token)
    elif source == "CODER_* CLI env":
        env.update(CODER_URL=url, CODER_SESSION_TOKEN=token)
    else:
        login = tmp_path / "coderv2"
        login.mkdir()
        (login / "url").write_text(url + "\n")
        (login / "session").write_text(token + "\n")
        env["CODER_CONFIG_DIR"] = str(login)


@pytest.mark.parametrize("source", SOURCE_ORDER)
def test_each_connection_source_works_and_outranks_the_ones_below(source, coder_sim, refused_url, run_playbook, tmp_path):
    env, extra_vars = {}, {}
    _configure(source, coder_sim.url, OWNER, env, extra_vars, tmp_path)
    # Every source below it points at a dead port, with a token that may not read the config.
    for lower in SOURCE_ORDER[SOURCE_ORDER.index(source) + 1:]:
        _configure(lower, refused_url, MEMBER, env, extra_vars, tmp_path)

    run = run_playbook(SOURCES, env=env, extra_vars=extra_vars)

    assert run.rc == 0, run.output
    facts = run.task("Read through the plugin option layer")["ansible_facts"]
    assert facts["access_url"] == "https://coder.example.com"
    assert facts["raw_root"] == {"message": "\U0001f44b"}
    assert coder_sim.request_count("/api/v2/deployment/config") == 1
    assert OWNER not in run.output


LITERAL = """
- name: Values that look like templates
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Read values holding a template
      ansible.builtin.set_fact:
        message: "{{ lookup('coder.coderd.deployment_config', 'CODER_CLI_UPGRADE_MESSAGE') }}"
        build_message: "{{ lookup('coder.coderd.build_info', 'upgrade_message') }}"
        raw_message: "{{ lookup('coder.coderd.api', '/buildinfo').upgrade_message }}"

    - name: Use them in another template
      ansible.builtin.set_fact:
        combined: "{{ message }}|{{ build_message }}|{{ raw_message }}"
"""


def test_values_holding_templates_come_back_literally(coder_sim_factory, run_playbook):
    sim = coder_sim_factory(state={"deployment": {"CODER_CLI_UPGRADE_MESSAGE": UNSAFE_TEXT}})
    run = run_playbook(LITERAL, env={"ANSIBLE_CODER_URL": sim.url, "ANSIBLE_CODER_TOKEN": OWNER, "HOME": "/nowhere"})

    assert run.rc == 0, run.output
    assert run.task("Read values holding a template")["ansible_facts"] == {
        "message": UNSAFE_TEXT, "build_message": UNSAFE_TEXT, "raw_message": UNSAFE_TEXT}
    assert run.task("Use them in another template")["ansible_facts"]["combined"] == "|".join([UNSAFE_TEXT] * 3)
    assert "/nowhere" not in run.output


FAILURES = """
- name: Lookups that fail
  hosts: localhost
  gather_facts: false
  vars:
    ansible_coder_url: "{{ url }}"
    ansible_coder_token: "{{ token }}"
  tasks:
    - name: Unknown setting
      ansible.builtin.debug:
        msg: "{{ lookup('coder.coderd.deployment_config', 'CODER_ACESS_URL') }}"
      ignore_errors: true

    - name: Path to another host
      ansible.builtin.debug:
        msg: "{{ lookup('coder.coderd.api', 'https://elsewhere.example.com/api/v2/buildinfo') }}"
      ignore_errors: true

    - name: Path out of the API
      ansible.builtin.debug:
        msg: "{{ lookup('coder.coderd.api', '/../../healthz') }}"
      ignore_errors: true

    - name: Unknown field
      ansible.builtin.debug:
        msg: "{{ lookup('coder.coderd.build_info', 'versoin') }}"
      ignore_errors: true

    - name: Mistyped option
      ansible.builtin.debug:
        msg: "{{ lookup('coder.coderd.build_info', ulr='https://coder.example.com') }}"
      ignore_errors: true

    - name: Forbidden
      ansible.builtin.debug:
        msg: "{{ lookup('coder.coderd.deployment_config', 'CODER_ACCESS_URL', token=member_token) }}"
      ignore_errors: true

    - name: Another user's token config as a member
      ansible.builtin.debug:
        msg: "{{ lookup('coder.coderd.token_config', 'admin', token=member_token) }}"
      ignore_errors: true
"""


def test_failures_are_one_clear_line(coder_sim, run_playbook):
    run = run_playbook(FAILURES, extra_vars={"url": coder_sim.url, "token": OWNER, "member_token": MEMBER})

    assert run.rc == 0, run.output
    messages = dict((record["task"], record["result"]["msg"]) for record in run.results)
    expected = {
        "Unknown setting": "unknown deployment setting 'CODER_ACESS_URL'; did you mean: CODER_ACCESS_URL",
        "Path to another host": "API path 'https://elsewhere.example.com/api/v2/buildinfo' is not allowed",
        "Path out of the API": "API path '/../../healthz' is not allowed",
        "Unknown field": "the build information has no field 'versoin'; its fields are: agent_api_version",
        "Mistyped option": "unknown option ulr; the options are: ca_path, client_cert",
        "Forbidden": "%s GET /api/v2/deployment/config: HTTP 403: Forbidden." % coder_sim.url,
        "Another user's token config as a member":
            "%s GET /api/v2/users/admin/keys/tokens/tokenconfig: HTTP 404: Resource not found" % coder_sim.url,
    }
    for task, text in expected.items():
        assert text in messages[task], task
        assert "\n" not in messages[task]
        assert "Traceback" not in messages[task]
    assert [record["status"] for record in run.results] == ["failed"] * len(expected)
    # Refused paths never leave the controller.
    assert coder_sim.request_count("/api/v2/healthz") == 0
    assert coder_sim.request_count("/api/v2/buildinfo") == 1   # the unknown field, fetched before it was checked
    assert OWNER not in run.output and MEMBER not in run.output
