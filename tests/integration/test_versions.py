"""A fleet of mixed Coder releases: facts, drift checks and baselines on each release the simulator plays.

Every simulator here answers like one Coder release (state key ``coder_version``); the tests read
the facts and checks that ansible-playbook registers.
"""

import json
import sys


from coder_sim import DEFAULT_TOKENS
from core_output import messages
from plays import CONNECTED_PLAY

RELEASES = ("v2.10.3", "v2.16.1", "v2.24.3", "v2.29.4", "v2.34.3", "v2.36.1")
HOURS = 3600
# Not the default, so that the value visibly comes from each deployment.
DEPLOYMENT = {"CODER_MAX_TOKEN_LIFETIME": "720h", "CODER_SECURE_AUTH_COOKIE": "true"}

FACTS_PLAY = """
- hosts: all
  connection: local
  gather_facts: false
  tasks:
    - name: Gather facts
      coder.coderd.deployment_info:
        url: "{{ coder_url }}"
        token: "{{ coder_token }}"
        include_options: true
"""


def gather(run_playbook, coder_sim_factory):
    """{coder_version: the coder facts deployment_info gathered from a simulator of that release}."""
    hosts = {}
    for version in RELEASES:
        sim = coder_sim_factory(state={"coder_version": version, "deployment": DEPLOYMENT})
        hosts[version] = {"coder_url": sim.url, "ansible_python_interpreter": sys.executable}
    result = run_playbook(FACTS_PLAY, extra_vars={"coder_token": DEFAULT_TOKENS["owner"]},
                          inventory=json.dumps({"all": {"hosts": hosts}}, indent=2))
    assert result.rc == 0, result.output
    return dict((version, result.task("Gather facts", host=version)["ansible_facts"]["coder"]) for version in RELEASES)


def test_facts_are_right_on_each_release(run_playbook, coder_sim_factory):
    facts = gather(run_playbook, coder_sim_factory)

    # Fields a release does not send are absent, never invented.
    old = facts["v2.10.3"]["build"]
    for field in ("telemetry", "deployment_id", "provisioner_api_version", "webpush_public_key"):
        assert field not in old, field
    assert (old["version"], old["agent_api_version"]) == ("v2.10.3", "1.0")
    assert "webpush_public_key" not in facts["v2.16.1"]["build"]
    assert facts["v2.16.1"]["build"]["telemetry"] is True
    assert facts["v2.36.1"]["build"]["provisioner_api_version"] == "1.18"
    assert "hostname_suffix" not in facts["v2.16.1"]["ssh"]
    assert facts["v2.24.3"]["ssh"]["hostname_suffix"] == "coder"

    # Settings that moved are also where the newest release keeps them: one path for the fleet.
    for version in RELEASES:
        config = facts[version]["config"]
        assert config["session_lifetime"]["max_token_lifetime"] == 720 * HOURS, version
        assert config["http_cookies"]["secure_auth_cookie"] is True, version
        assert isinstance(config["external_auth"], list), version
    # An old release keeps its own layout too, normalized alike (seconds, not nanoseconds).
    old_config = facts["v2.10.3"]["config"]
    assert (old_config["max_token_lifetime"], old_config["secure_auth_cookie"]) == (720 * HOURS, True)
    assert "max_admin_token_lifetime" not in old_config["session_lifetime"]
    assert "max_token_lifetime" not in facts["v2.36.1"]["config"]

    # Before v2.24 every user, owners too, gets the deployment-wide maximum.
    assert facts["v2.16.1"]["token_config"]["max_token_lifetime_seconds"] == 720 * HOURS
    assert facts["v2.24.3"]["token_config"]["max_token_lifetime_seconds"] == 168 * HOURS
    assert facts["v2.10.3"]["experiments"]["available"] == ["shared-ports"]
    assert facts["v2.36.1"]["experiments"]["available"] == ["minimum-implicit-member"]


def test_a_release_without_experiments_available_has_no_available_fact(run_playbook, coder_sim_factory):
    sim = coder_sim_factory(state={"coder_version": "v2.3.0", "deployment": {"CODER_EXPERIMENTS": "oauth2"}})
    result = run_playbook(CONNECTED_PLAY + """
    - name: Read the experiments
      coder.coderd.experiments_info:
      register: experiments
""", extra_vars={"coder_url": sim.url, "coder_token": DEFAULT_TOKENS["owner"]})
    assert result.rc == 0, result.output
    experiments = result.task("Read the experiments")["experiments"]
    assert experiments == {"enabled": ["oauth2"], "unknown": []}


CHECK_PLAY = CONNECTED_PLAY + """
    - name: Check a setting of a newer release
      coder.coderd.deployment_assert:
        desired:
          config:
            CODER_WORKSPACE_HOSTNAME_SUFFIX: coder
            session_lifetime.max_token_lifetime: {le: 30d}
        fail: false
    - name: Hardened baseline
      coder.coderd.deployment_assert:
        baseline: hardened
        fail_on: never
"""


def test_a_check_of_a_setting_the_release_lacks_names_the_release(run_playbook, coder_sim_factory):
    sim = coder_sim_factory(state={"coder_version": "v2.16.1", "deployment": DEPLOYMENT})
    result = run_playbook(CHECK_PLAY, extra_vars={"coder_url": sim.url, "coder_token": DEFAULT_TOKENS["owner"]})
    check = result.task("Check a setting of a newer release")
    records = dict((record["key"], record) for record in check["records"])
    assert records["CODER_WORKSPACE_HOSTNAME_SUFFIX"]["status"] == "error"
    assert records["CODER_WORKSPACE_HOSTNAME_SUFFIX"]["description"] == (
        "error: CODER_WORKSPACE_HOSTNAME_SUFFIX: not a setting of Coder v2.16.1 (added in v2.22)")
    assert records["session_lifetime.max_token_lifetime"]["status"] == "pass"
    assert check["outcome"] == "error"


def test_a_baseline_on_v2_10_skips_the_settings_it_lacks_with_reasons(run_playbook, coder_sim_factory):
    sim = coder_sim_factory(state={"coder_version": "v2.10.3", "deployment": DEPLOYMENT})
    result = run_playbook(CHECK_PLAY, extra_vars={"coder_url": sim.url, "coder_token": DEFAULT_TOKENS["owner"]})
    assert result.rc == 0, result.output
    check = result.task("Hardened baseline")
    skipped = dict((record["key"], record["description"]) for record in check["records"]
                   if record["status"] == "skipped")
    assert skipped == {
        "CODER_MAX_ADMIN_TOKEN_LIFETIME": "skipped: CODER_MAX_ADMIN_TOKEN_LIFETIME: not a setting of Coder v2.10.3 "
                                          "(added in v2.24)",
        "CODER_DANGEROUS_OIDC_SKIP_ISSUER_CHECKS": "skipped: CODER_DANGEROUS_OIDC_SKIP_ISSUER_CHECKS: not a setting "
                                                   "of Coder v2.10.3 (added in v2.11-v2.16)",
        # Coder renamed notifications-email-tls-skip-verify to it; the baseline follows the newest name.
        "CODER_EMAIL_TLS_SKIPVERIFY": "skipped: CODER_EMAIL_TLS_SKIPVERIFY: not a setting of Coder v2.10.3 "
                                      "(added in v2.17-v2.24)",
    }
    assert check["summary"]["skipped"] == 3 and check["summary"]["error"] == 0
    # The setting that moved in v2.11 is checked, not skipped: 720h is over the hardened 168h.
    assert "CODER_MAX_TOKEN_LIFETIME" in [record["key"] for record in check["drift"]]


def test_a_release_newer_than_the_catalog_is_read_with_one_warning(run_playbook, coder_sim_factory):
    sim = coder_sim_factory(state={"coder_version": "v2.37.0", "deployment": DEPLOYMENT})
    result = run_playbook(CONNECTED_PLAY + """
    - name: Gather facts
      coder.coderd.deployment_info:
    - name: Check a setting
      coder.coderd.deployment_assert:
        facts: "{{ ansible_facts.coder }}"
        desired:
          config: {CODER_MAX_TOKEN_LIFETIME: 720h}
""", extra_vars={"coder_url": sim.url, "coder_token": DEFAULT_TOKENS["owner"]})
    assert result.rc == 0, result.output
    facts = result.task("Gather facts")["ansible_facts"]["coder"]
    assert facts["build"]["version"] == "v2.37.0"
    assert facts["config"]["session_lifetime"]["max_token_lifetime"] == 720 * HOURS
    warnings = [line for line in messages(result.output) if "newer than the releases" in line]
    assert warnings == ["[WARNING]: %s runs Coder v2.37.0, newer than the releases this collection knows (up to v2.36): its "
                        "settings are read through its own options list, and settings new in it have no type or "
                        "path here" % sim.url]
