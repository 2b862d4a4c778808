#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: experiments_info
short_description: Read which experiments a Coder deployment has enabled
version_added: 1.0.0
description:
  - Reads C(GET /api/v2/experiments) (the enabled experiments) and C(GET /api/v2/experiments/available)
    (those the server considers safe), both in the same task.
  - The server enables names it does not know, for example a typo in E(CODER_EXPERIMENTS), without complaint;
    C(unknown) lists them so that a playbook can catch it.
  - Any valid token may read it, a member's too.
author:
  - coder.coderd contributors (@coder-coderd)
extends_documentation_fragment:
  - coder.coderd._connection
  - coder.coderd._attributes
  - coder.coderd._attributes.info_module
seealso:
  - module: coder.coderd.deployment_info
  - plugin: coder.coderd.experiments
    plugin_type: lookup
'''

EXAMPLES = r'''
- name: Read the experiments of a deployment
  coder.coderd.experiments_info:
    url: https://coder.example.com
    token: "{{ coder_token }}"
  register: coder_experiments

- name: Fail on experiment names the deployment does not know
  ansible.builtin.assert:
    that: coder_experiments.experiments.unknown | length == 0
    fail_msg: "Unknown experiments enabled: {{ coder_experiments.experiments.unknown | join(', ') }}"

- name: Check production with the connection set once for the group
  module_defaults:
    group/coder.coderd.coderd:
      url: https://coder.example.com
      token: "{{ coder_token }}"
  block:
    - name: Read the experiments of a deployment
      coder.coderd.experiments_info:
      register: coder_experiments

    - name: Make sure no experiments run in production
      ansible.builtin.assert:
        that: coder_experiments.experiments.enabled | length == 0
'''

RETURN = r'''
experiments:
  description: Enabled, available and unknown experiments.
  returned: success
  type: dict
  contains:
    enabled:
      description: The experiments the deployment has enabled, as the server reports them (lower case).
      type: list
      elements: str
      sample: [workspace-usage, foo]
    available:
      description: The experiments the server considers safe to enable (those C(*) enables).
      type: list
      elements: str
      sample: []
    unknown:
      description: Enabled names that are neither a known experiment of Coder nor available.
      type: list
      elements: str
      sample: [foo]
'''

from ansible_collections.coder.coderd.plugins.module_utils._module import run_module


def main():
    run_module('experiments_info')


if __name__ == '__main__':
    main()
