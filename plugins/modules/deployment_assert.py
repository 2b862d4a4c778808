#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# Documentation only: the action plugin of the same name does the work, always on the controller.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: deployment_assert
short_description: Check a Coder deployment against a desired state and report every drift
version_added: 1.0.0
description:
  - Compares a Coder deployment with a desired-state document (settings in any key form, version
    constraint, experiments, SSH, update check, token lifetime limit, stats) and, optionally, a
    built-in baseline.
  - Validates the document first against the JSON Schema shipped with the collection
    (C(docs/desired-state.schema.json)); a malformed document fails with one line per problem, each
    naming its path in the document (the first 20, then how many more), and no request is sent and no
    report written.
  - Fetches only the endpoints the checks need, each once, or uses facts already gathered by
    M(coder.coderd.deployment_info) (then it sends no request at all).
  - Comparisons are unit-aware (durations such as V(168h) or V(30d), URLs, versions). A secret can only
    be checked for presence (C(set)).
  - Fails when an unwaived drift is at least as severe as O(fail_on), or when a check cannot be evaluated
    (status C(error), for example an unknown setting); the message lists every drift and error with its severity.
  - Writes JSON, JUnit XML and Markdown reports to O(report_dir), atomically, also in check mode (they are
    local files, not changes to the deployment).
  - The role C(coder.coderd.deployment_check) wraps this module for CI.
  - See the drift check guide (C(docs/drift-checks.md)) for the document format, operators and baselines.
author:
  - coder.coderd contributors (@coder-coderd)
requirements:
  - jsonschema >= 4.18.0 on the controller
extends_documentation_fragment:
  - coder.coderd._connection
  - coder.coderd._attributes.controller
options:
  desired:
    description:
      - The desired-state document as a mapping with the sections C(version), C(config), C(experiments),
        C(ssh), C(update_check), C(token_config), C(build), C(stats) and C(api_root).
      - A check is a plain value (compared with C(eq)) or a mapping of operators (C(eq), C(ne), C(in),
        C(not_in), C(lt), C(le), C(gt), C(ge), C(regex), C(contains), C(subset), C(superset), C(set),
        C(version)) plus optional C(severity) (default V(medium)), C(description) and C(when).
      - C(regex) searches in bounded time with Python's syntax, without backreferences, lookarounds, atomic groups
        and possessive repeats; patterns of at most 1000 characters (and 1000 steps once repeats are expanded),
        values of at most 4096 characters.
      - Mutually exclusive with O(desired_file).
      - At most 50,000 keys and values (YAML aliases counted as written out), 32 levels of nesting and 1 MiB
        of text; a larger document is refused before any request. The same limits apply to O(desired_file),
        O(waivers) and O(waivers_file), and a file may be at most 1 MiB.
    type: dict
  desired_file:
    description:
      - YAML file holding the desired-state document, read on the controller.
      - A relative path is looked up in the role's C(files/), next to the playbook, then in the current directory.
      - Mutually exclusive with O(desired).
    type: path
  waivers:
    description:
      - Accepted drifts, each C({key, reason, expires}); C(expires) is a date V(YYYY-MM-DD), the last day the
        waiver holds.
      - A drifted check whose key matches an active waiver gets status C(waived) and does not fail the task;
        after its expiry date the waiver stops waiving and the record says it expired.
      - C(key) is written like the check's key (C(CODER_ACCESS_URL), C(version), C(token_config.max_token_lifetime))
        or any other form of the same setting.
      - Mutually exclusive with O(waivers_file).
    type: list
    elements: dict
  waivers_file:
    description:
      - YAML file holding the list of waivers, read on the controller like O(desired_file).
      - Mutually exclusive with O(waivers).
    type: path
  baseline:
    description:
      - A built-in set of checks to run as well. A check of the document on the same setting replaces the
        baseline's.
      - V(recommended) covers what every deployment should do (no C(dangerous-*) flags, TLS 1.2 or newer when
        TLS is on, secure auth cookie behind https, no unknown experiments, bounded token lifetime, ...).
      - V(hardened) adds what a security review asks for (password login off when OIDC is on, token
        lifetimes of at most 7 days, HSTS, no experiments, a release build, ...).
    type: str
    choices: [none, hardened, recommended]
    default: none
  fail_on:
    description:
      - The least severe unwaived drift that fails the task. V(low) fails on every drift except V(info);
        V(never) only reports drift.
      - A check that cannot be evaluated (status C(error)) fails the task whatever this says.
    type: str
    choices: [critical, high, medium, low, info, never]
    default: low
  report_dir:
    description:
      - Folder (created if missing) to write the reports to, as C(coder-drift.json), C(coder-drift.junit.xml)
        and C(coder-drift.md). No reports are written when unset.
      - A relative path is relative to the current directory of C(ansible-playbook).
    type: path
  report_formats:
    description: Which reports to write to O(report_dir).
    type: list
    elements: str
    choices: [json, junit, markdown]
    default: [json, junit, markdown]
  facts:
    description:
      - The C(coder) facts returned by M(coder.coderd.deployment_info) (C(ansible_facts.coder)); the check then
        sends no request. They must hold every subset the checks read (see RV(subsets)).
      - Config keys are then mapped by the option catalog shipped with the collection.
    type: dict
  processing_timeout:
    description:
      - Seconds to wait while a freshly started server answers that its stats are still processing (only when
        the checks read C(stats)).
    type: float
    default: 30
attributes:
  action_group:
    description: Use C(group/coder.coderd.coderd) in C(module_defaults) to set the connection options once.
    support: full
    membership:
      - coder.coderd.coderd
  check_mode:
    description: Runs fully in check mode, including writing the reports.
    support: full
  diff_mode:
    description: Returns no diff.
    support: N/A
  idempotent:
    description: Reads the deployment only; running it again changes nothing there.
    support: full
seealso:
  - module: coder.coderd.deployment_info
'''

EXAMPLES = r'''
- name: Check a deployment against the settings kept in git
  coder.coderd.deployment_assert:
    url: https://coder.example.com
    token: "{{ coder_token }}"
    desired_file: desired/prod.yml
    report_dir: reports

- name: Inline desired state plus the hardened baseline, failing only on high and critical drift
  coder.coderd.deployment_assert:
    desired:
      version: ">=2.30,<3"
      config:
        CODER_ACCESS_URL: https://coder.example.com
        tls.min_version: {in: [tls12, tls13], severity: high}
        max-token-lifetime: {le: 30d}
        CODER_PG_CONNECTION_URL: {set: true}
      experiments: {exclude: [workspace-usage]}
    baseline: hardened
    fail_on: high
    waivers:
      - key: CODER_DISABLE_PASSWORD_AUTH
        reason: break-glass admin login until the IdP migration (TICKET-123)
        expires: "2026-12-31"

- name: Check facts gathered earlier, without another request
  coder.coderd.deployment_assert:
    facts: "{{ ansible_facts.coder }}"
    desired:
      update_check: {current: true}
'''

RETURN = r'''
passed:
  description: No unwaived drift at or above O(fail_on) and no check in error.
  returned: success or drift
  type: bool
  sample: false
summary:
  description: Counts of the records by status, plus the drifts per severity.
  returned: success or drift
  type: dict
  sample:
    total: 34
    pass: 30
    drift: 2
    waived: 1
    error: 1
    failing: 3
    fail_on: low
    drift_by_severity: {critical: 0, high: 1, medium: 1, low: 0, info: 0}
drift:
  description: The records with status C(drift) (unwaived), whatever their severity.
  returned: success or drift
  type: list
  elements: dict
records:
  description:
    - One record per check, in document order (baseline checks last).
    - "C(key): as written (non-config sections prefixed, for example C(ssh.hostname_prefix))."
    - "C(resolved_as): the canonical path in the C(coder) facts (C(config.session_lifetime.max_token_lifetime)),
      null when the key could not be resolved."
    - "C(actual): normalized (durations in Go spelling such as C(168h0m0s), secrets as C({set: true}))."
    - "C(status): one of C(pass), C(drift), C(waived), C(error). C(source): C(desired) or C(baseline:<name>)."
    - "C(description): the check's rationale, why it did not apply, or the error. C(waiver): the matching waiver,
      with C(expired)."
  returned: success or drift
  type: list
  elements: dict
  sample:
    - key: CODER_MAX_TOKEN_LIFETIME
      resolved_as: config.session_lifetime.max_token_lifetime
      expected: 168h
      actual: 876600h0m0s
      operator: le
      severity: high
      status: drift
      source: baseline:hardened
      description: API tokens should expire within 7 days.
reports:
  description: Path of each report written, by format; empty without O(report_dir).
  returned: success or drift
  type: dict
  sample: {json: reports/coder-drift.json, junit: reports/coder-drift.junit.xml, markdown: reports/coder-drift.md}
subsets:
  description: The fact subsets (endpoints) the checks read.
  returned: success or drift
  type: list
  elements: str
  sample: [build, config, experiments]
msg:
  description:
    - One line saying whether the check passed, with the counts and every unwaived drift and error.
    - Past 20 drifts and errors it says how many more; values are cut at 200 characters (RV(records) keep them whole).
  returned: always
  type: str
  sample: >-
    drift check failed on https://coder.example.com (34 checks: 30 passed, 2 drifted, 1 waived, 1 error; fail_on: low):
    CODER_MAX_TOKEN_LIFETIME [high] expected le "168h", actual "876600h0m0s"; ...
'''
