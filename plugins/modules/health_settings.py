#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: health_settings
short_description: Keep the dismissed health checks of a Coder deployment as code
version_added: 1.1.0
description:
  - Makes the list of health checks dismissed in Coder (C(GET|PUT /api/v2/debug/health/settings)) exactly
    O(dismissed). Coder marks a dismissed section of its health report as dismissed, and the dashboard stops
    warning about it; the desired-state section C(health) of M(coder.coderd.deployment_assert) then reports its
    findings as waived.
  - The list is the whole state, so there is no C(state) option; V([]) dismisses nothing. The order does not
    matter, and the list is only sent when it differs from the deployment's as a set.
  - Needs a token of a user with the owner role; any other role gets a one-line error saying so.
  - Coder stores V(ProvisionerDaemons) but does not mark that section dismissed in its health report (up to
    Coder v2.36 at least).
author:
  - coder.coderd contributors (@coder-coderd)
extends_documentation_fragment:
  - coder.coderd._connection
  - coder.coderd._attributes
options:
  dismissed:
    description:
      - The health checks to dismiss, by Coder's names V(AccessURL), V(Database), V(DERP), V(ProvisionerDaemons),
        V(Websocket), V(WorkspaceProxy), or by the section names of the health facts (V(access_url), V(database),
        V(derp), V(provisioner_daemons), V(websocket), V(workspace_proxy)).
      - An unknown name fails the task before any request, with the valid names.
    type: list
    elements: str
    required: true
    aliases: [dismissed_healthchecks]
attributes:
  check_mode:
    description: Reads the current list and reports what would change, without changing it.
    support: full
  diff_mode:
    description: Shows the dismissed checks before and after, one a line.
    support: full
  idempotent:
    description: Changes the list only when it differs from O(dismissed) as a set.
    support: full
'''

EXAMPLES = r'''
- name: Dismiss the DERP checks (this deployment relays through workspace proxies only)
  coder.coderd.health_settings:
    url: https://coder.example.com
    token: "{{ coder_token }}"
    dismissed:
      - DERP

- name: Dismiss nothing, whatever was dismissed in the dashboard
  coder.coderd.health_settings:
    url: https://coder.example.com
    token: "{{ coder_token }}"
    dismissed: []

- name: Keep the list in the inventory, with the section names of the health facts
  coder.coderd.health_settings:
    url: https://coder.example.com
    token: "{{ coder_token }}"
    dismissed: "{{ coder_dismissed_health_checks | default([]) }}"
'''

RETURN = r'''
dismissed:
  description: The dismissed health checks after the task, in Coder's names (in check mode, what they would be).
  returned: success
  type: list
  elements: str
  sample: [DERP]
previous:
  description: The dismissed health checks before the task, in Coder's names.
  returned: success
  type: list
  elements: str
  sample: []
diff:
  description: The dismissed checks before and after, one a line, sorted (shown with C(--diff)).
  returned: success
  type: dict
  sample:
    before: ""
    after: "DERP\n"
    before_header: /api/v2/debug/health/settings (dismissed, before)
    after_header: /api/v2/debug/health/settings (dismissed, after)
'''

from ansible_collections.coder.coderd.plugins.module_utils._module import run_module


def main():
    run_module('health_settings')


if __name__ == '__main__':
    main()
