"""deployment_assert refuses a mistaken desired-state document before any request, and checks the
token lifetime limit of the user the document names, whoever's token runs the check."""

import pytest

from coder_sim import DEFAULT_TOKENS

ASSERT_PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Check
      coder.coderd.deployment_assert:
        url: "{{ coder_url }}"
        token: "{{ coder_token }}"
        desired: "{{ document }}"
        fail_on: never
      register: check
"""


@pytest.mark.parametrize('document, line', [
    ({'update_check': {'severity': 'low'}}, 'update_check.severity: unknown key; severity belongs inside the check'),
    ({'config': {'CODER_ACCESS_URL': {'equals': 'https://coder.example.com'}}},
     "config.CODER_ACCESS_URL.equals: unknown operator; did you mean 'eq'?"),
    ({'config': {'CODER_PG_CONNECTION_URL': 'postgres://coder@db/coder'}},
     'config.CODER_PG_CONNECTION_URL: a secret the server never returns; only {set: true} or {set: false}'),
    ({'ssh': {'hostname_prefx': 'coder.'}}, "ssh.hostname_prefx: unknown key; did you mean 'hostname_prefix'?"),
])
def test_a_mistaken_document_is_refused_before_any_request(run_playbook, coder_sim, document, line):
    result = run_playbook(ASSERT_PLAY, extra_vars={"coder_url": coder_sim.url, "coder_token": DEFAULT_TOKENS["owner"],
                                                   "document": document})
    assert result.rc == 2, result.output
    message = result.task("Check")["msg"]
    assert message.splitlines()[0] == "invalid desired state (1 problem):", message
    assert message.splitlines()[1].strip().startswith(line), message
    assert coder_sim.request_count() == 0


@pytest.mark.parametrize('role', ['owner', 'member'])
def test_token_config_checks_the_named_user_whoever_runs_the_check(run_playbook, coder_sim, role):
    # With Coder's defaults an owner may keep tokens for 168h, a member for 876600h: without `user`
    # the same document passes for one token and drifts for the other.
    document = {'token_config': {'user': 'member', 'max_token_lifetime': {'ge': '876600h'}}}
    result = run_playbook(ASSERT_PLAY, extra_vars={"coder_url": coder_sim.url, "coder_token": DEFAULT_TOKENS[role],
                                                   "document": document})
    assert result.rc == 0, result.output
    records = result.task("Check")["records"]
    assert [(record["key"], record["status"], record["actual"]) for record in records] == [
        ("token_config.max_token_lifetime", "pass", "876600h0m0s")]
    # The build info is read for the report's Coder version; no token config but the member's.
    assert sorted(request["path"] for request in coder_sim.requests) == [
        "/api/v2/buildinfo", "/api/v2/users/member/keys/tokens/tokenconfig"]
