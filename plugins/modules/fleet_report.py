#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# Documentation only: the action plugin of the same name does the work, always on the controller.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: fleet_report
short_description: Summarize the drift checks of a play's Coder deployments in one report
version_added: 1.1.0
description:
  - After M(coder.coderd.deployment_assert) ran on the hosts of a play (one Coder deployment per host, as
    the role C(coder.coderd.deployment_check) does), writes one fleet report into O(report_dir),
    C(coder-fleet.md), C(coder-fleet.junit.xml) and C(coder-fleet.json), from each host's JSON drift report (or,
    when the check wrote none, the records of its registered result).
  - "C(coder-fleet.md) is a CI job summary: a headline with how many deployments passed, drifted or are in
    error, then one row per deployment, worst first (errors, then drift by severity, then passed): the host,
    the deployment URL, its Coder version, the outcome, its drifts by severity and its first error. Longer error
    texts and the hosts not checked are folded into C(<details>) sections, so it reads well at 200 deployments."
  - C(coder-fleet.junit.xml) holds one test suite per deployment, the same suite as in its own
    C(coder-drift.junit.xml) (test cases named by key), with the host as a property.
  - "C(coder-fleet.json) is an index: the counts, then per deployment its host, URL, version, outcome, counts,
    drifts by severity, C(fail_on), when it was checked, its own report files and its errors (one line each)."
  - A host whose check could not run (deployment unreachable, TLS, 401/403/404, invalid document) is in
    error with the cause its own report gives. A host that failed or was unreachable before its check is in
    error too, with the inventory's C(coder_error) when it has one.
  - A host of the play whose check has not run yet (a later batch under C(serial)) is listed as not checked.
    Run it once per batch, as the role does, and the last batch leaves the view of the whole play.
  - Covers the hosts of the play as C(--limit) leaves them, never reports of other runs found in the folder.
  - Each file is replaced atomically. Run it once per play with C(run_once).
author:
  - coder.coderd contributors (@coder-coderd)
extends_documentation_fragment:
  - coder.coderd._attributes.controller
options:
  report_dir:
    description:
      - The folder for the fleet report, created if missing; relative to the current directory of
        C(ansible-playbook).
      - Per-host reports inside it are named in the index relative to it, so that the folder can be kept as
        one CI artifact.
    type: path
    required: true
  report_formats:
    description: Which files to write.
    type: list
    elements: str
    choices: [json, junit, markdown]
    default: [json, junit, markdown]
  suffix:
    description:
      - Text added to the file names after C(coder-fleet), for example V(-eu) for C(coder-fleet-eu.md).
      - "By default: C(-job<id>) when the play runs as a job of an AWX or Automation Controller workflow, which
        every slice of a sliced job is (the variables C(awx_workflow_job_id) and C(awx_job_id), or their
        C(tower_) forms, are set), so that the slices never overwrite each other's files. Nothing otherwise."
    type: str
  fail_on:
    description:
      - The O(coder.coderd.deployment_assert#module:fail_on) the checks ran with, recorded in the reports of hosts
        whose check did not run.
    type: str
    choices: [critical, high, medium, low, info, never]
    default: low
  result_var:
    description: The variable each host registered the result of M(coder.coderd.deployment_assert) in.
    type: str
    default: deployment_check_result
  hosts:
    description: The hosts to summarize; by default every host of the play (C(ansible_play_hosts_all)).
    type: list
    elements: str
attributes:
  check_mode:
    description: Writes the report in check mode too; it is a local file, not a change to any deployment.
    support: full
  diff_mode:
    description: Returns no diff.
    support: none
  idempotent:
    description: Reports no change; the files say when they were written.
    support: full
notes:
  - "The result of M(coder.coderd.deployment_assert) must be registered with O(result_var) on each host, with
    O(coder.coderd.deployment_assert#module:fail=false) or within a C(block) whose C(always) runs this
    module, so that a failed check is summarized too."
seealso:
  - module: coder.coderd.deployment_assert
'''

EXAMPLES = r'''
# In a play over the deployments (one host each): check every host, then summarize them all,
# also when some checks failed. The role coder.coderd.deployment_check does the same for you.
- name: Check and summarize, also when some checks fail
  block:
    - name: Check the deployment
      coder.coderd.deployment_assert:
        desired_file: desired/prod.yml
        report_dir: "reports/{{ inventory_hostname }}"
        fail: false
      register: deployment_check_result
  always:
    - name: Write the fleet report (reports/coder-fleet.md, .junit.xml, .json)
      coder.coderd.fleet_report:
        report_dir: reports
      run_once: true
'''

RETURN = r'''
reports:
  description: The files written, by format.
  returned: success
  type: dict
  sample:
    json: reports/coder-fleet.json
    junit: reports/coder-fleet.junit.xml
    markdown: reports/coder-fleet.md
counts:
  description: How many deployments are in the report, by outcome, and how many hosts are not checked (yet).
  returned: success
  type: dict
  sample: {deployments: 3, error: 1, drifted: 1, passed: 1, not_checked: 0}
msg:
  description: The counts in one line, and the folder.
  returned: always
  type: str
  sample: "fleet report of 3 deployments: 1 error, 1 drifted, 1 passed; in reports"
'''
