# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: deployment_stats
author: coder.coderd contributors (@coder-coderd)
version_added: 1.0.0
short_description: Read a Coder deployment's workspace and session statistics
description:
  - Reads C(GET /api/v2/deployment/stats) (owners and auditors), like M(coder.coderd.deployment_stats_info), with
    lower-case keys (C(p50), C(p95)) and timestamps as strings.
  - A freshly started server answers "still processing" until it has computed the statistics; the lookup waits
    for them, at most O(processing_timeout) seconds.
  - Without terms, returns the whole statistics; with terms, the fields they name.
options:
  _terms:
    description:
      - Fields to return instead of the whole object, for example V(workspaces.running) or
        V(workspaces.connection_latency_ms.p95).
    type: list
    elements: str
  processing_timeout:
    description: Seconds to wait while the server is still computing its statistics.
    type: float
    default: 30
extends_documentation_fragment:
  - coder.coderd._connection
  - coder.coderd._connection.plugins
  - coder.coderd._lookup
seealso:
  - module: coder.coderd.deployment_stats_info
'''

EXAMPLES = r'''
- name: Show how many workspaces run
  ansible.builtin.debug:
    msg: "{{ lookup('coder.coderd.deployment_stats', 'workspaces.running') }} workspaces are running"

- name: Read the latency figures of a deployment that has just started
  ansible.builtin.set_fact:
    coder_latency: "{{ lookup('coder.coderd.deployment_stats', 'workspaces.connection_latency_ms', processing_timeout=60) }}"
'''

RETURN = r'''
_raw:
  description:
    - Without terms, one element, the statistics (the C(stats) return value of M(coder.coderd.deployment_stats_info)).
    - With terms, the value of each field named.
  type: list
  elements: raw
  sample: [{workspaces: {running: 3, connection_latency_ms: {p50: 32.56, p95: 15.21}}, session_count: {ssh: 2}}]
'''

from ansible_collections.coder.coderd.plugins.plugin_utils._lookup import CoderLookup, pick_fields


class LookupModule(CoderLookup):

    def fetch(self, deployment, terms):
        stats = deployment.stats(self.get_option('processing_timeout'))
        return pick_fields(stats, terms, 'the deployment statistics')
