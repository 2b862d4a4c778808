#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: wait_for
short_description: Wait until a Coder deployment answers, optionally with a given version
version_added: 1.0.0
description:
  - Polls C(GET /api/v2/) and C(GET /api/v2/buildinfo), both public, until both answer, for example after
    starting or upgrading a deployment.
  - With O(version), also waits until the reported version satisfies that constraint, so a play can wait for
    an upgrade to be rolled out.
  - Gives up after O(wait_timeout) seconds in total and fails with the last problem seen (connection refused,
    HTTP status, wrong version, ...).
  - Each request waits at most the connection option O(timeout) or the time left, whichever is shorter.
    Failed requests are not retried on their own (O(retries) does not apply); the next poll is the retry.
author:
  - coder.coderd contributors (@coder-coderd)
options:
  wait_timeout:
    description:
      - Seconds to wait in total before failing. The task ends at most about one second after this.
      - V(0) checks once.
      - Not to be confused with O(timeout), the bound of each single request.
    type: float
    default: 300
  sleep:
    description: Seconds to pause between two polls.
    type: float
    default: 2
  version:
    description:
      - A version constraint that the deployment's version must satisfy, for example V(>=2.34.3) or V(~2.35),
        in the syntax of the P(coder.coderd.version_satisfies#test) test.
      - Without it, any answer will do.
    type: str
extends_documentation_fragment:
  - coder.coderd._connection
  - coder.coderd._attributes
  - coder.coderd._attributes.info_module
seealso:
  - module: coder.coderd.build_info
  - plugin: coder.coderd.version_satisfies
    plugin_type: test
  - module: ansible.builtin.wait_for
'''

EXAMPLES = r'''
- name: Wait until the deployment answers after a restart
  coder.coderd.wait_for:
    url: https://coder.example.com
    wait_timeout: 120

- name: Wait until the upgrade to 2.35 is live, then check the deployment
  coder.coderd.wait_for:
    url: https://coder.example.com
    version: ">=2.35.0"
    wait_timeout: 600
    sleep: 5
  register: coder_upgrade

- name: Report how long the upgrade took to become visible
  ansible.builtin.debug:
    msg: "{{ coder_upgrade.version }} answered after {{ coder_upgrade.elapsed }}s ({{ coder_upgrade.attempts }} polls)"
'''

RETURN = r'''
elapsed:
  description: Seconds from the first poll until the deployment answered as wanted.
  returned: success
  type: float
  sample: 12.402
version:
  description: The version the deployment reported.
  returned: success
  type: str
  sample: v2.34.3+4653f32
attempts:
  description: How many polls were made, the successful one included.
  returned: success
  type: int
  sample: 7
'''

from ansible_collections.coder.coderd.plugins.module_utils._module import run_module


def main():
    run_module('wait_for')


if __name__ == '__main__':
    main()
