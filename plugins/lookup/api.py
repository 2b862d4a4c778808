# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: api
author: coder.coderd contributors (@coder-coderd)
version_added: 1.0.0
short_description: GET any path of a Coder deployment's API
description:
  - The escape hatch for what the other lookups and modules do not cover, for example
    V(/users/me) or V(/workspaces?q=owner:me).
  - Sends C(GET /api/v2<path>) for each term, with the collection's connection options (token, TLS, retries,
    timeouts), and returns the JSON answer as the server sent it, without any normalization.
  - Secret values in a C(/deployment/config) answer are masked, in case a server ever returns one.
  - A path is relative to C(/api/v2) (a leading C(/api/v2) is accepted too). Paths that could reach another
    host or leave C(/api/v2), such as C(https://other.example.com/), C(//other.example.com) or C(/../), are
    refused.
options:
  _terms:
    description: Paths under C(/api/v2), with an optional query string.
    type: list
    elements: str
    required: true
extends_documentation_fragment:
  - coder.coderd._connection
  - coder.coderd._connection.plugins
  - coder.coderd._lookup
notes:
  - Durations in raw answers are nanoseconds; the P(coder.coderd.duration#filter) filter turns them into seconds.
seealso:
  - module: coder.coderd.deployment_info
  - plugin: coder.coderd.duration
    plugin_type: filter
'''

EXAMPLES = r'''
- name: Read the SSH host name prefix, as the server sends it
  ansible.builtin.debug:
    msg: "{{ lookup('coder.coderd.api', '/deployment/ssh').hostname_prefix }}"

- name: Read the raw deployment config, as the server sends it
  ansible.builtin.set_fact:
    coder_raw_config: "{{ lookup('coder.coderd.api', '/deployment/config') }}"
'''

RETURN = r'''
_raw:
  description: One element per path, the decoded JSON answer.
  type: list
  elements: raw
  sample: [{username: admin, status: active}]
'''

from ansible.errors import AnsibleLookupError

from ansible_collections.coder.coderd.plugins.module_utils._client import check_api_path
from ansible_collections.coder.coderd.plugins.module_utils._config import mask_deployment_config
from ansible_collections.coder.coderd.plugins.plugin_utils._lookup import CoderLookup


class LookupModule(CoderLookup):

    def fetch(self, deployment, terms):
        if not terms:
            raise AnsibleLookupError('coder.coderd.api needs at least one path under /api/v2, e.g. /buildinfo')
        return [self._get(deployment, path) for path in terms]

    @staticmethod
    def _get(deployment, path):
        # One spelling per path, so "buildinfo" and "/api/v2/buildinfo" share one request.
        path = check_api_path(path)
        answer = deployment.get(path)
        if path.split('?', 1)[0].rstrip('/') == '/deployment/config':
            return mask_deployment_config(answer)
        return answer
