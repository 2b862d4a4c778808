#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: api_root_info
short_description: Check that a Coder deployment's API answers
version_added: 1.0.0
description:
  - Reads C(GET /api/v2/), a public endpoint (no token needed) that answers with a fixed greeting.
  - A cheap reachability check of the API itself, through any proxy in between; to wait until a
    starting deployment answers, use M(coder.coderd.wait_for) instead.
author:
  - coder.coderd contributors (@coder-coderd)
extends_documentation_fragment:
  - coder.coderd._connection
  - coder.coderd._attributes
  - coder.coderd._attributes.info_module
seealso:
  - module: coder.coderd.wait_for
  - module: coder.coderd.deployment_info
'''

EXAMPLES = r'''
- name: Check that the Coder API answers
  coder.coderd.api_root_info:
    url: https://coder.example.com
  register: coder_root

- name: Show the greeting
  ansible.builtin.debug:
    msg: "{{ coder_root.api_root.message }}"

- name: Check the API behind an authenticating proxy, the connection set once
  module_defaults:
    group/coder.coderd.coderd:
      url: https://coder.example.com
      headers:
        X-Proxy-Auth: "{{ proxy_token }}"
  block:
    - name: Check that the Coder API answers
      coder.coderd.api_root_info:
'''

RETURN = r'''
api_root:
  description: The API root's answer.
  returned: success
  type: dict
  contains:
    message:
      description: The greeting the server sends.
      type: str
      sample: "👋"
'''

from ansible_collections.coder.coderd.plugins.module_utils._module import run_module


def main():
    run_module('api_root_info')


if __name__ == '__main__':
    main()
