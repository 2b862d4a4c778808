#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: deployment_config_info
short_description: Read a Coder deployment's configuration, normalized, whole or by key
version_added: 1.0.0
description:
  - Reads C(GET /api/v2/deployment/config) and returns the configuration normalized, free of the quirks
    of the wire format.
  - Durations are seconds, URLs and host:port values are strings, C(null) lists are empty lists,
    enum values are plain strings, Go field names such as C(DeploymentName) are snake_case, and settings
    the server leaves out because they are V(false), empty or zero are filled in from its options list.
  - "Secrets are never returned; each is reported as C({set: true}) or C({set: false}) instead."
  - Needs the token of an owner or an auditor; any other role gets HTTP 403.
author:
  - coder.coderd contributors (@coder-coderd)
extends_documentation_fragment:
  - coder.coderd._connection
  - coder.coderd._attributes
  - coder.coderd._attributes.info_module
options:
  keys:
    description:
      - Return only these settings, in RV(selected) and RV(settings), instead of the whole RV(config).
      - "Each key may take any form the deployment knows it by: JSON path (V(session_lifetime.max_token_lifetime)),
        environment variable (V(CODER_MAX_TOKEN_LIFETIME)), flag (V(max-token-lifetime) or V(--max-token-lifetime)),
        YAML path (V(networking.http.maxTokenLifetime)) or option name (V(Max Token Lifetime), any case)."
      - An unknown key fails the task with a message that lists close matches.
    type: list
    elements: str
  include_options:
    description:
      - Also return RV(options), every deployment option with its normalized value and where the value came from.
    type: bool
    default: false
seealso:
  - module: coder.coderd.deployment_info
  - module: coder.coderd.deployment_assert
  - plugin: coder.coderd.deployment_config
    plugin_type: lookup
  - plugin: coder.coderd.option
    plugin_type: filter
'''

EXAMPLES = r'''
- name: Read the whole normalized configuration
  coder.coderd.deployment_config_info:
    url: https://coder.example.com
    token: "{{ coder_token }}"
  register: coder_config

- name: Show the access URL and the longest token lifetime in days
  ansible.builtin.debug:
    msg: >-
      {{ coder_config.config.access_url }} allows tokens for
      {{ coder_config.config.session_lifetime.max_token_lifetime // 86400 }} days

- name: Read a few settings, each named the way it is easiest to remember
  coder.coderd.deployment_config_info:
    url: https://coder.example.com
    token: "{{ coder_token }}"
    keys:
      - CODER_ACCESS_URL
      - max-token-lifetime
      - tls.min_version
      - CODER_PG_CONNECTION_URL
  register: coder_settings

- name: Require TLS 1.2 or newer and a configured database
  ansible.builtin.assert:
    that:
      - coder_settings.selected['tls.min_version'] in ['tls12', 'tls13']
      - coder_settings.selected['CODER_PG_CONNECTION_URL'].set

- name: List the options that were set through the environment
  module_defaults:
    group/coder.coderd.coderd:
      url: https://coder.example.com
      token: "{{ coder_token }}"
  block:
    - name: Read the configuration with its options
      coder.coderd.deployment_config_info:
        include_options: true
      register: coder_config

    - name: Show the environment variables in use
      ansible.builtin.debug:
        msg: "{{ coder_config.options | selectattr('value_source', 'equalto', 'env') | map(attribute='env') | list }}"
'''

RETURN = r'''
config:
  description:
    - The normalized configuration, nested as the server nests it.
    - "Durations in seconds, secrets as C({set: true|false}), settings the server omitted filled in."
  returned: success, when O(keys) is not given
  type: dict
  sample:
    access_url: https://coder.example.com
    wildcard_access_url: "*.coder.example.com"
    verbose: false
    experiments: []
    pg_connection_url: {set: true}
    session_lifetime: {max_token_lifetime: 3155760000, max_admin_token_lifetime: 604800}
    tls: {enable: false, min_version: tls12}
    config_ssh: {deployment_name: "coder.", ssh_config_options: []}
selected:
  description:
    - The value of each setting in O(keys), keyed by the key exactly as given.
    - "Values are normalized like those in RV(config); a secret is C({set: true|false})."
  returned: success, when O(keys) is given
  type: dict
  sample:
    CODER_ACCESS_URL: https://coder.example.com
    max-token-lifetime: 3155760000
    tls.min_version: tls12
    CODER_PG_CONNECTION_URL: {set: true}
settings:
  description: What each key in O(keys) resolved to, in the order given.
  returned: success, when O(keys) is given
  type: list
  elements: dict
  contains:
    key:
      description: The key as given.
      type: str
      sample: max-token-lifetime
    resolved_as:
      description: The setting's JSON path in RV(config).
      type: str
      sample: session_lifetime.max_token_lifetime
    name:
      description: The option's name.
      type: str
      sample: Max Token Lifetime
    env:
      description: The option's environment variable.
      type: str
      sample: CODER_MAX_TOKEN_LIFETIME
    flag:
      description: The option's command line flag, without dashes.
      type: str
      sample: max-token-lifetime
    yaml_path:
      description: The option's path in the YAML configuration file.
      type: str
      sample: networking.http.maxTokenLifetime
    type:
      description: The kind of value, one of V(duration), V(url), V(bool), V(int), V(float), V(string),
        V(string-array), V(host:port), V(enum), V(regexp), V(struct) or V(secret).
      type: str
      sample: duration
    value:
      description: "The normalized value; durations in seconds; C({set: true|false}) for a secret."
      type: raw
      sample: 3155760000
    value_source:
      description: Where the server got the value from, V(flag), V(env), V(yaml) or V(default); empty when unset.
      type: str
      sample: default
    secret:
      description: Whether the option is a secret.
      type: bool
      sample: false
    set:
      description: Whether the option has a value from any source.
      type: bool
      sample: true
options:
  description: Every deployment option, hidden ones included.
  returned: success, when O(include_options=true)
  type: list
  elements: dict
  contains:
    name:
      description: The option's name.
      type: str
      sample: Access URL
    description:
      description: The option's description.
      type: str
    env:
      description: The option's environment variable.
      type: str
      sample: CODER_ACCESS_URL
    flag:
      description: The option's command line flag, without dashes.
      type: str
      sample: access-url
    yaml_path:
      description: The option's path in the YAML configuration file.
      type: str
      sample: networking.accessURL
    json_path:
      description: The option's path in RV(config); empty for an option this collection does not know.
      type: str
      sample: access_url
    type:
      description: The kind of value, as in RV(settings[].type).
      type: str
      sample: url
    value:
      description: "The normalized value; C({set: true|false}) for a secret."
      type: raw
      sample: https://coder.example.com
    value_source:
      description: Where the value came from, V(flag), V(env), V(yaml) or V(default); empty when unset.
      type: str
      sample: env
    secret:
      description: Whether the option is a secret.
      type: bool
    hidden:
      description: Whether the option is hidden from the server's help.
      type: bool
'''

from ansible_collections.coder.coderd.plugins.module_utils._module import run_module


def main():
    run_module('deployment_config_info')


if __name__ == '__main__':
    main()
