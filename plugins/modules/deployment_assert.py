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
    naming its path in the document (the first 20, then how many more), and no request is sent; the reports
    then say the same, with C(outcome) V(error).
  - Fetches only the endpoints the checks need, each once, or uses facts already gathered by
    M(coder.coderd.deployment_info) (then it sends no request at all), or, with O(inventory_facts), the
    fresh facts the inventory C(coder.coderd.deployments) holds for the host (then it requests only what
    they lack).
  - Comparisons are unit-aware (durations such as V(168h) or V(30d), URLs, versions). A secret can only
    be checked for presence (C(set)).
  - Fails when an unwaived drift is at least as severe as O(fail_on), or when a check cannot be evaluated
    (status C(error), for example an unknown setting), unless O(fail=false).
  - On the console, at default verbosity, it shows a plan. Each drift below O(fail_on), and each waiver that
    expired or expires within O(waiver_warn_days), is a warning of one line, followed by the verdict when the
    check passed. A failing task prints RV(plan) instead of its records, one line per failing drift or error
    (severity, key, expected, actual), then the verdict with the counts and the deployment. Console lines
    stay under 200 characters, with long values cut by an ellipsis; the records and reports keep them whole.
  - Ansible prints the whole result of a failed task, so a failing task returns RV(plan) and RV(outcome)
    but not RV(records), RV(drift) and RV(summary), which stay in the reports. Set O(fail=false) (as the
    role C(coder.coderd.deployment_check) does) to keep every record in the registered result and decide in
    the play, with RV(passed) or RV(outcome).
  - Writes JSON, JUnit XML and Markdown reports to O(report_dir), atomically, also in check mode (they are
    local files, not changes to the deployment). When the check cannot run (deployment unreachable, TLS
    failure, 401/403/404, invalid or missing document) the reports are still written, with one test case in
    error saying why, and the JSON report's C(outcome) is V(error).
  - Every report names the deployment and its Coder version, the desired document (its path relative to the
    working directory, V(inline) or V(none)), the baseline, the collection and ansible-core versions, the
    start and end time, and what the token can read when the checks tell it.
  - The section C(health) checks the health report Coder computes itself (C(GET /api/v2/debug/health)), which
    only an owner's token may read. Each warning or error code found is a record of its own, named
    C(health.<section>.<code>), with a link to Coder's documentation of the code, and a section dismissed in
    Coder (see M(coder.coderd.health_settings)) is waived. The report is only fetched when the document has
    that section; the baselines have none. See C(docs/health.md).
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
      - Config keys are then mapped by the deployment's own options list when the facts carry it
        (C(options), O(coder.coderd.deployment_info#module:include_options=true)), else by the option catalog
        shipped with the collection.
    type: dict
  inventory_facts:
    description:
      - Check with the facts that the inventory C(coder.coderd.deployments) holds for this host (its
        C(coder_build), C(coder_config), C(coder_options) and the other C(coder_*) host variables) instead of
        requesting them again, when they are fresh; the subsets they lack (or that are not fresh) are requested,
        each endpoint once. RV(inventory_facts) says which subsets came from the inventory, or why none did.
      - "The freshness rule: the facts are used only when the inventory read them in this run (C(coder_from_cache)
        false: facts served from the inventory cache are always requested again), at most
        O(inventory_facts_max_age) seconds before the check (C(coder_gathered_at)), and only when C(coder_url)
        is the deployment the task checks (O(url) after the C(ansible_coder_*) variables). A token lifetime
        limit of another O(coder.coderd.deployment_info#module:user) than the document's is requested too."
      - Config keys are mapped by the deployment's own options list when the inventory gathered it
        (O(coder.coderd.deployments#inventory:include_options=true)), else by the option catalog.
      - The facts are those the inventory's token could read; the task's token is used only for what is
        requested. Ignored when O(facts) is given.
    type: bool
    default: false
    version_added: 1.1.0
  inventory_facts_max_age:
    description:
      - With O(inventory_facts), the age in seconds above which the inventory's facts are requested again.
      - A play runs long over a large fleet (C(serial), many tasks per host); the facts of a host checked late
        are then read again rather than trusted.
    type: int
    default: 300
    version_added: 1.1.0
  fail:
    description:
      - Fail the task when the check fails (see O(fail_on)).
      - V(false) returns every record and the verdict (RV(passed), RV(outcome)) and leaves failing to the play.
        A check that cannot run at all (unreachable deployment, invalid document) fails the task either way.
    type: bool
    default: true
    version_added: 1.1.0
  waiver_warn_days:
    description:
      - A waiver that expires within this many days is shown as a warning, so that it is renewed or the drift
        fixed in time. An expired waiver is always a warning.
    type: int
    default: 14
    version_added: 1.1.0
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
    description:
      - With C(--diff), each unwaived drifted check is shown with before = the deployment's value and
        after = the desired check, and a task with drift reports C(changed) (Ansible shows the diff of changed
        results only); without C(--diff) the task never reports a change.
      - Ansible shows no diff for a failed task; the role C(coder.coderd.deployment_check) shows it, and so does
        a task with O(fail=false).
    support: full
  idempotent:
    description: Reads the deployment only; running it again changes nothing there (under C(--diff) a drift
      is reported as C(changed), see above).
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

- name: Gather the facts once
  coder.coderd.deployment_info:
    url: https://coder.example.com
    token: "{{ coder_token }}"
    gather_subset: [update_check]

- name: Check facts gathered earlier, without another request
  coder.coderd.deployment_assert:
    facts: "{{ ansible_facts.coder }}"
    desired:
      update_check: {current: true}

# In a play over the inventory coder.coderd.deployments (url: "{{ coder_url }}" there): the facts
# it read a moment ago are used, only what they lack is requested; a host without them reads all
- name: Check with the inventory's facts
  coder.coderd.deployment_assert:
    url: https://coder.example.com
    token: "{{ coder_token }}"
    inventory_facts: true
    desired_file: desired/prod.yml
'''

RETURN = r'''
inventory_facts:
  description:
    - With O(inventory_facts), the subsets taken from the inventory's facts (C(used)) and, when it used none,
      why (C(reason), one line, else null).
  returned: when O(inventory_facts) is true and the check ran
  type: dict
  sample:
    used: [build, config, ssh]
    reason: null
  version_added: 1.1.0
passed:
  description: No unwaived drift at or above O(fail_on) and no check in error.
  returned: when the check ran
  type: bool
  sample: false
outcome:
  description:
    - V(passed), V(drifted) (an unwaived drift at or above O(fail_on)) or V(error) (a check could not be
      evaluated, or the whole check could not run). The JSON report has the same top-level C(outcome).
  returned: always
  type: str
  sample: drifted
plan:
  description:
    - The console view, one line per unwaived drift at or above O(fail_on) and per error, most severe first
      (at most 20, then how many more), then the verdict line of RV(msg).
    - Values are shortened to keep each line under 200 characters; RV(records) keep them whole.
  returned: when the check ran
  type: list
  elements: str
  sample:
    - "[high] CODER_MAX_TOKEN_LIFETIME: expected le '168h', actual '876600h0m0s'"
    - "drift check failed on https://coder.example.com (34 checks: 30 passed, 2 drifted, 1 waived, 1 error; fail_on: low)"
summary:
  description: Counts of the records by status, plus the drifts per severity.
  returned: when the check ran and the task did not fail
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
  returned: when the check ran and the task did not fail
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
      with C(expired); a section dismissed in Coder gives C({reason: dismissed in Coder, expires: null})."
    - "Health records (C(health.<section>.<code>), or C(health.<section>) for a section without a code): C(actual)
      is the section's severity (the code, when it is forbidden), C(description) the code's messages, and
      C(docs_url) the code's page in Coder's documentation."
  returned: when the check ran and the task did not fail
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
context:
  description: What was checked and how, as in the reports.
  returned: when the check ran and the task did not fail
  type: dict
  sample:
    deployment: https://coder.example.com
    coder_version: v2.34.3+4653f32
    desired: desired/prod.yml
    baseline: none
    collection_version: 1.1.0
    ansible_core_version: 2.21.5
    started_at: "2026-06-01T06:17:02Z"
    finished_at: "2026-06-01T06:17:03Z"
    token_role: can read the deployment config (owner or auditor)
reports:
  description: Path of each report written, by format; empty without O(report_dir).
  returned: always
  type: dict
  sample: {json: reports/coder-drift.json, junit: reports/coder-drift.junit.xml, markdown: reports/coder-drift.md}
subsets:
  description: The fact subsets (endpoints) the checks read.
  returned: when the check ran and the task did not fail
  type: list
  elements: str
  sample: [build, config, experiments]
msg:
  description:
    - One line saying whether the check passed, with the counts and the deployment, or why the check could not run.
  returned: always
  type: str
  sample: >-
    drift check failed on https://coder.example.com (34 checks: 30 passed, 2 drifted, 1 waived, 1 error; fail_on: low)
'''
