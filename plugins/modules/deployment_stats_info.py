#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: deployment_stats_info
short_description: Read a Coder deployment's workspace and session statistics
version_added: 1.0.0
description:
  - Reads C(GET /api/v2/deployment/stats), which the server recomputes periodically (every 30 seconds by
    default) over the last 15 minutes.
  - A freshly started server answers that its stats are still processing until the first computation is done;
    the module then asks again every second, for at most O(processing_timeout) seconds.
  - Latency keys are lower case (C(p50), C(p95)) although the server sends C(P50) and C(P95).
  - Needs the token of an owner or an auditor; any other role gets HTTP 403.
author:
  - coder.coderd contributors (@coder-coderd)
extends_documentation_fragment:
  - coder.coderd._connection
  - coder.coderd._attributes
  - coder.coderd._attributes.info_module
options:
  processing_timeout:
    description:
      - Seconds to wait while the server answers that its stats are still processing.
      - When they are still processing after that, the task fails; V(0) fails at the first such answer.
    type: float
    default: 30
seealso:
  - module: coder.coderd.deployment_info
  - plugin: coder.coderd.deployment_stats
    plugin_type: lookup
'''

EXAMPLES = r'''
- name: Read the deployment statistics
  coder.coderd.deployment_stats_info:
    url: https://coder.example.com
    token: "{{ coder_token }}"
  register: coder_stats

- name: Warn when workspaces failed to build
  ansible.builtin.debug:
    msg: "{{ coder_stats.stats.workspaces.failed }} workspaces failed, median latency {{ coder_stats.stats.workspaces.connection_latency_ms.p50 }} ms"
  when: coder_stats.stats.workspaces.failed > 0

- name: Read the statistics of a server that just started
  module_defaults:
    group/coder.coderd.coderd:
      url: https://coder.example.com
      token: "{{ coder_token }}"
  block:
    - name: Read the deployment statistics, waiting up to two minutes for the first computation
      coder.coderd.deployment_stats_info:
        processing_timeout: 120
      register: coder_stats
'''

RETURN = r'''
stats:
  description: The statistics as of RV(stats.collected_at).
  returned: success
  type: dict
  contains:
    aggregated_from:
      description: Start of the time window of the agent statistics (RFC 3339).
      type: str
      sample: "2023-03-06T19:08:55.211625Z"
    collected_at:
      description: When the server computed these statistics (RFC 3339).
      type: str
      sample: "2023-03-06T19:12:55.211625Z"
    next_update_at:
      description: When the server computes them next (RFC 3339).
      type: str
      sample: "2023-03-06T19:20:55.211625Z"
    workspaces:
      description: Workspace counts by build state, connection latency and traffic.
      type: dict
      contains:
        pending:
          description: Workspaces with a pending build.
          type: int
          sample: 5
        building:
          description: Workspaces being built.
          type: int
          sample: 15
        running:
          description: Running workspaces.
          type: int
          sample: 32
        failed:
          description: Workspaces whose last build failed.
          type: int
          sample: 12
        stopped:
          description: Stopped workspaces.
          type: int
          sample: 16
        connection_latency_ms:
          description: Median (C(p50)) and 95th percentile (C(p95)) connection latency in milliseconds.
          type: dict
          sample: {p50: 32.56, p95: 15.23}
        rx_bytes:
          description: Bytes received by workspace agents.
          type: int
          sample: 15613513253
        tx_bytes:
          description: Bytes sent by workspace agents.
          type: int
          sample: 36113513253
    session_count:
      description: Open sessions by kind.
      type: dict
      sample: {vscode: 128, ssh: 32, jetbrains: 5, reconnecting_pty: 15}
'''

from ansible_collections.coder.coderd.plugins.module_utils._module import run_module


def main():
    run_module('deployment_stats_info')


if __name__ == '__main__':
    main()
