# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE to the coder.coderd collection: may change in any release without notice.
"""The fleet behind the ``coder.coderd.deployments`` inventory: its file, its facts, its host vars.

Kept apart from the plugin class so that it can be tested without Ansible's inventory machinery.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import difflib
import hashlib
import json
import os
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

from ansible_collections.coder.coderd.plugins.module_utils._api import Deployment, expand_subsets, gather, workers_for
from ansible_collections.coder.coderd.plugins.module_utils._client import CoderClient, Secrets
from ansible_collections.coder.coderd.plugins.module_utils._connection import (
    CONNECTION_ARGSPEC,
    CREDENTIALS,
    FILE_OPTIONS,
    OPTIONS,
    TOKEN_SOURCES,
    ConnectionOptionError,
    ConnectionSourceError,
    display_url,
    first_given,
    normalize_base_url,
    resolve_connection,
    without_cli_credentials,
)
from ansible_collections.coder.coderd.plugins.module_utils._errors import InputError, reportable
from ansible_collections.coder.coderd.plugins.module_utils._inventory_facts import gathered_at
from ansible_collections.coder.coderd.plugins.plugin_utils._plugin import is_vault_encrypted

ENTRY_KEYS = ('name', 'gather') + tuple(CONNECTION_ARGSPEC)


class InventoryConfigError(InputError):
    """The inventory file is wrong; the message names the entry and the key."""


class Member:
    """One deployment of the fleet: its host name and either its settings or why it has none.

    ``url`` is what the host variables and messages show, so it never holds user:password; the
    settings keep the URL as given, to connect with. ``connection`` holds the ``ansible_coder_*``
    host variables that let a play reach the deployment as the inventory did. ``subsets`` are the
    entry's own ``gather``, None for the top-level one.
    """

    __slots__ = ('name', 'url', 'settings', 'problem', 'connection', 'subsets')

    def __init__(self, name, url, settings=None, problem=None, connection=None, subsets=None):
        self.name = name
        self.url = display_url(url)
        self.settings = settings
        self.problem = problem
        self.connection = connection or {}
        self.subsets = subsets

    def identity(self):
        """What changes this member's facts, for the cache key; the token only as a digest."""
        state = list(self.settings.cache_identity()) if self.settings else [self.url, self.problem]
        return [self.name, self.subsets] + state


class Outcome:
    """What was read of one member.

    ``facts`` are None when the deployment did not answer at all, else those of the subsets that
    answered; ``error`` is one line for everything that failed, ``errors`` maps each failed endpoint
    to its cause; ``trace`` is the traceback of a bug.
    """

    __slots__ = ('facts', 'error', 'errors', 'warnings', 'trace')

    def __init__(self, facts=None, error=None, errors=None, warnings=None, trace=None):
        self.facts = facts
        self.error = error
        self.errors = errors or {}
        self.warnings = warnings or []
        self.trace = trace


def read_fleet(config, defaults, basedir, environ=None):
    """The members the inventory file lists, in file order.

    ``config`` is the file as loaded, ``defaults`` the plugin's top-level connection options as
    Ansible resolved them (file, then ``ANSIBLE_CODER_*``). Without ``deployments`` the fleet is the
    one deployment the top-level options, the environment or ``coder login`` name.
    Raises InventoryConfigError for a wrong file; a token that cannot be read only marks its member.
    """
    environ = os.environ if environ is None else environ
    entries = config.get('deployments') or []
    if not isinstance(entries, list):
        raise InventoryConfigError('deployments must be a list of mappings, got %s' % type(entries).__name__)
    if not entries:
        return [_single_member(config, defaults, environ)]
    if config.get('url') is not None:
        raise InventoryConfigError('url at the top level only applies without deployments; '
                                   'give each entry of deployments its own url')
    # A member's credentials come from the inventory file only (or the origin-bound `coder login`
    # session): the environment names no deployment, so its token or headers would go to every one.
    # They are taken as the file has them: a vault-encrypted token stays encrypted.
    member_defaults = dict(defaults)
    member_defaults.update((name, _file_value(basedir, name, config.get(name))) for name in CREDENTIALS)
    member_environ = without_cli_credentials(environ)
    members, seen = [], {}
    for number, entry in enumerate(entries, 1):
        member = _entry_member(number, entry, member_defaults, basedir, member_environ)
        if member.name in seen:
            raise InventoryConfigError('deployments entry #%d: name %r is already used by entry #%d; names must be unique'
                                       % (number, member.name, seen[member.name]))
        seen[member.name] = number
        members.append(member)
    return members


def check_keys(where, mapping, valid):
    """Refuse a key not in ``valid``, suggesting close ones: a misspelt key would otherwise be ignored unnoticed."""
    unknown = sorted(str(key) for key in mapping if key not in valid)
    if unknown:
        close = difflib.get_close_matches(unknown[0], valid, n=3)
        raise InventoryConfigError('%s: unknown key %r%s; valid keys: %s' % (
            where, unknown[0], ' (did you mean %s?)' % ' or '.join(close) if close else '', ', '.join(sorted(valid))))


def _single_member(config, defaults, environ):
    try:
        settings = resolve_connection(defaults, environ)
    except ConnectionOptionError as exc:
        raise InventoryConfigError(str(exc))
    # The option layer decrypts a vault-encrypted token: the file has it still encrypted.
    connection = _connection_variables(settings.url, dict(defaults, token=config.get('token')))
    return Member(_default_name(settings.url), settings.url, settings, connection=connection)


def _entry_member(number, entry, defaults, basedir, environ):
    if not isinstance(entry, dict):
        raise InventoryConfigError('deployments entry #%d must be a mapping with at least url, got %s'
                                   % (number, type(entry).__name__))
    label = 'deployments entry #%d%s' % (number, ' (%s)' % entry['name'] if entry.get('name') else '')
    check_keys(label, entry, ENTRY_KEYS)
    if not entry.get('url'):
        raise InventoryConfigError('%s: url is missing; every deployment needs its url' % label)
    given = [key for key in TOKEN_SOURCES if entry.get(key) is not None]
    if len(given) > 1:
        raise InventoryConfigError('%s: %s are given; use only one of token, token_env, token_file'
                                   % (label, ' and '.join(given)))
    if entry.get('name') is not None and not isinstance(entry['name'], (str, int)):
        raise InventoryConfigError('%s: name must be a string' % label)
    subsets = _entry_subsets(label, entry.get('gather'))

    own = dict((key, _file_value(basedir, key, value)) for key, value in entry.items()
               if key in CONNECTION_ARGSPEC and value is not None)
    # The entry's token source replaces the top level's, whichever of the three each one uses.
    get = first_given((own.get, defaults.get))
    options = dict((option.name, get(option.name)) for option in OPTIONS)
    try:
        url = normalize_base_url(entry['url'])
        name = str(entry['name']) if entry.get('name') is not None else _default_name(url)
        connection = _connection_variables(url, options)
        try:
            settings = resolve_connection(options, environ)
        except ConnectionSourceError as exc:
            # An unset variable or a missing file costs this member only, not the file.
            return Member(name, url, problem=str(exc), connection=connection, subsets=subsets)
        return Member(name, url, settings, connection=connection, subsets=subsets)
    except ConnectionOptionError as exc:
        raise InventoryConfigError('%s: %s' % (label, exc))


def _connection_variables(url, options):
    """The ``ansible_coder_*`` host variables of a member: its URL (without password) and the
    non-secret options the inventory used for it, so that a play needs no connection settings.

    A token or header value would show in ``ansible-inventory --list`` and be written to every
    fact cache: of the secrets only a vault-encrypted token is passed on, still encrypted.
    """
    variables = dict(ansible_coder_url=display_url(url))
    for option in OPTIONS:
        value = options.get(option.name)
        if value is None or option.name == 'url':
            continue
        if not option.spec.get('no_log') or is_vault_encrypted(value):
            variables[option.variable] = value
    return variables


def _entry_subsets(label, gather):
    """The subsets of an entry's own ``gather`` (a list, or names separated by commas), None without one."""
    if gather is None:
        return None
    names = gather.split(',') if isinstance(gather, str) else gather
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise InventoryConfigError("%s: gather must be a list of subset names, such as [all, '!stats']" % label)
    try:
        return expand_subsets(names, option='gather')
    except InputError as exc:
        raise InventoryConfigError('%s: %s' % (label, exc))


def _file_value(basedir, name, value):
    """Paths in the inventory file are relative to the file, wherever Ansible is started from."""
    if name not in FILE_OPTIONS or value is None:
        return value
    path = os.path.expanduser(str(value))
    return path if os.path.isabs(path) else os.path.normpath(os.path.join(basedir, path))


def _default_name(url):
    return urlsplit(url).netloc.rsplit('@', 1)[-1]


def fingerprint(members, **gather_options):
    """A digest of everything that changes the facts, for the cache key (the plugin adds the file's path)."""
    identity = dict(gather_options, members=[member.identity() for member in members])
    return hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode('utf-8')).hexdigest()


def gather_fleet(members, subsets, max_workers, user='me', include_options=False, processing_timeout=30.0):
    """Outcome per member name, the members fetched concurrently (each one's endpoints too).

    ``subsets`` are the top-level ``gather``, for the members without their own.

    The requests of all members run on one pool, with room for every endpoint of every member read
    at a time, so that a slow deployment holds up only its own. Its threads serve member after
    member: a pool per member would start (and join) some ten threads per deployment, and a thread
    start waits for the GIL, which the fleet's other threads hold.
    """
    def read(member):
        if member.problem:
            return Outcome(error='%s: %s' % (member.url, member.problem))
        warnings = []
        # When the reading started: the facts are at least that old (the freshness rule of checks).
        started = gathered_at()
        try:
            with CoderClient(member.settings, warn=warnings.append) as client:
                gathered = gather(Deployment(client), subsets if member.subsets is None else member.subsets,
                                  user=user, include_options=include_options, processing_timeout=processing_timeout,
                                  executor=requests_pool)
        except Exception as exc:  # pylint: disable=broad-except
            # A bug of ours, whatever the server sent, costs this member only, never the others.
            error = reportable(exc, where=member.url, hide=Secrets(member.settings).hide)
            return Outcome(error=str(error), warnings=warnings, trace=getattr(error, 'trace', None))
        error = gathered.error()
        return Outcome(facts=dict(gathered.facts, gathered_at=started) if gathered.reachable() else None,
                       error=None if error is None else str(error), errors=gathered.endpoint_causes(),
                       warnings=warnings)

    if not members:
        return {}
    at_a_time = min(max_workers, len(members))
    widest = max([subsets] + [member.subsets for member in members if member.subsets is not None], key=len)
    with ThreadPoolExecutor(max_workers=at_a_time * workers_for(widest)) as requests_pool:
        with ThreadPoolExecutor(max_workers=at_a_time) as pool:
            outcomes = list(pool.map(read, members))
    return dict((member.name, outcome) for member, outcome in zip(members, outcomes))


def host_vars(url, facts=None, error=None, errors=None, from_cache=False):
    """``coder_*`` host variables: every facts key read, shortcuts for grouping, and what failed.

    ``facts`` None means that the deployment did not answer at all; with ``error`` there are also
    ``coder_error`` (one line) and ``coder_errors`` (endpoint → cause).
    """
    variables = dict(('coder_' + key, value) for key, value in (facts or {}).items())
    variables.update(coder_url=url, coder_reachable=facts is not None)
    if error is not None:
        variables.update(coder_error=error, coder_errors=dict(errors or {}))
    if facts is None:
        return variables
    variables['coder_from_cache'] = from_cache
    version_info = (facts.get('build') or {}).get('version_info') or {}
    if 'build' in facts:
        variables['coder_version'] = facts['build'].get('version')
    if version_info.get('major') is not None and version_info.get('minor') is not None:
        variables['coder_version_minor'] = '%s.%s' % (version_info['major'], version_info['minor'])
    if 'experiments' in facts:
        variables['coder_experiments_enabled'] = facts['experiments'].get('enabled', [])
    return variables
