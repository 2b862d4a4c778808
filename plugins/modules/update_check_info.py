#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: update_check_info
short_description: Read whether a Coder deployment runs the newest release
version_added: 1.0.0
description:
  - Reads C(GET /api/v2/updatecheck), a public endpoint (no token needed).
  - The server compares its version with the newest Coder release it last saw on GitHub (it checks at most daily).
  - When the server's update check is off (E(CODER_UPDATE_CHECK=false)), or has not finished yet, the server
    reports itself as current and echoes its own version and source commit URL.
author:
  - coder.coderd contributors (@coder-coderd)
extends_documentation_fragment:
  - coder.coderd._connection
  - coder.coderd._attributes
  - coder.coderd._attributes.info_module
seealso:
  - module: coder.coderd.build_info
  - module: coder.coderd.deployment_info
  - plugin: coder.coderd.update_check
    plugin_type: lookup
'''

EXAMPLES = r'''
- name: Check whether the deployment runs the newest release
  coder.coderd.update_check_info:
    url: https://coder.example.com
  register: coder_update

- name: Tell when an upgrade is available
  ansible.builtin.debug:
    msg: "Coder {{ coder_update.update_check.version }} is out: {{ coder_update.update_check.url }}"
  when: not coder_update.update_check.current

- name: Check with the connection set once for the group
  module_defaults:
    group/coder.coderd.coderd:
      url: https://coder.example.com
  block:
    - name: Check whether the deployment runs the newest release
      coder.coderd.update_check_info:
      register: coder_update
'''

RETURN = r'''
update_check:
  description: The server's update check.
  returned: success
  type: dict
  contains:
    current:
      description: Whether the deployment runs the newest release or a newer version.
      type: bool
      sample: true
    version:
      description: The newest release, or the server's own version when its update check is off.
      type: str
      sample: v2.34.3
    url:
      description: Release page of RV(update_check.version), or the server's source commit when its update check is off.
      type: str
      sample: https://github.com/coder/coder/releases/tag/v2.34.3
'''

from ansible_collections.coder.coderd.plugins.module_utils._module import run_module


def main():
    run_module('update_check_info')


if __name__ == '__main__':
    main()
