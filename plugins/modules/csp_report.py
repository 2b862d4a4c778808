#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: csp_report
short_description: Send a Content Security Policy violation report to a Coder deployment
version_added: 1.0.0
description:
  - 'Sends C(POST /api/v2/csp/reports) with the body C({"csp-report": <report>}), as a browser does when the
    dashboard''s Content Security Policy blocks something. The server logs every field of the report.'
  - Useful to check that reports reach the deployment's logs, for example after changing a proxy in front of it.
  - The endpoint is public; no token is needed.
  - Once the server may have received a report it is not sent again, whatever O(retries) says, so that a flaky
    network cannot log it twice; only failed connection attempts are retried.
author:
  - coder.coderd contributors (@coder-coderd)
extends_documentation_fragment:
  - coder.coderd._connection
  - coder.coderd._attributes
options:
  report:
    description:
      - The violation report, as a browser sends it under C(csp-report); any fields are accepted.
    type: dict
    required: true
attributes:
  check_mode:
    description: Sends nothing in check mode and reports RV(changed=true) with RV(sent=false).
    support: full
  diff_mode:
    description: Returns no diff.
    support: N/A
  idempotent:
    description: Every run sends a new report.
    support: none
'''

EXAMPLES = r'''
- name: Send a test CSP violation report
  coder.coderd.csp_report:
    url: https://coder.example.com
    report:
      document-uri: https://coder.example.com/workspaces
      violated-directive: script-src-elem
      effective-directive: script-src-elem
      blocked-uri: https://cdn.example.net/widget.js
      disposition: report
  register: coder_csp

- name: Send a report through the proxy, the connection set once for the group
  module_defaults:
    group/coder.coderd.coderd:
      url: https://coder.example.com
      headers:
        X-Proxy-Auth: "{{ proxy_token }}"
  block:
    - name: Send a test CSP violation report
      coder.coderd.csp_report:
        report:
          document-uri: https://coder.example.com/templates
          violated-directive: img-src
          blocked-uri: data
'''

RETURN = r'''
changed:
  description: Always V(true); a report is a new log entry on the server (in check mode it would be).
  returned: always
  type: bool
  sample: true
sent:
  description: Whether the report was sent; V(false) in check mode.
  returned: success
  type: bool
  sample: true
response:
  description: The server's answer.
  returned: success, when RV(sent=true)
  type: raw
  sample: ok
'''

from ansible_collections.coder.coderd.plugins.module_utils._module import run_module


def main():
    run_module('csp_report')


if __name__ == '__main__':
    main()
