# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: deployments
short_description: Inventory of Coder deployments, with their facts as host variables
version_added: 1.0.0
description:
  - Reads an inventory file whose name ends in C(.coder.yml) or C(.coder.yaml) and that lists Coder
    deployments, and makes one host per deployment.
  - Each host gets the facts that M(coder.coderd.deployment_info) gathers, as C(coder_<key>) host
    variables in the same layout (C(coder_url), C(coder_build), C(coder_config), C(coder_ssh), C(coder_stats),
    C(coder_experiments), C(coder_update_check), C(coder_token_config), C(coder_api_root), C(coder_options)),
    plus C(coder_reachable) (true), C(coder_version) (for example V(v2.34.3+4653f32)), C(coder_version_minor)
    (for example V(2.34)) and C(coder_experiments_enabled) (a list), made for O(keyed_groups).
  - C(coder_gathered_at) says when the inventory started to read the deployment (UTC, for example
    V(2026-01-31T12:00:00Z)) and C(coder_from_cache) whether the facts were served from the inventory cache
    (O(cache)) instead of read in this run. M(coder.coderd.deployment_assert) (O(coder.coderd.deployment_assert#module:inventory_facts))
    and the role C(coder.coderd.deployment_check) check with these facts instead of requesting them again
    while they are fresh (read in this run, not from the cache, at most a given number of seconds ago).
  - Deployments are read concurrently (at most O(max_workers) at a time), and each deployment's endpoints
    concurrently too; every endpoint is read once.
  - "Each host also gets what the inventory used to reach its deployment, as the variables that every module,
    lookup and the role read: C(ansible_coder_url) (without a password the URL may hold) and each connection option
    the file sets for the entry or at its top level, except the secrets, as C(ansible_coder_<option>)
    (C(ansible_coder_token_env), C(ansible_coder_token_file), C(ansible_coder_ca_path),
    C(ansible_coder_validate_certs), C(ansible_coder_client_cert), C(ansible_coder_client_key),
    C(ansible_coder_timeout), C(ansible_coder_retries), C(ansible_coder_use_proxy)). A play over these hosts
    then needs no connection settings at all."
  - A token written in the file is a host variable only when it is vault-encrypted (C(!vault)), and then
    still encrypted, as C(ansible_coder_token); the play decrypts it when a task uses it. A plaintext token and
    O(headers) are never host variables, because C(ansible-inventory --list) and fact caches show host variables.
  - A deployment that answered some endpoints but not others (a member's token is refused the config and the
    stats) keeps the facts it got, and its host gets C(coder_error) (one line for every failure) and
    C(coder_errors) (each failed endpoint, such as V(/api/v2/deployment/config), mapped to its cause); a warning
    is shown.
  - A deployment whose API did not answer at all (down, refused connection, DNS, TLS, timeout, something other
    than the Coder API at the URL) still becomes a host, with C(coder_url), C(coder_reachable=false),
    C(coder_error) and C(coder_errors), and a warning is shown. So does an entry whose O(deployments[].token_env)
    is unset, whose O(deployments[].token_file) cannot be read, or whose O(ca_path), O(client_cert) or
    O(client_key) file is missing; its C(coder_error) names the variable or file, and no request is sent to it.
  - With O(fail_on_error) or O(strict), any such failure fails the inventory instead.
  - Values from the API are never templated; a setting that contains C({{ }}) stays literal text.
author:
  - coder.coderd contributors (@coder-coderd)
extends_documentation_fragment:
  - coder.coderd._connection
  - coder.coderd._connection.plugins
  - ansible.builtin.constructed
  - ansible.builtin.inventory_cache
options:
  plugin:
    description: Marks the file as an inventory of this plugin.
    type: str
    required: true
    choices: [coder.coderd.deployments]
  deployments:
    description:
      - The deployments, one host each, in this order.
      - Without it the inventory holds one deployment, the one the top-level connection options name
        (O(url), E(ANSIBLE_CODER_URL), E(CODER_URL) or C(coder login)), with its host named after the URL's host.
      - Besides the keys below, an entry takes any connection option (O(headers), O(validate_certs),
        O(ca_path), O(client_cert), O(client_key), O(timeout), O(retries), O(use_proxy)) for this deployment;
        what an entry leaves out comes from the top level. The entry's token source replaces the top level's,
        whichever of O(token), O(token_env) and O(token_file) each one uses.
      - Relative paths in an entry are relative to the inventory file.
    type: list
    elements: dict
    suboptions:
      name:
        description: The host name. Defaults to the host (and port) of O(deployments[].url).
        type: str
      url:
        description: The deployment's URL, with or without C(/api/v2).
        type: str
        required: true
      token:
        description:
          - The deployment's token; a vault-encrypted value (C(!vault)) works. The file is not templated.
          - Use only one of O(deployments[].token), O(deployments[].token_env) and O(deployments[].token_file).
        type: str
      token_env:
        description:
          - Name of an environment variable holding the token. When it is unset the deployment is not read
            and its host gets C(coder_reachable=false).
          - The host gets it as C(ansible_coder_token_env), and tasks read the same variable where they run.
        type: str
      token_file:
        description:
          - File holding the token (surrounding whitespace ignored), such as one that a secret store mounts.
            When it cannot be read the deployment is not read and its host gets C(coder_reachable=false).
          - The host gets its absolute path as C(ansible_coder_token_file).
        type: path
      gather:
        description:
          - Which parts of this deployment's facts to gather, in place of the top-level O(gather) (same values).
          - For example V([all, '!config', '!stats']) for a member's token.
        type: list
        elements: str
        version_added: 1.1.0
  gather:
    description:
      - "Which parts of the facts to gather, as the C(gather_subset) option of M(coder.coderd.deployment_info):
        V(all), or any of V(api_root), V(build), V(config), V(ssh), V(stats), V(experiments), V(update_check),
        V(token_config); prefix with V(!) to exclude, for example V(!stats)."
      - C(config) and C(stats) need a token of an owner or auditor; exclude them for a member's tokens (an
        entry's own O(deployments[].gather) does it for one deployment).
      - V(health) adds C(coder_health), the health report of M(coder.coderd.health_info); only when named
        (V(all) leaves it out), because it needs owners' tokens and a server may take up to 30 seconds to answer.
    type: list
    elements: str
    default: [all]
  user:
    description: Whose token lifetime limit C(coder_token_config) reports; V(me) is each token's owner.
    type: str
    default: me
  include_options:
    description: Also set C(coder_options), the list of every deployment option with its normalized value and source.
    type: bool
    default: false
  processing_timeout:
    description: Seconds to wait while a freshly started server answers that its stats are still processing.
    type: float
    default: 30
  max_workers:
    description: How many deployments are read at the same time.
    type: int
    default: 16
  fail_on_error:
    description:
      - Fail the inventory when any endpoint of any deployment fails, instead of adding its host with the facts
        it got and C(coder_error).
      - O(strict) does the same.
    type: bool
    default: false
notes:
  - "Credentials of the deployments listed in O(deployments) come from the inventory file only: the entry's
    token source and O(headers), else the top-level token source and O(headers) of the file, else the session of
    C(coder login) when the deployment is the one it logged in to. A Coder token belongs to one deployment, so
    E(ANSIBLE_CODER_TOKEN), E(ANSIBLE_CODER_TOKEN_ENV), E(ANSIBLE_CODER_TOKEN_FILE), E(CODER_SESSION_TOKEN),
    E(ANSIBLE_CODER_HEADERS) and E(CODER_HEADER) are not used for the deployments of a list."
  - The C(ansible_coder_*) variables apply to an inventory only as extra vars (C(-e)).
  - With O(cache), the cache key covers the file's path and everything that changes the facts (each
    deployment's name, URL, token digest, headers and TLS options, O(gather), O(user), O(include_options));
    the cache holds the facts, never a token. Deployments that could not be read in full are not cached and
    are read again on the next run.
  - A failed inventory source is only a warning for C(ansible-playbook) unless
    E(ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED) is true; set it in CI together with O(fail_on_error).
  - "Plays over these hosts talk to the API from the controller: use C(connection: local) and
    C(gather_facts: false). The modules, lookups and the role take each host's deployment and its connection
    settings from the C(ansible_coder_*) host variables; a play whose deployments take a plaintext token or
    O(headers) gives them itself (for example C(ansible_coder_token) from a vault-encrypted C(host_vars) file)."
seealso:
  - module: coder.coderd.deployment_info
  - ref: inventory_plugins
    description: Using inventory plugins.
'''

EXAMPLES = r'''
# fleet.coder.yml: three deployments, each with its own token; groups by version and experiments
plugin: coder.coderd.deployments
timeout: 10
deployments:
  - name: prod-eu
    url: https://coder.eu.example.com
    token_env: CODER_PROD_EU_TOKEN
  - name: prod-us
    url: https://coder.us.example.com
    token_file: secrets/prod-us.token
  - name: staging
    url: https://coder.staging.example.com
    token: !vault |
      $ANSIBLE_VAULT;1.1;AES256
      6233...
    ca_path: certs/staging-ca.pem
keyed_groups:
  # coder_2_34, coder_2_35, ...
  - key: coder_version_minor
    prefix: coder
  # experiment_workspace_usage, ...
  - key: coder_experiments_enabled
    prefix: experiment
groups:
  unreachable: not coder_reachable
  # reachable, but some endpoints failed (see coder_errors)
  incomplete: coder_reachable and coder_error is defined
  outdated: not (coder_update_check.current | default(true))
  long_lived_tokens: (coder_token_config.max_token_lifetime_seconds | default(0)) > 7 * 86400
compose:
  coder_access_url: coder_config.access_url

# Three more inventory files, each one a file of its own:

# me.coder.yml: the deployment of `coder login` (or CODER_URL and CODER_SESSION_TOKEN), nothing else to say
#   plugin: coder.coderd.deployments

# members.coder.yml: a member's token cannot read the config or the stats; that entry leaves them out
#   plugin: coder.coderd.deployments
#   deployments:
#     - url: https://coder.example.com
#       token_env: CODER_OWNER_TOKEN
#     - url: https://coder.team.example.com
#       token_env: CODER_MEMBER_TOKEN
#       gather: [all, '!config', '!stats']

# health.coder.yml: owners' tokens; the health report too, and a group per severity
#   (coder_health_ok, coder_health_warning, coder_health_error)
#   plugin: coder.coderd.deployments
#   gather: [all, health]
#   keyed_groups:
#     - key: coder_health.severity
#       prefix: coder_health
#   deployments:
#     - url: https://coder.example.com
#       token_env: CODER_OWNER_TOKEN

# cached.coder.yml: read the fleet at most once an hour
#   plugin: coder.coderd.deployments
#   cache: true
#   cache_plugin: ansible.builtin.jsonfile
#   cache_connection: ~/.cache/coder-inventory
#   cache_timeout: 3600
#   fail_on_error: true
#   deployments:
#     - url: https://coder.example.com
#       token_env: CODER_TOKEN
'''

import os

from ansible.errors import AnsibleError, AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable

from ansible_collections.coder.coderd.plugins.module_utils._api import expand_subsets
from ansible_collections.coder.coderd.plugins.plugin_utils._inventory import (
    check_keys,
    fingerprint,
    gather_fleet,
    host_vars,
    is_vault_encrypted,
    read_fleet,
)
from ansible_collections.coder.coderd.plugins.module_utils._connection import ConnectionOptions
from ansible_collections.coder.coderd.plugins.module_utils._errors import InputError
from ansible_collections.coder.coderd.plugins.plugin_utils._plugin import display, failure_text, make_unsafe, show_trace


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):

    NAME = 'coder.coderd.deployments'

    def verify_file(self, path):
        return super(InventoryModule, self).verify_file(path) and path.endswith(('.coder.yml', '.coder.yaml'))

    def parse(self, inventory, loader, path, cache=True):
        super(InventoryModule, self).parse(inventory, loader, path, cache)
        config = self._read_config_data(path)
        try:
            self._check_top_level(config)
            defaults = ConnectionOptions.from_plugin(self, direct=config, variables=self._vars).get_options()
            members = read_fleet(config, defaults, os.path.dirname(os.path.abspath(path)))
            gather_options = dict(subsets=expand_subsets(self.get_option('gather'), option='gather'),
                                  user=self.get_option('user'), include_options=self.get_option('include_options'))
        except AnsibleError:
            raise
        except Exception as exc:  # pylint: disable=broad-except
            raise AnsibleParserError(failure_text(exc))

        use_cache = self.get_option('cache')
        cache_key = '%s_%s' % (self.get_cache_key(path), fingerprint(members, **gather_options)[:16])
        cached = self._cache.get(cache_key, {}) if use_cache and cache else {}
        outcomes = gather_fleet([member for member in members if member.name not in cached],
                                max_workers=self.get_option('max_workers'),
                                processing_timeout=self.get_option('processing_timeout'), **gather_options)
        fresh = dict((name, outcome.facts) for name, outcome in outcomes.items() if outcome.error is None)
        if use_cache and fresh:
            self._cache[cache_key] = dict(cached, **fresh)

        failed = [(name, outcome.error) for name, outcome in outcomes.items() if outcome.error is not None]
        if failed and (self.get_option('fail_on_error') or self.get_option('strict')):
            raise AnsibleParserError('; '.join('deployment %s: %s' % failure for failure in failed))
        for member in members:
            outcome = outcomes.get(member.name)
            if outcome is None:
                self._add_host(member, host_vars(member.url, cached[member.name], from_cache=True))
                continue
            for warning in outcome.warnings:
                display.warning(warning)
            if outcome.trace:
                show_trace(outcome.trace)
            if outcome.error is not None and outcome.facts is None:
                display.warning('Coder deployment %s could not be read, coder_reachable is false: %s'
                                % (member.name, outcome.error))
            elif outcome.error is not None:
                display.warning('Coder deployment %s answered in part, its host lacks the facts that failed '
                                '(see coder_errors): %s' % (member.name, outcome.error))
            self._add_host(member, host_vars(member.url, outcome.facts, outcome.error, outcome.errors))

    def _check_top_level(self, config):
        check_keys('top level', config, list(self._options))
        if self.get_option('max_workers') < 1:
            raise InputError('max_workers must be 1 or more, got %s' % self.get_option('max_workers'))

    def _add_host(self, member, variables):
        name = member.name
        self.inventory.add_host(name)
        for key, value in variables.items():
            self.inventory.set_variable(name, key, make_unsafe(value))
        for key, value in member.connection.items():
            # Wrapping would decrypt a vault value; the file is not templated, so nothing else is.
            self.inventory.set_variable(name, key, value if is_vault_encrypted(value) else make_unsafe(value))
        strict = self.get_option('strict')
        host_variables = self.inventory.get_host(name).get_vars()
        self._set_composite_vars(self.get_option('compose'), host_variables, name, strict=strict)
        self._add_host_to_composed_groups(self.get_option('groups'), host_variables, name, strict=strict)
        self._add_host_to_keyed_groups(self.get_option('keyed_groups'), host_variables, name, strict=strict)
