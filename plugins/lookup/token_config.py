# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: token_config
author: coder.coderd contributors (@coder-coderd)
version_added: 1.0.0
short_description: Read the longest token lifetime a Coder user may request
description:
  - Reads C(GET /api/v2/users/{user}/keys/tokens/tokenconfig) for each user named, like
    M(coder.coderd.token_config_info).
  - The limit depends on the user's roles, not the caller's; owners usually get a shorter one.
  - Members may only ask about themselves; another user then answers "not found".
options:
  _terms:
    description:
      - Users, by username, UUID or V(me) (the owner of the token). Without terms, V(me).
    type: list
    elements: str
extends_documentation_fragment:
  - coder.coderd._connection
  - coder.coderd._connection.plugins
  - coder.coderd._lookup
seealso:
  - module: coder.coderd.token_config_info
'''

EXAMPLES = r'''
- name: Show how long my tokens may live
  ansible.builtin.debug:
    msg: "{{ lookup('coder.coderd.token_config').max_token_lifetime }}"

- name: Compare the limits of two users
  ansible.builtin.debug:
    msg: "{{ query('coder.coderd.token_config', 'admin', 'member') | map(attribute='max_token_lifetime_seconds') }}"
'''

RETURN = r'''
_raw:
  description: One element per user (the C(token_config) return value of M(coder.coderd.token_config_info)).
  type: list
  elements: dict
  contains:
    user:
      description: The user as given.
      type: str
      sample: me
    max_token_lifetime_seconds:
      description: The longest lifetime in seconds.
      type: int
      sample: 604800
    max_token_lifetime:
      description: The same as a Go duration string.
      type: str
      sample: 168h0m0s
    max_token_lifetime_ns:
      description: The same in nanoseconds, as the server sends it.
      type: int
      sample: 604800000000000
'''

from ansible_collections.coder.coderd.plugins.plugin_utils._lookup import CoderLookup


class LookupModule(CoderLookup):

    def fetch(self, deployment, terms):
        return [deployment.token_config(user) for user in terms or ['me']]
