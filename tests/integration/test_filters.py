"""The filters and the version test, used by a real playbook on facts from the simulator."""

from coder_sim import DEFAULT_TOKENS

OWNER = DEFAULT_TOKENS["owner"]

FILTERS = """
- name: Filters and tests
  hosts: localhost
  gather_facts: false
  vars:
    ansible_coder_url: "{{ url }}"
    ansible_coder_token: "{{ token }}"
  module_defaults:
    group/coder.coderd.coderd:
      url: "{{ url }}"
      token: "{{ token }}"
  tasks:
    - name: Gather facts
      coder.coderd.deployment_info:
        gather_subset: [build, config, token_config, experiments]
        include_options: true

    - name: Durations
      ansible.builtin.set_fact:
        seconds:
          - "{{ '168h0m0s' | coder.coderd.duration }}"
          - "{{ '30d' | coder.coderd.duration }}"
          - "{{ lookup('coder.coderd.api', '/users/me/keys/tokens/tokenconfig').max_token_lifetime | coder.coderd.duration }}"
        spelled:
          - "{{ coder.token_config.max_token_lifetime_seconds | coder.coderd.go_duration }}"
          - "{{ coder.config.session_lifetime.max_token_lifetime | coder.coderd.go_duration }}"
          - "{{ '1h30m' | coder.coderd.go_duration }}"

    - name: Options
      ansible.builtin.set_fact:
        by_env: "{{ coder.options | coder.coderd.option('CODER_MAX_TOKEN_LIFETIME') }}"
        by_yaml: "{{ coder.options | coder.coderd.option('networking.http.maxTokenLifetime') }}"
        by_name: "{{ (coder.options | coder.coderd.option('access url')).value }}"
        secret: "{{ (coder.options | coder.coderd.option('--postgres-url')).value }}"

    - name: Drift
      ansible.builtin.set_fact:
        records: >-
          {{ coder | coder.coderd.drift({
               'build.version': {'version': '>=2.30,<3'},
               'config.access_url': 'HTTPS://coder.example.com:443/',
               'config.tls.min_version': {'in': ['tls12', 'tls13']},
               'token_config.max_token_lifetime_seconds': {'le': '7d'},
               'config.session_lifetime.max_token_lifetime': {'le': '720h'},
               'config.pg_connection_url': {'set': true},
               'experiments.unknown': [],
             }) }}

    - name: Versions
      ansible.builtin.set_fact:
        satisfied:
          - "{{ coder.build.version is coder.coderd.version_satisfies('>=2.30,<3') }}"
          - "{{ coder.build.version is coder.coderd.version_satisfies('~2.34') }}"
          - "{{ coder.build.version is coder.coderd.version_satisfies('>=2.35') }}"
          - "{{ 'v2.35.0-rc.1' is coder.coderd.version_satisfies('>=2.35') }}"
          - "{{ coder.build.version is not coder.coderd.version_satisfies('^3') }}"

    - name: Gate a task on the version
      ansible.builtin.debug:
        msg: runs on 2.x
      when: coder.build.version is coder.coderd.version_satisfies('>=2,<3')

    - name: Bad duration
      ansible.builtin.debug:
        msg: "{{ 'a week' | coder.coderd.duration }}"
      ignore_errors: true

    - name: Bad operator operand
      ansible.builtin.debug:
        msg: "{{ coder | coder.coderd.drift({'config.tls.min_version': {'in': 'tls12'}}) }}"
      ignore_errors: true

    - name: Unknown option
      ansible.builtin.debug:
        msg: "{{ coder.options | coder.coderd.option('CODER_ACESS_URL') }}"
      ignore_errors: true

    - name: Bad constraint
      ansible.builtin.debug:
        msg: "{{ coder.build.version is coder.coderd.version_satisfies('>=two') }}"
      ignore_errors: true
"""


def test_filters_and_test_on_real_facts(coder_sim, run_playbook, templated):
    run = run_playbook(FILTERS, extra_vars={"url": coder_sim.url, "token": OWNER})

    assert run.rc == 0, run.output
    durations = run.task("Durations")["ansible_facts"]
    assert durations["seconds"] == [templated(seconds) for seconds in (604800, 2592000, 604800)]
    assert durations["spelled"] == ["168h0m0s", "876600h0m0s", "1h30m0s"]

    options = run.task("Options")["ansible_facts"]
    assert options["by_env"]["name"] == "Max Token Lifetime"
    assert options["by_env"]["value"] == 3155760000
    assert options["by_yaml"] == options["by_env"]
    assert options["by_name"] == "https://coder.example.com"
    assert options["secret"] == {"set": True}

    records = run.task("Drift")["ansible_facts"]["records"]
    assert [(r["key"], r["operator"], r["status"]) for r in records] == [
        ("build.version", "version", "pass"),
        ("config.access_url", "eq", "pass"),
        ("config.tls.min_version", "in", "pass"),
        ("token_config.max_token_lifetime_seconds", "le", "pass"),
        ("config.session_lifetime.max_token_lifetime", "le", "drift"),
        ("config.pg_connection_url", "set", "pass"),
        ("experiments.unknown", "eq", "pass"),
    ]
    assert records[4]["actual"] == 3155760000
    assert records[4]["expected"] == "720h"

    assert run.task("Versions")["ansible_facts"]["satisfied"] == [True, True, False, False, True]
    assert run.task("Gate a task on the version")["msg"] == "runs on 2.x"

    failures = {
        "Bad duration": "coder.coderd.duration: invalid Go duration 'a week'",
        "Bad operator operand": "coder.coderd.drift: config.tls.min_version: in needs a list of values",
        "Unknown option": "coder.coderd.option: unknown deployment setting 'CODER_ACESS_URL'; did you mean: "
                          "CODER_ACCESS_URL",
        "Bad constraint": "coder.coderd.version_satisfies: invalid version constraint '>=two'",
    }
    for task, text in failures.items():
        result = run.task(task)
        assert text in result["msg"], task
        assert "\n" not in result["msg"]
    assert [record["status"] for record in run.results][-4:] == ["failed"] * 4
