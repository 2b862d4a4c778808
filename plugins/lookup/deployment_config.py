# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: deployment_config
author: coder.coderd contributors (@coder-coderd)
version_added: 1.0.0
short_description: Read Coder deployment settings by any of their names
description:
  - Reads C(GET /api/v2/deployment/config) (owners and auditors) once, however many settings are asked for, and
    returns each setting's normalized value, like M(coder.coderd.deployment_config_info) with O(coder.coderd.deployment_config_info#module:keys).
  - "Values are normalized: durations in seconds, URLs and C(host:port) as strings, unset lists as V([]),
    secrets as V({set: true}) or V({set: false}) (the server never returns them)."
  - Without terms, returns the whole normalized config.
options:
  _terms:
    description:
      - "Settings, each in any key form: JSON path (V(session_lifetime.max_token_lifetime)), environment variable
        (V(CODER_MAX_TOKEN_LIFETIME)), flag (V(max-token-lifetime)), YAML path (V(networking.http.maxTokenLifetime))
        or option name (V(Max Token Lifetime))."
      - An unknown setting fails with the closest matching names.
    type: list
    elements: str
extends_documentation_fragment:
  - coder.coderd._connection
  - coder.coderd._connection.plugins
  - coder.coderd._lookup
seealso:
  - module: coder.coderd.deployment_config_info
  - plugin: coder.coderd.option
    plugin_type: filter
'''

EXAMPLES = r'''
- name: Read three settings with one request
  ansible.builtin.set_fact:
    coder_settings: "{{ query('coder.coderd.deployment_config', 'CODER_ACCESS_URL', 'tls.min_version', 'max-token-lifetime') }}"

- name: Show the access URL
  ansible.builtin.debug:
    msg: "{{ lookup('coder.coderd.deployment_config', 'CODER_ACCESS_URL') }}"

- name: Check that a database URL is configured, without ever seeing it
  ansible.builtin.assert:
    that: lookup('coder.coderd.deployment_config', 'CODER_PG_CONNECTION_URL').set
'''

RETURN = r'''
_raw:
  description:
    - One normalized value per term, in the order given.
    - Without terms, one element, the whole normalized config (the C(config) return value of
      M(coder.coderd.deployment_config_info)).
  type: list
  elements: raw
  sample: ["https://coder.example.com", "tls12", 3155760000]
'''

from ansible_collections.coder.coderd.plugins.plugin_utils._lookup import CoderLookup


class LookupModule(CoderLookup):

    def fetch(self, deployment, terms):
        model = deployment.config_model()
        if not terms:
            return [model.config]
        return [model.resolve(key).value for key in terms]
