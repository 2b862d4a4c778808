# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: health
author: coder.coderd contributors (@coder-coderd)
version_added: 1.1.0
short_description: Read the health report of a Coder deployment
description:
  - Reads C(GET /api/v2/debug/health) like M(coder.coderd.health_info), which describes the report.
  - Only a token of a user with the owner role may read it.
  - Without terms, returns the whole report; with terms, the fields they name (a dotted path for nested fields,
    for example V(sections.database.severity)).
options:
  _terms:
    description: Fields to return instead of the whole report, for example V(severity) or V(codes).
    type: list
    elements: str
  force:
    description:
      - Have the server run its checks now instead of answering from its last report (up to 30 seconds).
    type: bool
    default: false
  health_timeout:
    description:
      - Seconds to wait for the report; it replaces O(timeout) for this request only, because the server may
        run its checks (up to 30 seconds) before it answers.
    type: float
    default: 60
extends_documentation_fragment:
  - coder.coderd._connection
  - coder.coderd._connection.plugins
  - coder.coderd._lookup
seealso:
  - module: coder.coderd.health_info
'''

EXAMPLES = r'''
- name: Stop unless the deployment is healthy
  ansible.builtin.assert:
    that: lookup('coder.coderd.health', 'severity') == 'ok'
    fail_msg: "Coder health codes: {{ lookup('coder.coderd.health', 'codes') | join(', ') }}"

- name: Show the database latency of a fresh run of the checks
  ansible.builtin.debug:
    msg: "{{ lookup('coder.coderd.health', 'sections.database.latency', force=true) }} s"
'''

RETURN = r'''
_raw:
  description:
    - Without terms, one element, the report (the C(health) return value of M(coder.coderd.health_info)).
    - With terms, the value of each field named.
  type: list
  elements: raw
'''

from ansible_collections.coder.coderd.plugins.plugin_utils._lookup import CoderLookup, pick_fields


class LookupModule(CoderLookup):

    def fetch(self, deployment, terms):
        return pick_fields(deployment.health(self.get_option('force'), self.get_option('health_timeout')), terms,
                           'the health report')
