# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE to the coder.coderd collection: may change in any release without notice.
"""The value model of the small endpoints: their wire JSON as the documented facts layout.

The real server differs from its swagger (durations are int nanoseconds, Go field names leak into
keys, fields are omitted when empty, /experiments/available is an object). Every consumer
(modules, lookups, drift engine, inventory) reads answers through here, so that users never see
those quirks, and an answer without the fields that make it that endpoint's answer fails naming
them. The deployment config and its setting keys are in _config.py.

Standard library only, no Ansible imports: it also runs inside modules on remote hosts.
Everything returned is plain JSON-able data.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.coder.coderd.plugins.module_utils._errors import ServerError
from ansible_collections.coder.coderd.plugins.module_utils._units import (
    format_go_duration, ns_to_seconds, parse_go_duration_ns, parse_version,
)

# codersdk.ExperimentsKnown of Coder v2.10 to v2.36, together: a fleet runs several releases, and
# a name one of them knows is no typo.
KNOWN_EXPERIMENTS = (
    'example',
    'shared-ports',
    'auto-fill-parameters',
    'notifications',
    'workspace-usage',
    'web-push',
    'oauth2',
    'mcp-server-http',
    'workspace-sharing',
    'workspace-build-updates',
    'nats_pubsub',
    'minimum-implicit-member',
    'ai-gateway-cost-control',
    'workspace-capable-licensing',
    'ai-gateway-seat-exclusion',
    'chat-advisor',
    'chat-virtual-desktop',
    'agent-lifecycle-hooks',
)

_ACRONYM_BOUNDARY = re.compile(r'([A-Z]+)([A-Z][a-z])')
_WORD_BOUNDARY = re.compile(r'([a-z0-9])([A-Z])')


def snake_case(key):
    """Go field names that leak into the JSON ('DeploymentName', 'SSHConfigOptions', 'P50') in snake_case."""
    if key.islower() or not any(character.isupper() for character in key):
        return key
    return _WORD_BOUNDARY.sub(r'\1_\2', _ACRONYM_BOUNDARY.sub(r'\1_\2', key)).lower()


def require_object(raw, what):
    if not isinstance(raw, dict):
        raise ServerError('unexpected {0} response: expected a JSON object, got {1}'.format(what, json_type(raw)))
    return raw


def json_type(value):
    if value is None:
        return 'null'
    if isinstance(value, bool):
        return 'a boolean'
    if isinstance(value, (int, float)):
        return 'a number'
    if isinstance(value, str):
        return 'a string'
    if isinstance(value, list):
        return 'an array'
    return 'an object'


def _snake_keys(value):
    if isinstance(value, dict):
        return dict((snake_case(key), _snake_keys(item)) for key, item in value.items())
    if isinstance(value, list):
        return [_snake_keys(item) for item in value]
    return value


# How a documented field of an answer may appear. An answer that lacks a field every supported Coder
# release sends is not that endpoint's answer (an error page, a proxy's JSON): filling it with empty
# values would invent data the server never sent.
SENT = 'sent'                  # always there, never null
SENT_OR_NULL = 'sent or null'  # always there; a Go map or slice, null when empty
OPTIONAL = 'optional'          # newer releases only: absent stays absent (never invented), null means empty
_EXPECTED = {str: 'a string', bool: 'a boolean', dict: 'an object', list: 'an array'}


def documented_fields(raw, what, fields):
    """Every wire field (snake_case), each documented one checked and, when null, its typed empty value.

    ``fields``: (name, JSON type, presence). A null is what the Go zero value means, so it becomes
    the typed empty value; an OPTIONAL field the server did not send (an older release) stays
    absent: an empty value would claim something that release cannot say.
    """
    body = dict((snake_case(key), value) for key, value in require_object(raw, what).items())
    missing = ['"{0}"'.format(name) for name, _kind, presence in fields if presence != OPTIONAL and name not in body]
    if missing:
        raise ServerError('unexpected {0} response: {1} {2} missing'.format(
            what, ', '.join(missing), 'is' if len(missing) == 1 else 'are'))
    for name, kind, presence in fields:
        if presence == OPTIONAL and name not in body:
            continue
        value = body.get(name)
        if value is None and presence != SENT:
            body[name] = kind()
        elif not isinstance(value, kind):
            raise ServerError('unexpected {0} response: "{1}" is {2}, expected {3}'.format(
                what, name, json_type(value), _EXPECTED[kind]))
    return body


_BUILD_INFO_FIELDS = (
    ('external_url', str, SENT),
    ('version', str, SENT),
    ('dashboard_url', str, SENT),
    ('telemetry', bool, OPTIONAL),                 # since v2.13
    ('workspace_proxy', bool, SENT),
    ('agent_api_version', str, OPTIONAL),          # since v2.5
    ('provisioner_api_version', str, OPTIONAL),    # since v2.15
    ('upgrade_message', str, OPTIONAL),            # since v2.8
    ('deployment_id', str, OPTIONAL),              # since v2.11
    # since v2.21, omitempty: (there) a server whose web-push setup failed sends no key, which means "no key".
    ('webpush_public_key', str, OPTIONAL),
)
_WEBPUSH_SINCE = (2, 21)


def normalize_build_info(raw):
    """/buildinfo: every wire field plus `version_info` (major, minor, patch, prerelease, build)."""
    build = documented_fields(raw, '/buildinfo', _BUILD_INFO_FIELDS)
    try:
        version = build['version_info'] = parse_version(build['version'])
    except ValueError as error:
        raise ServerError('unexpected /buildinfo response: {0}'.format(error))
    if (version['major'], version['minor']) >= _WEBPUSH_SINCE:
        build.setdefault('webpush_public_key', '')
    return build


_SSH_FIELDS = (
    ('hostname_prefix', str, SENT),
    ('hostname_suffix', str, OPTIONAL),        # since v2.22
    ('ssh_config_options', dict, SENT_OR_NULL),
)
_UPDATE_CHECK_FIELDS = (('current', bool, SENT), ('version', str, SENT), ('url', str, SENT))
_API_ROOT_FIELDS = (('message', str, SENT),)
_STATS_FIELDS = (
    ('aggregated_from', str, SENT),
    ('collected_at', str, SENT),
    ('next_update_at', str, SENT),
    ('workspaces', dict, SENT),
    ('session_count', dict, SENT),
)
_TOKEN_CONFIG_FIELDS = (('user', str), ('max_token_lifetime_seconds', int), ('max_token_lifetime', str),
                        ('max_token_lifetime_ns', int))

# The top-level fields of each small endpoint's facts and their types, for what checks them
# before any request (the desired-state schema).
FACT_FIELDS = {
    'api_root': dict((name, kind) for name, kind, _presence in _API_ROOT_FIELDS),
    'build': dict([(name, kind) for name, kind, _presence in _BUILD_INFO_FIELDS] + [('version_info', dict)]),
    'ssh': dict((name, kind) for name, kind, _presence in _SSH_FIELDS),
    'stats': dict((name, kind) for name, kind, _presence in _STATS_FIELDS),
    'update_check': dict((name, kind) for name, kind, _presence in _UPDATE_CHECK_FIELDS),
    'token_config': dict(_TOKEN_CONFIG_FIELDS),
}


def normalize_ssh(raw):
    """/deployment/ssh; the keys of `ssh_config_options` are SSH option names and stay as sent."""
    return documented_fields(raw, '/deployment/ssh', _SSH_FIELDS)


def normalize_update_check(raw):
    """/updatecheck: {current, version, url}."""
    return documented_fields(raw, '/updatecheck', _UPDATE_CHECK_FIELDS)


def normalize_api_root(raw):
    """GET /api/v2/: {message}."""
    return documented_fields(raw, '/api/v2/', _API_ROOT_FIELDS)


def normalize_stats(raw):
    """/deployment/stats with lower-case keys (the wire says P50/P95); timestamps stay RFC 3339 strings."""
    return _snake_keys(documented_fields(raw, '/deployment/stats', _STATS_FIELDS))


def normalize_token_config(raw, user='me'):
    """tokenconfig: the lifetime as seconds, as a Go duration string and as the wire's nanoseconds."""
    body = require_object(raw, '/users/{user}/keys/tokens/tokenconfig')
    if 'max_token_lifetime' not in body:
        raise ServerError('unexpected tokenconfig response: "max_token_lifetime" is missing')
    lifetime = body['max_token_lifetime']
    if isinstance(lifetime, bool) or not isinstance(lifetime, (str, int)):
        raise ServerError('unexpected tokenconfig response: "max_token_lifetime" is {0}, expected nanoseconds'.format(
            json_type(lifetime)))
    try:
        nanoseconds = parse_go_duration_ns(lifetime) if isinstance(lifetime, str) else lifetime
        seconds = ns_to_seconds(nanoseconds)
        spelled = format_go_duration(seconds)
    except ValueError as error:
        raise ServerError('unexpected tokenconfig response: "max_token_lifetime": {0}'.format(error))
    return {
        'user': user,
        'max_token_lifetime_seconds': seconds,
        'max_token_lifetime': spelled,
        'max_token_lifetime_ns': nanoseconds,
    }


def _string_list(value, what):
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ServerError('unexpected {0} response: expected an array of strings, got {1}'.format(what, json_type(value)))
    return list(value)


def available_experiments(raw):
    """/experiments/available: the `safe` list of the {"safe": [...]} object coderd sends.

    The bare array that the swagger and older docs show is accepted too.
    """
    if isinstance(raw, dict):
        raw = documented_fields(raw, '/experiments/available', (('safe', list, SENT),))['safe']
    return _string_list(raw, '/experiments/available')


# Stands for the answer of /experiments/available on a release that has no such endpoint.
NOT_SERVED = object()


def normalize_experiments(enabled_raw, available_raw):
    """/experiments and /experiments/available as {enabled, available, unknown}.

    `available_raw` is the answer of /experiments/available or its list (available_experiments()),
    NOT_SERVED for a release without that endpoint (before v2.4): the facts then have no `available`.
    `unknown` lists enabled names that are neither known to Coder nor available (coderd enables
    them anyway, usually a typo).
    """
    enabled = _string_list(enabled_raw, '/experiments')
    available = [] if available_raw is NOT_SERVED else available_experiments(available_raw)
    recognised = set(KNOWN_EXPERIMENTS).union(available)
    unknown = []
    for name in enabled:
        if name not in recognised and name not in unknown:
            unknown.append(name)
    facts = {'enabled': enabled, 'available': available, 'unknown': unknown}
    if available_raw is NOT_SERVED:
        del facts['available']
    return facts
