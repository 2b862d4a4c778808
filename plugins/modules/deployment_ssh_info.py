#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: deployment_ssh_info
short_description: Read the SSH settings a Coder deployment gives its workspaces
version_added: 1.0.0
description:
  - Reads C(GET /api/v2/deployment/ssh), the settings C(coder config-ssh) writes into users' SSH configuration.
  - Any valid token may read it, a member's too.
author:
  - coder.coderd contributors (@coder-coderd)
extends_documentation_fragment:
  - coder.coderd._connection
  - coder.coderd._attributes
  - coder.coderd._attributes.info_module
seealso:
  - module: coder.coderd.deployment_info
  - plugin: coder.coderd.deployment_ssh
    plugin_type: lookup
'''

EXAMPLES = r'''
- name: Read the SSH settings of workspaces
  coder.coderd.deployment_ssh_info:
    url: https://coder.example.com
    token: "{{ coder_token }}"
  register: coder_ssh

- name: Show the SSH host name of workspace dev owned by alice
  ansible.builtin.debug:
    msg: "alice/dev is reachable as dev.alice.{{ coder_ssh.ssh.hostname_suffix }}"

- name: Read the SSH settings with the connection set once for the group
  module_defaults:
    group/coder.coderd.coderd:
      url: https://coder.example.com
      token: "{{ coder_token }}"
  block:
    - name: Read the SSH settings of workspaces
      coder.coderd.deployment_ssh_info:
      register: coder_ssh
'''

RETURN = r'''
ssh:
  description: The SSH settings of workspaces.
  returned: success
  type: dict
  contains:
    hostname_prefix:
      description: Prefix of workspace host names in the SSH configuration (deprecated by the server in favour of
        RV(ssh.hostname_suffix)).
      type: str
      sample: coder.
    hostname_suffix:
      description: Suffix of workspace host names, as in C(<workspace>.<owner>.<suffix>); absent before Coder v2.22,
        which does not send it.
      type: str
      sample: coder
    ssh_config_options:
      description: Extra SSH options for workspace hosts, option name to value; empty when none are set.
      type: dict
      sample: {ForwardAgent: "yes"}
'''

from ansible_collections.coder.coderd.plugins.module_utils._module import run_module


def main():
    run_module('deployment_ssh_info')


if __name__ == '__main__':
    main()
