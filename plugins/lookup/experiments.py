# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: experiments
author: coder.coderd contributors (@coder-coderd)
version_added: 1.0.0
short_description: Read the experiments a Coder deployment has enabled
description:
  - Reads C(GET /api/v2/experiments) and C(GET /api/v2/experiments/available) (any signed-in user), like
    M(coder.coderd.experiments_info).
  - Returns C(enabled) (as the server reports it), C(available) (the experiments that are safe to enable) and
    C(unknown) (enabled names Coder does not know, usually typos).
  - Without terms, returns all three lists in one object; with terms, the lists they name.
options:
  _terms:
    description: Lists to return instead of the whole object (V(enabled), V(available), V(unknown)).
    type: list
    elements: str
extends_documentation_fragment:
  - coder.coderd._connection
  - coder.coderd._connection.plugins
  - coder.coderd._lookup
seealso:
  - module: coder.coderd.experiments_info
'''

EXAMPLES = r'''
- name: Fail when an experiment name is unknown to Coder
  ansible.builtin.assert:
    that: query('coder.coderd.experiments', 'unknown') | flatten | length == 0

- name: Run a task only when the workspace-usage experiment is on
  ansible.builtin.debug:
    msg: workspace usage is tracked
  when: "'workspace-usage' in query('coder.coderd.experiments', 'enabled') | flatten"
'''

RETURN = r'''
_raw:
  description:
    - Without terms, one element with C(enabled), C(available) and C(unknown) (the C(experiments) return value
      of M(coder.coderd.experiments_info)).
    - With terms, each list named.
  type: list
  elements: raw
  sample: [{enabled: [workspace-usage], available: [], unknown: []}]
'''

from ansible_collections.coder.coderd.plugins.plugin_utils._lookup import CoderLookup, pick_fields


class LookupModule(CoderLookup):

    def fetch(self, deployment, terms):
        return pick_fields(deployment.experiments(), terms, 'the experiments')
