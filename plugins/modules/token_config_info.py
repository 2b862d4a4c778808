#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: token_config_info
short_description: Read the longest lifetime a Coder deployment allows for a user's API tokens
version_added: 1.0.0
description:
  - Reads C(GET /api/v2/users/{user}/keys/tokens/tokenconfig).
  - The limit depends on the roles of O(user), not of the caller; by default owners get 7 days
    (E(CODER_MAX_ADMIN_TOKEN_LIFETIME)) and everyone else about 100 years (E(CODER_MAX_TOKEN_LIFETIME)).
  - Anyone may read their own limit; reading another user's needs a role that may read users (owner, auditor,
    user admin, template admin). Otherwise the server answers HTTP 404, as if the user did not exist.
author:
  - coder.coderd contributors (@coder-coderd)
extends_documentation_fragment:
  - coder.coderd._connection
  - coder.coderd._attributes
  - coder.coderd._attributes.info_module
options:
  user:
    description:
      - Whose limit to read, as V(me) (the owner of the token), a user name or a user ID.
      - Sent as one URL path segment, encoded, so no value can reach another endpoint.
    type: str
    default: me
seealso:
  - module: coder.coderd.deployment_info
  - plugin: coder.coderd.token_config
    plugin_type: lookup
  - plugin: coder.coderd.duration
    plugin_type: filter
'''

EXAMPLES = r'''
- name: Read the token lifetime limit of the token's owner
  coder.coderd.token_config_info:
    url: https://coder.example.com
    token: "{{ coder_token }}"
  register: coder_tokens

- name: Require that tokens live at most 7 days
  ansible.builtin.assert:
    that: coder_tokens.token_config.max_token_lifetime_seconds <= 7 * 86400
    fail_msg: "Tokens may live {{ coder_tokens.token_config.max_token_lifetime }}"

- name: Read the limit of another user, the connection set once for the group
  module_defaults:
    group/coder.coderd.coderd:
      url: https://coder.example.com
      token: "{{ coder_auditor_token }}"
  block:
    - name: Read the token lifetime limit of the user named member
      coder.coderd.token_config_info:
        user: member  # a username or a user ID
      register: member_tokens
'''

RETURN = r'''
token_config:
  description: The longest lifetime allowed for new API tokens of O(user).
  returned: success
  type: dict
  contains:
    user:
      description: The user as given in O(user).
      type: str
      sample: me
    max_token_lifetime_seconds:
      description: The limit in seconds.
      type: int
      sample: 604800
    max_token_lifetime:
      description: The limit as a Go duration string.
      type: str
      sample: 168h0m0s
    max_token_lifetime_ns:
      description: The limit in nanoseconds, as the server sends it.
      type: int
      sample: 604800000000000
'''

from ansible_collections.coder.coderd.plugins.module_utils._module import run_module


def main():
    run_module('token_config_info')


if __name__ == '__main__':
    main()
