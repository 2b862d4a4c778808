# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: update_check
author: coder.coderd contributors (@coder-coderd)
version_added: 1.0.0
short_description: Whether a Coder deployment runs the newest release
description:
  - Reads C(GET /api/v2/updatecheck), a public endpoint, like M(coder.coderd.update_check_info).
  - When the deployment has update checks turned off, the server answers V(current=true) with its own version.
  - Without terms, returns the whole answer (C(current), C(version), C(url)); with terms, the fields they name.
options:
  _terms:
    description: Fields to return instead of the whole object (V(current), V(version), V(url)).
    type: list
    elements: str
extends_documentation_fragment:
  - coder.coderd._connection
  - coder.coderd._connection.plugins
  - coder.coderd._lookup
seealso:
  - module: coder.coderd.update_check_info
'''

EXAMPLES = r'''
- name: Warn when a newer Coder release exists
  ansible.builtin.debug:
    msg: "Coder {{ lookup('coder.coderd.update_check', 'version') }} is available"
  when: not lookup('coder.coderd.update_check', 'current')
'''

RETURN = r'''
_raw:
  description:
    - Without terms, one element, the update check (the C(update_check) return value of
      M(coder.coderd.update_check_info)).
    - With terms, the value of each field named.
  type: list
  elements: raw
  sample: [{current: true, version: v2.34.3, url: "https://github.com/coder/coder/releases/tag/v2.34.3"}]
'''

from ansible_collections.coder.coderd.plugins.plugin_utils._lookup import CoderLookup, pick_fields


class LookupModule(CoderLookup):

    def fetch(self, deployment, terms):
        return pick_fields(deployment.update_check(), terms, 'the update check')
