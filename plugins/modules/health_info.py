#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: health_info
short_description: Read the health report of a Coder deployment
version_added: 1.1.0
description:
  - Reads C(GET /api/v2/debug/health), the report behind the dashboard's health page, normalized like the other
    facts of the collection.
  - The server checks its access URL, DERP relays and STUN, websockets, the database, workspace proxies and
    provisioner daemons; each check gives a section with a severity (V(ok), V(warning) or V(error)), coded
    warnings such as C(EDB02), an error and whether an admin dismissed it in Coder.
  - Only a token of a user with the owner role may read the report; any other token fails with one line
    saying so.
  - The server keeps its last report for a while (E(CODER_HEALTH_CHECK_REFRESH), 10 minutes by default) and
    answers from it. When that report is older, and with O(force), it first runs every check, which can take
    up to 30 seconds. If the checks do not finish in 30 seconds the server answers that it timed out, with
    which checks completed and which were still running; the checks then go on and fill its cache.
author:
  - coder.coderd contributors (@coder-coderd)
extends_documentation_fragment:
  - coder.coderd._connection
  - coder.coderd._attributes
  - coder.coderd._attributes.info_module
options:
  force:
    description:
      - Have the server run its checks now instead of answering from its last report.
      - A forced run can take up to 30 seconds, and runs the checks for every caller at once.
    type: bool
    default: false
  health_timeout:
    description:
      - Seconds to wait for the report. It replaces the connection option O(timeout) for this request only,
        because the server may run its checks (up to 30 seconds) before it answers; keep it above 30.
      - A timed out run (HTTP 503) is retried like other failed reads (O(retries)); each try may take this long.
    type: float
    default: 60
notes:
  - The health report of Coder releases before v2.5 has no severities; a section is then V(error) when it is
    unhealthy and V(ok) otherwise. Sections a release does not have are absent.
  - Dismissing a section in Coder marks it C(dismissed) and changes nothing else, like in the dashboard;
    Coder never marks C(provisioner_daemons) dismissed, even when its health settings list it.
seealso:
  - module: coder.coderd.deployment_info
  - plugin: coder.coderd.health
    plugin_type: lookup
  - name: Coder health check documentation
    description: What each health code means and how to fix it.
    link: https://coder.com/docs/admin/monitoring/health-check
'''

EXAMPLES = r'''
- name: Read the deployment's health
  coder.coderd.health_info:
    url: https://coder.example.com
    token: "{{ coder_token }}"
  register: coder_health

- name: Fail unless every check is ok or only warns
  ansible.builtin.assert:
    that: coder_health.health.severity in ['ok', 'warning']
    fail_msg: "Coder is unhealthy: {{ coder_health.health.codes | join(', ') }}"

- name: Run the checks now rather than read the server's last report
  coder.coderd.health_info:
    force: true
    health_timeout: 45
  register: coder_health

- name: List the sections that are not ok and not dismissed
  ansible.builtin.debug:
    msg: "{{ coder_health.health.sections | dict2items | rejectattr('value.dismissed')
             | rejectattr('value.severity', 'eq', 'ok') | map(attribute='key') }}"
'''

RETURN = r'''
health:
  description: The health report.
  returned: success
  type: dict
  contains:
    time:
      description: When the server ran the checks (RFC 3339), not when it was asked.
      type: str
      sample: "2026-06-20T09:14:07.512874911Z"
    healthy:
      description:
        - Coder's own verdict, false when a section's severity is V(error) or the access URL's is V(warning).
        - Coder deprecates it for RV(health.severity).
      type: bool
      sample: true
    severity:
      description: The worst severity of all sections, V(ok), V(warning) or V(error).
      type: str
      sample: warning
    coder_version:
      description: The version of the server that made the report.
      type: str
      sample: v2.34.3+4653f32
    sections:
      description:
        - Each section the server sent, by name (C(access_url), C(database), C(derp), C(provisioner_daemons),
          C(websocket), C(workspace_proxy), and any a newer Coder adds).
        - Each has C(severity), C(dismissed), C(warnings) (a list of C(code) and C(message)), C(error) (a text
          starting with its code, or null), C(codes) (of its warnings and error, sorted), and the section's own
          details as the server sends them with lower-case keys and durations in seconds (for example the
          database's C(latency) and C(threshold), a DERP node's C(round_trip_ping)).
      type: dict
      sample:
        database:
          severity: warning
          dismissed: false
          warnings: [{code: EDB02, message: median database ping above threshold}]
          error: null
          codes: [EDB02]
          healthy: true
          reachable: true
          latency: 0.021374906
          threshold: 0.015
    codes:
      description: The codes of all sections, sorted, each once; see the Coder health check documentation.
      type: list
      elements: str
      sample: [EDB02, EDERP01, EPD02]
    unknown_sections:
      description: Sections this collection does not know (from a newer Coder); they are in RV(health.sections).
      type: list
      elements: str
      sample: []
    unknown_codes:
      description: Codes this collection does not know (from a newer Coder); they are in RV(health.codes).
      type: list
      elements: str
      sample: []
'''

from ansible_collections.coder.coderd.plugins.module_utils._module import run_module


def main():
    run_module('health_info')


if __name__ == '__main__':
    main()
