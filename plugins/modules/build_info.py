#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: build_info
short_description: Read a Coder deployment's build information and parsed version
version_added: 1.0.0
description:
  - Reads C(GET /api/v2/buildinfo), a public endpoint (no token needed).
  - Adds C(version_info), the parsed version, so playbooks can compare versions without string tricks.
author:
  - coder.coderd contributors (@coder-coderd)
extends_documentation_fragment:
  - coder.coderd._connection
  - coder.coderd._attributes
  - coder.coderd._attributes.info_module
seealso:
  - module: coder.coderd.deployment_info
  - plugin: coder.coderd.build_info
    plugin_type: lookup
  - plugin: coder.coderd.version_satisfies
    plugin_type: test
'''

EXAMPLES = r'''
- name: Read the build information of a deployment
  coder.coderd.build_info:
    url: https://coder.example.com
  register: coder_build

- name: Stop unless the deployment runs Coder 2.30 or newer
  ansible.builtin.assert:
    that: coder_build.build.version is coder.coderd.version_satisfies('>=2.30')

- name: Set the connection once for every coder.coderd module
  module_defaults:
    group/coder.coderd.coderd:
      url: https://coder.example.com
      token: "{{ coder_token }}"
  block:
    - name: Read the build information
      coder.coderd.build_info:
      register: coder_build
'''

RETURN = r'''
build:
  description: The build information, every field the server sent in snake_case, plus C(version_info).
  returned: success
  type: dict
  contains:
    version:
      description: The version string as the server reports it.
      type: str
      sample: v2.34.3+4653f32
    version_info:
      description: The parsed version.
      type: dict
      sample: {major: 2, minor: 34, patch: 3, prerelease: "", build: "4653f32"}
    external_url:
      description: Link to the source commit the server was built from.
      type: str
      sample: https://github.com/coder/coder/commit/4653f32eb4840de54e8dca04a069fb7e61664cf6
    dashboard_url:
      description: The deployment's access URL.
      type: str
      sample: https://coder.example.com
    deployment_id:
      description: Stable UUID of the deployment; absent before Coder v2.11, which does not send it.
      type: str
      sample: 8e3f6c2a-5b1d-4f0e-9a7c-2d4b6e8f0a13
    telemetry:
      description: Whether telemetry is enabled; absent before Coder v2.13, which does not send it.
      type: bool
    workspace_proxy:
      description: Whether the answer came from a workspace proxy (always false for coderd).
      type: bool
    agent_api_version:
      description: Version of the agent API.
      type: str
      sample: "1.0"
    provisioner_api_version:
      description: Version of the provisioner API; absent before Coder v2.15, which does not send it.
      type: str
      sample: "1.18"
    upgrade_message:
      description: Message the CLI shows on a version mismatch (empty unless configured).
      type: str
    webpush_public_key:
      description: VAPID public key for web push; empty when web push is off; absent before Coder v2.21, which has no
        web push.
      type: str
'''

from ansible_collections.coder.coderd.plugins.module_utils._module import run_module


def main():
    run_module('build_info')


if __name__ == '__main__':
    main()
