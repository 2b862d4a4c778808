# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: deployment_ssh
author: coder.coderd contributors (@coder-coderd)
version_added: 1.0.0
short_description: Read a Coder deployment's SSH configuration
description:
  - Reads C(GET /api/v2/deployment/ssh) (any signed-in user), like M(coder.coderd.deployment_ssh_info).
  - Without terms, returns the whole SSH configuration; with terms, the fields they name.
options:
  _terms:
    description:
      - Fields to return instead of the whole object (V(hostname_prefix), V(hostname_suffix),
        V(ssh_config_options)).
    type: list
    elements: str
extends_documentation_fragment:
  - coder.coderd._connection
  - coder.coderd._connection.plugins
  - coder.coderd._lookup
seealso:
  - module: coder.coderd.deployment_ssh_info
'''

EXAMPLES = r'''
- name: Make the folder of the SSH configuration parts
  ansible.builtin.file:
    path: ~/.ssh/config.d
    state: directory
    mode: "0700"

- name: Write an SSH host pattern for Coder workspaces
  ansible.builtin.copy:
    dest: ~/.ssh/config.d/coder
    content: |
      Host *.{{ lookup('coder.coderd.deployment_ssh', 'hostname_suffix') }}
        ProxyCommand coder ssh --stdio %h
    mode: "0600"
'''

RETURN = r'''
_raw:
  description:
    - Without terms, one element, the SSH configuration (the C(ssh) return value of
      M(coder.coderd.deployment_ssh_info)).
    - With terms, the value of each field named.
  type: list
  elements: raw
  sample: [{hostname_prefix: "coder.", hostname_suffix: "coder", ssh_config_options: {}}]
'''

from ansible_collections.coder.coderd.plugins.plugin_utils._lookup import CoderLookup, pick_fields


class LookupModule(CoderLookup):

    def fetch(self, deployment, terms):
        return pick_fields(deployment.ssh(), terms, 'the SSH configuration')
