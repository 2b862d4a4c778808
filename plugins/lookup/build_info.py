# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: build_info
author: coder.coderd contributors (@coder-coderd)
version_added: 1.0.0
short_description: Read a Coder deployment's build information
description:
  - Reads C(GET /api/v2/buildinfo), a public endpoint (no token needed), and returns it with the parsed version
    in C(version_info), like M(coder.coderd.build_info).
  - Without terms, returns the whole build information; with terms, the fields they name.
options:
  _terms:
    description:
      - Fields to return instead of the whole object, for example V(version) or a dotted path such as
        V(version_info.minor).
    type: list
    elements: str
extends_documentation_fragment:
  - coder.coderd._connection
  - coder.coderd._connection.plugins
  - coder.coderd._lookup
seealso:
  - module: coder.coderd.build_info
  - plugin: coder.coderd.version_satisfies
    plugin_type: test
'''

EXAMPLES = r'''
- name: Show the version of the deployment the Coder CLI is logged in to
  ansible.builtin.debug:
    msg: "{{ lookup('coder.coderd.build_info', 'version') }}"

- name: Read the whole build information of another deployment
  ansible.builtin.set_fact:
    coder_build: "{{ lookup('coder.coderd.build_info', url='https://coder.example.com') }}"

- name: Run only against Coder 2.30 or newer
  ansible.builtin.debug:
    msg: New enough
  when: lookup('coder.coderd.build_info', 'version') is coder.coderd.version_satisfies('>=2.30')
'''

RETURN = r'''
_raw:
  description:
    - Without terms, one element, the build information (the C(build) return value of M(coder.coderd.build_info)).
    - With terms, the value of each field named.
  type: list
  elements: raw
  sample: [{version: v2.34.3+4653f32, version_info: {major: 2, minor: 34, patch: 3, prerelease: "", build: "4653f32"},
            dashboard_url: "https://coder.example.com"}]
'''

from ansible_collections.coder.coderd.plugins.plugin_utils._lookup import CoderLookup, pick_fields


class LookupModule(CoderLookup):

    def fetch(self, deployment, terms):
        return pick_fields(deployment.build(), terms, 'the build information')
