#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: deployment_info
short_description: Gather facts about a Coder deployment from all its General endpoints at once
version_added: 1.0.0
description:
  - Reads every General C(GET) endpoint of a Coder deployment concurrently, each once, and returns
    them normalized as C(ansible_facts.coder).
  - "Normalized means the quirks of the wire format are gone (durations in seconds, URLs as strings,
    C(null) lists as empty lists, omitted zero values filled, C(P50) as C(p50), secrets as
    C({set: true|false}))."
  - Keys of subsets not gathered are absent, never null placeholders.
  - By default any endpoint that fails fails the task. With O(on_error=partial) the task keeps the subsets that
    answered, returns why each other one failed in C(errors), and shows one warning; a member's token, for
    example, reads 7 of the 9 endpoints (not the deployment config and stats).
author:
  - coder.coderd contributors (@coder-coderd)
extends_documentation_fragment:
  - coder.coderd._connection
  - coder.coderd._attributes
  - coder.coderd._attributes.info_module
options:
  gather_subset:
    description:
      - Which parts to gather, like the C(setup) module's option of the same name.
      - V(all), or any of V(api_root), V(build), V(config), V(ssh), V(stats), V(experiments), V(update_check),
        V(token_config); prefix with V(!) to exclude, for example V(!stats).
      - C(config) and C(stats) need a token of an owner or auditor; exclude them for a member's token.
      - V(health), the health report as M(coder.coderd.health_info) returns it, is gathered only when named
        (V(all) leaves it out), because it needs an owner's token and the server may take up to 30 seconds to
        answer; its request waits up to 60 seconds, whatever O(timeout) says.
    type: list
    elements: str
    default: [all]
  user:
    description: Whose token lifetime limit C(token_config) reports; V(me) is the token's owner.
    type: str
    default: me
  include_options:
    description: Also return C(options), the list of every deployment option with its normalized value and source.
    type: bool
    default: false
  processing_timeout:
    description: Seconds to wait while a freshly started server answers that its stats are still processing.
    type: float
    default: 30
  on_error:
    description:
      - What a subset whose endpoint fails does.
      - V(fail) fails the task, with one line naming each failed endpoint and its cause.
      - V(partial) returns the subsets that answered and, in C(errors), why each other one failed; the task is ok
        and shows one warning. It still fails when the deployment did not answer at all (down, refused
        connection, DNS, TLS, timeout, or something other than the Coder API at O(url)).
    type: str
    choices: [fail, partial]
    default: fail
    version_added: 1.1.0
seealso:
  - module: coder.coderd.deployment_assert
  - plugin: coder.coderd.deployments
    plugin_type: inventory
'''

EXAMPLES = r'''
- name: Gather facts about a Coder deployment
  coder.coderd.deployment_info:
    url: https://coder.example.com
    token: "{{ coder_token }}"

- name: Show the version and the access URL
  ansible.builtin.debug:
    msg: "{{ ansible_facts.coder.build.version }} at {{ ansible_facts.coder.config.access_url }}"

- name: Gather what a member's token may read
  coder.coderd.deployment_info:
    gather_subset: ['all', '!config', '!stats']

- name: Gather everything and the health report (an owner's token)
  coder.coderd.deployment_info:
    gather_subset: [all, health]

# With a member's token, config and stats are refused (HTTP 403): keep the rest. The task is ok, warns once,
# and ansible_facts.coder.errors says {config: "/api/v2/deployment/config: HTTP 403: Forbidden. ...",
# stats: "/api/v2/deployment/stats: HTTP 403: Forbidden. ..."}.
- name: Gather whatever this token may read
  coder.coderd.deployment_info:
    on_error: partial

- name: Show what could not be read
  ansible.builtin.debug:
    msg: "{{ item.key }}: {{ item.value }}"
  loop: "{{ ansible_facts.coder.errors | dict2items }}"
'''

RETURN = r'''
ansible_facts:
  description: Facts about the deployment.
  returned: success
  type: dict
  contains:
    coder:
      description: The deployment's facts; keys of subsets not gathered are absent.
      type: dict
      contains:
        url:
          description: The deployment URL used, without C(/api/v2).
          type: str
          sample: https://coder.example.com
        api_root:
          description: The API root's answer.
          type: dict
          sample: {message: "👋"}
        build:
          description: Build information plus C(version_info), as M(coder.coderd.build_info) returns it.
          type: dict
        config:
          description: The normalized deployment configuration.
          type: dict
        options:
          description: Every deployment option (only with O(include_options)).
          type: list
          elements: dict
        ssh:
          description: The SSH configuration of workspaces.
          type: dict
          sample: {hostname_prefix: "coder.", hostname_suffix: "coder", ssh_config_options: {}}
        stats:
          description: Deployment statistics.
          type: dict
        experiments:
          description: Enabled experiments, the safe ones the server offers, and enabled names it does not know.
          type: dict
          sample: {enabled: [], available: [], unknown: []}
        update_check:
          description: Whether the deployment runs the newest release.
          type: dict
          sample: {current: true, version: v2.34.3, url: "https://github.com/coder/coder/releases/tag/v2.34.3"}
        token_config:
          description: The longest lifetime allowed for new API tokens of O(user).
          type: dict
          sample: {user: me, max_token_lifetime_seconds: 604800, max_token_lifetime: 168h0m0s}
        health:
          description:
            - The health report, as M(coder.coderd.health_info) returns it (only when V(health) is named in
              O(gather_subset)).
          type: dict
          version_added: 1.1.0
        errors:
          description:
            - With O(on_error=partial) only, for each subset that failed, one line naming its endpoints and the
              cause; empty when every subset answered. That subset's key is then absent.
          type: dict
          returned: when O(on_error=partial)
          sample:
            config: "/api/v2/deployment/config: HTTP 403: Forbidden. You don't have permission to view ..."
            stats: "/api/v2/deployment/stats: HTTP 403: Forbidden. You don't have permission to view ..."
          version_added: 1.1.0
'''

from ansible_collections.coder.coderd.plugins.module_utils._module import run_module


def main():
    run_module('deployment_info')


if __name__ == '__main__':
    main()
