#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# Documentation only: the action plugin of the same name does the work, always on the controller.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: deployment_snapshot
short_description: Write a desired-state document from what a Coder deployment runs now
version_added: 1.1.0
description:
  - Reads a live Coder deployment and writes a desired-state document for M(coder.coderd.deployment_assert)
    to O(dest), the quickest start for drift checks. Review the file, keep what matters, loosen or tighten checks,
    and commit it.
  - "C(version): a constraint on the running version, as O(version_pin) says."
  - "C(config): every setting the operator configured (from a flag, an environment variable or the YAML
    config file), keyed by its environment variable (its flag, or its path in the config, when it has none),
    with the option name as a comment. Settings at their default are left out. Durations are written as Go
    durations such as V(168h0m0s), URLs as text. A secret is written as C({set: true}): its value is never
    read, shown or written."
  - "C(experiments): the enabled experiments as an exact list (nothing missing, nothing more)."
  - "C(ssh): the SSH settings C(hostname_prefix), and C(hostname_suffix) and C(ssh_config_options) when they
    are not empty."
  - The update check and the token lifetime limit are not written. C(update_check.current) would drift with
    the next Coder release, and the token lifetime limit depends on whose token takes the snapshot. Add those
    checks by hand.
  - The file starts with a C(# yaml-language-server) comment naming the JSON Schema of desired-state documents,
    for completion and checks in editors. The document is validated against that schema before it is written.
  - The output is byte-stable. The same deployment always gives the same bytes, so a second run reports
    no change and the file changes in git only when the deployment did.
  - The file is replaced atomically. The directory of O(dest) must exist.
  - Fetches only the endpoints the chosen sections need, each once. C(config) needs a token of an owner
    or auditor.
author:
  - coder.coderd contributors (@coder-coderd)
extends_documentation_fragment:
  - coder.coderd._connection
  - coder.coderd._attributes.controller
  - coder.coderd._attributes
options:
  dest:
    description:
      - The file to write, on the controller. Its directory must exist.
      - A relative path is relative to the current directory of C(ansible-playbook).
      - A symbolic link is followed; the file it points to is replaced.
    type: path
    required: true
  version_pin:
    description:
      - How closely the C(version) constraint follows the running version, for example V(v2.34.3).
      - V(minor) allows any patch of the running minor release (C(~2.34)).
      - V(major) allows the running minor release and every later one of the same major version (C(>=2.34,<3)).
      - V(exact) allows only the running release (C(==2.34.3); build metadata is ignored).
      - V(none) writes no C(version) section and does not read the build information.
      - For a prerelease such as V(v2.35.0-rc.1) the range starts at the prerelease (C(>=2.35.0-rc.1,<2.36)).
    type: str
    choices: [minor, exact, major, none]
    default: minor
  include:
    description:
      - The sections to write; all of them when unset.
      - Only the endpoints these sections read are fetched.
    type: list
    elements: str
    choices: [version, experiments, ssh, config]
  exclude:
    description: Sections not to write (and not to read).
    type: list
    elements: str
    choices: [version, experiments, ssh, config]
attributes:
  check_mode:
    description: Reads the deployment and reports whether the file would change, but writes nothing.
    support: full
  diff_mode:
    description: Shows the file before and after (an absent file as empty) when it changes.
    support: full
  idempotent:
    description: Rewrites the file only when its content changes; a second run reports no change.
    support: full
seealso:
  - module: coder.coderd.deployment_assert
  - module: coder.coderd.deployment_config_info
'''

EXAMPLES = r'''
- name: Write what the deployment runs now as a desired state
  coder.coderd.deployment_snapshot:
    url: https://coder.example.com
    token: "{{ coder_token }}"
    dest: coder-desired.yml

- name: Check the deployment against it later
  coder.coderd.deployment_assert:
    url: https://coder.example.com
    token: "{{ coder_token }}"
    desired_file: coder-desired.yml

- name: Only the settings and experiments, allowing any later 2.x release
  coder.coderd.deployment_snapshot:
    url: https://coder.example.com
    token: "{{ coder_token }}"
    dest: coder-settings.yml
    version_pin: major
    exclude: [ssh]
  register: coder_snapshot

- name: Say how much it holds
  ansible.builtin.debug:
    msg: >-
      {{ coder_snapshot.counts.settings }} settings ({{ coder_snapshot.counts.secrets }} secrets),
      {{ coder_snapshot.counts.experiments }} experiments
'''

RETURN = r'''
dest:
  description: The file written (or, in check mode, that would be written), as given.
  returned: success
  type: str
  sample: coder-desired.yml
changed:
  description: The file did not exist or its content differs from the new snapshot (byte for byte).
  returned: success
  type: bool
  sample: false
document:
  description: The desired-state document written, as data (the file adds the comments).
  returned: success
  type: dict
  sample:
    version: "~2.34"
    experiments: []
    ssh: {hostname_prefix: coder., hostname_suffix: coder}
    config:
      CODER_ACCESS_URL: https://coder.example.com
      CODER_HTTP_ADDRESS: 0.0.0.0:3000
      CODER_MAX_TOKEN_LIFETIME: 720h0m0s
      CODER_PG_CONNECTION_URL: {set: true}
counts:
  description: How much the document holds.
  returned: success
  type: dict
  contains:
    settings:
      description: Entries of C(config), secrets included.
      type: int
    secrets:
      description: "Entries of C(config) that are secrets, written as C({set: true})."
      type: int
    experiments:
      description: Enabled experiments.
      type: int
    ssh:
      description: Entries of C(ssh).
      type: int
  sample: {settings: 9, secrets: 2, experiments: 0, ssh: 2}
sections:
  description: The sections written, in the order of the file.
  returned: success
  type: list
  elements: str
  sample: [version, experiments, ssh, config]
'''
