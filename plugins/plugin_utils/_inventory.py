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

from ansible_collections.coder.coderd.plugins.module_utils._api import Deployment, gather_facts, workers_for
from ansible_collections.coder.coderd.plugins.module_utils._client import CoderClient, Secrets
from ansible_collections.coder.coderd.plugins.module_utils._connection import (
    CONNECTION_ARGSPEC,
    CREDENTIALS,
    ConnectionOptionError,
    display_url,
    normalize_base_url,
    resolve_connection,
    without_cli_credentials,
)
from ansible_collections.coder.coderd.plugins.module_utils._errors import InputError, reportable
from ansible_collections.coder.coderd.plugins.module_utils._inventory_facts import gathered_at

TOKEN_SOURCES = ('token', 'token_env', 'token_file')
ENTRY_KEYS = ('name',) + tuple(CONNECTION_ARGSPEC) + TOKEN_SOURCES[1:]
_FILE_OPTIONS = ('ca_path', 'client_cert', 'client_key')


class InventoryConfigError(InputError):
    """The inventory file is wrong; the message names the entry and the key."""


class Member:
    """One deployment of the fleet: its host name and either its settings or why it has none.

    ``url`` is what the host variables and messages show, so it never holds user:password; the
    settings keep the URL as given, to connect with.
    """

    __slots__ = ('name', 'url', 'settings', 'problem')

    def __init__(self, name, url, settings=None, problem=None):
        self.name = name
        self.url = display_url(url)
        self.settings = settings
        self.problem = problem

    def identity(self):
        """What changes this member's facts, for the cache key; the token only as a digest."""
        state = list(self.settings.cache_identity()) if self.settings else [self.url, self.problem]
        return [self.name] + state


class Outcome:
    """The facts of one member, or the one-line error that replaced them (and the traceback of a bug)."""

    __slots__ = ('facts', 'error', 'warnings', 'trace')

    def __init__(self, facts=None, error=None, warnings=None, trace=None):
        self.facts = facts
        self.error = error
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
        return [_single_member(defaults, environ)]
    if config.get('url') is not None:
        raise InventoryConfigError('url at the top level only applies without deployments; '
                                   'give each entry of deployments its own url')
    # A member's credentials come from the inventory file only (or the origin-bound `coder login`
    # session): the environment names no deployment, so its token or headers would go to every one.
    member_defaults = dict((name, value) for name, value in defaults.items()
                           if name not in CREDENTIALS or config.get(name) is not None)
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


def _single_member(defaults, environ):
    try:
        settings = resolve_connection(defaults, environ)
    except ConnectionOptionError as exc:
        raise InventoryConfigError(str(exc))
    return Member(_default_name(settings.url), settings.url, settings)


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

    options = dict(defaults)
    options.update((key, _relative_to(basedir, value) if key in _FILE_OPTIONS else value)
                   for key, value in entry.items() if key in CONNECTION_ARGSPEC and value is not None)
    try:
        url = normalize_base_url(entry['url'])
        name = str(entry['name']) if entry.get('name') is not None else _default_name(url)
        token, problem = _entry_token(entry, basedir, environ)
        if problem:
            return Member(name, url, problem=problem)
        if token is not None:
            options['token'] = token
        return Member(name, url, resolve_connection(options, environ))
    except ConnectionOptionError as exc:
        raise InventoryConfigError('%s: %s' % (label, exc))


def _entry_token(entry, basedir, environ):
    """(token or None, problem or None): a missing variable or file fails the member, not the file."""
    if entry.get('token_env') is not None:
        variable = str(entry['token_env'])
        value = environ.get(variable, '').strip()
        return (value, None) if value else (None, 'token_env: environment variable %s is not set' % variable)
    if entry.get('token_file') is not None:
        path = _relative_to(basedir, entry['token_file'])
        try:
            with open(path) as handle:
                value = handle.read().strip()
        except (IOError, OSError) as exc:
            return None, 'token_file: cannot read %s (%s)' % (path, exc.strerror or exc)
        return (value, None) if value else (None, 'token_file: %s is empty' % path)
    # str() decrypts a vault-encrypted value, which is not a str itself.
    return (str(entry['token']) if entry.get('token') is not None else None), None


def _relative_to(basedir, path):
    """Paths in the inventory file are relative to the file, wherever Ansible is started from."""
    path = os.path.expanduser(str(path))
    return path if os.path.isabs(path) else os.path.normpath(os.path.join(basedir, path))


def _default_name(url):
    return urlsplit(url).netloc.rsplit('@', 1)[-1]


def fingerprint(members, **gather_options):
    """A digest of everything that changes the facts, for the cache key (the plugin adds the file's path)."""
    identity = dict(gather_options, members=[member.identity() for member in members])
    return hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode('utf-8')).hexdigest()


def gather_fleet(members, subsets, max_workers, user='me', include_options=False, processing_timeout=30.0):
    """Outcome per member name, the members fetched concurrently (each one's endpoints too).

    The requests of all members run on one pool, with room for every endpoint of every member read
    at a time, so that a slow deployment holds up only its own. Its threads serve member after
    member: a pool per member would start (and join) some ten threads per deployment, and a thread
    start waits for the GIL, which the fleet's other threads hold.
    """
    def gather(member):
        if member.problem:
            return Outcome(error='%s: %s' % (member.url, member.problem))
        warnings = []
        # When the reading started: the facts are at least that old (the freshness rule of checks).
        started = gathered_at()
        try:
            with CoderClient(member.settings, warn=warnings.append) as client:
                facts = gather_facts(Deployment(client), subsets, user=user, include_options=include_options,
                                     processing_timeout=processing_timeout, executor=requests_pool)
                facts['gathered_at'] = started
        except Exception as exc:  # pylint: disable=broad-except
            # A bug of ours, whatever the server sent, costs this member only, never the others.
            error = reportable(exc, where=member.url, hide=Secrets(member.settings).hide)
            return Outcome(error=str(error), warnings=warnings, trace=getattr(error, 'trace', None))
        return Outcome(facts=facts, warnings=warnings)

    if not members:
        return {}
    at_a_time = min(max_workers, len(members))
    with ThreadPoolExecutor(max_workers=at_a_time * workers_for(subsets)) as requests_pool:
        with ThreadPoolExecutor(max_workers=at_a_time) as pool:
            outcomes = list(pool.map(gather, members))
    return dict((member.name, outcome) for member, outcome in zip(members, outcomes))


def host_vars(url, facts=None, error=None, from_cache=False):
    """``coder_*`` host variables: every facts key, plus shortcuts for grouping, or the error."""
    if facts is None:
        return dict(coder_url=url, coder_reachable=False, coder_error=error)
    variables = dict(('coder_' + key, value) for key, value in facts.items())
    variables['coder_reachable'] = True
    variables['coder_from_cache'] = from_cache
    version_info = (facts.get('build') or {}).get('version_info') or {}
    if 'build' in facts:
        variables['coder_version'] = facts['build'].get('version')
    if version_info.get('major') is not None and version_info.get('minor') is not None:
        variables['coder_version_minor'] = '%s.%s' % (version_info['major'], version_info['minor'])
    if 'experiments' in facts:
        variables['coder_experiments_enabled'] = facts['experiments'].get('enabled', [])
    return variables
