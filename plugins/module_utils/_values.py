# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE to the coder.coderd collection: may change in any release without notice.
"""The value model: turns the Coder API's wire JSON into the documented facts layout.

The real server differs from its swagger (durations are int nanoseconds, URLs and host:port are
strings, enums are {"Choices", "Value"} objects in the options list, Go field names leak into
keys, `config` omits zero values, secrets disappear). Every consumer (client, modules, lookups,
drift engine, inventory) calls this module so that users never see those quirks.

Standard library only, no Ansible imports: it also runs inside modules on remote hosts.
Everything returned is plain JSON-able data.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import re
from collections import namedtuple

from ansible_collections.coder.coderd.plugins.module_utils import _option_catalog
from ansible_collections.coder.coderd.plugins.module_utils._units import (
    format_go_duration,
    normalize_host_port,
    ns_to_seconds,
    parse_go_duration_ns,
    parse_version,
    to_seconds,
    url_to_string,
)

# codersdk.ExperimentsKnown at Coder v2.34.3.
KNOWN_EXPERIMENTS = (
    'example',
    'auto-fill-parameters',
    'notifications',
    'workspace-usage',
    'oauth2',
    'mcp-server-http',
    'workspace-build-updates',
)

SECRET_MASK = '********'

_ACRONYM_BOUNDARY = re.compile(r'([A-Z]+)([A-Z][a-z])')
_WORD_BOUNDARY = re.compile(r'([a-z0-9])([A-Z])')


def snake_case(key):
    """Go field names that leak into the JSON ('DeploymentName', 'SSHConfigOptions', 'P50') in snake_case."""
    if key.islower() or not any(character.isupper() for character in key):
        return key
    return _WORD_BOUNDARY.sub(r'\1_\2', _ACRONYM_BOUNDARY.sub(r'\1_\2', key)).lower()


def _require_object(raw, what):
    if not isinstance(raw, dict):
        raise ValueError('unexpected {0} response: expected a JSON object, got {1}'.format(what, _json_type(raw)))
    return raw


def _json_type(value):
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
_SENT = 'sent'                  # always there, never null
_SENT_OR_NULL = 'sent or null'  # always there; a Go map or slice, null when empty
_OPTIONAL = 'optional'          # newer releases only, or omitted when empty: absent or null means empty
_EXPECTED = {str: 'a string', bool: 'a boolean', dict: 'an object', list: 'an array'}


def _documented_fields(raw, what, fields):
    """Every wire field (snake_case), each documented one checked and, when empty, its typed empty value.

    ``fields``: (name, JSON type, presence). The facts layout stays the same whatever a server
    omitted (Go's omitempty, an older release) or sent as null, so templates never need
    `is defined` guards; the empty value is what the Go zero value means.
    """
    body = dict((snake_case(key), value) for key, value in _require_object(raw, what).items())
    missing = ['"{0}"'.format(name) for name, _kind, presence in fields if presence != _OPTIONAL and name not in body]
    if missing:
        raise ValueError('unexpected {0} response: {1} {2} missing'.format(
            what, ', '.join(missing), 'is' if len(missing) == 1 else 'are'))
    for name, kind, presence in fields:
        value = body.get(name)
        if value is None and presence != _SENT:
            body[name] = kind()
        elif not isinstance(value, kind):
            raise ValueError('unexpected {0} response: "{1}" is {2}, expected {3}'.format(
                what, name, _json_type(value), _EXPECTED[kind]))
    return body


_BUILD_INFO_FIELDS = (
    ('external_url', str, _SENT),
    ('version', str, _SENT),
    ('dashboard_url', str, _SENT),
    ('telemetry', bool, _OPTIONAL),                 # since v2.13
    ('workspace_proxy', bool, _SENT),
    ('agent_api_version', str, _OPTIONAL),          # since v2.5
    ('provisioner_api_version', str, _OPTIONAL),    # since v2.15
    ('upgrade_message', str, _OPTIONAL),            # since v2.8
    ('deployment_id', str, _OPTIONAL),              # since v2.11
    # omitempty: a server whose web-push setup failed sends no key, which means "no key".
    ('webpush_public_key', str, _OPTIONAL),
)


def normalize_build_info(raw):
    """/buildinfo: every wire field plus `version_info` (major, minor, patch, prerelease, build)."""
    build = _documented_fields(raw, '/buildinfo', _BUILD_INFO_FIELDS)
    try:
        build['version_info'] = parse_version(build['version'])
    except ValueError as error:
        raise ValueError('unexpected /buildinfo response: {0}'.format(error))
    return build


def normalize_ssh(raw):
    """/deployment/ssh; the keys of `ssh_config_options` are SSH option names and stay as sent."""
    return _documented_fields(raw, '/deployment/ssh', (
        ('hostname_prefix', str, _SENT),
        ('hostname_suffix', str, _OPTIONAL),        # since v2.22
        ('ssh_config_options', dict, _SENT_OR_NULL),
    ))


def normalize_update_check(raw):
    """/updatecheck: {current, version, url}."""
    return _documented_fields(raw, '/updatecheck', (
        ('current', bool, _SENT), ('version', str, _SENT), ('url', str, _SENT)))


def normalize_api_root(raw):
    """GET /api/v2/: {message}."""
    return _documented_fields(raw, '/api/v2/', (('message', str, _SENT),))


def normalize_stats(raw):
    """/deployment/stats with lower-case keys (the wire says P50/P95); timestamps stay RFC 3339 strings."""
    return _snake_keys(_documented_fields(raw, '/deployment/stats', (
        ('aggregated_from', str, _SENT),
        ('collected_at', str, _SENT),
        ('next_update_at', str, _SENT),
        ('workspaces', dict, _SENT),
        ('session_count', dict, _SENT),
    )))


def normalize_token_config(raw, user='me'):
    """tokenconfig: the lifetime as seconds, as a Go duration string and as the wire's nanoseconds."""
    body = _require_object(raw, '/users/{user}/keys/tokens/tokenconfig')
    if 'max_token_lifetime' not in body:
        raise ValueError('unexpected tokenconfig response: "max_token_lifetime" is missing')
    lifetime = body['max_token_lifetime']
    if isinstance(lifetime, str):
        nanoseconds = parse_go_duration_ns(lifetime)
    elif isinstance(lifetime, int) and not isinstance(lifetime, bool):
        nanoseconds = lifetime
    else:
        raise ValueError('unexpected tokenconfig response: "max_token_lifetime" is {0}, expected nanoseconds'.format(
            _json_type(lifetime)))
    seconds = ns_to_seconds(nanoseconds)
    return {
        'user': user,
        'max_token_lifetime_seconds': seconds,
        'max_token_lifetime': format_go_duration(seconds),
        'max_token_lifetime_ns': nanoseconds,
    }


def _string_list(value, what):
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError('unexpected {0} response: expected an array of strings, got {1}'.format(what, _json_type(value)))
    return list(value)


def available_experiments(raw):
    """/experiments/available: the `safe` list of the {"safe": [...]} object coderd sends.

    The bare array that the swagger and older docs show is accepted too.
    """
    if isinstance(raw, dict):
        raw = _documented_fields(raw, '/experiments/available', (('safe', list, _SENT),))['safe']
    return _string_list(raw, '/experiments/available')


def normalize_experiments(enabled_raw, available_raw):
    """/experiments and /experiments/available as {enabled, available, unknown}.

    `available_raw` is the answer of /experiments/available or its list (available_experiments()).
    `unknown` lists enabled names that are neither known to Coder nor available (coderd enables
    them anyway, usually a typo).
    """
    enabled = _string_list(enabled_raw, '/experiments')
    available = available_experiments(available_raw)
    recognised = set(KNOWN_EXPERIMENTS).union(available)
    unknown = []
    for name in enabled:
        if name not in recognised and name not in unknown:
            unknown.append(name)
    return {'enabled': enabled, 'available': available, 'unknown': unknown}


# --- deployment config ---------------------------------------------------------------------------

_CatalogOption = namedtuple('_CatalogOption', _option_catalog.FIELDS)

Setting = namedtuple('Setting', (
    'key', 'resolved_as', 'name', 'env', 'flag', 'yaml_path', 'type', 'value', 'value_source', 'secret', 'set'))
Setting.__doc__ = """One deployment setting found by DeploymentConfig.resolve().

key: the key as given; resolved_as: the canonical JSON path in the normalized config (the flag for
an option the shipped catalog does not know); type: 'duration', 'url', 'bool', 'int', 'float',
'string', 'string-array', 'host:port', 'enum', 'regexp', 'struct' or 'secret'; value: normalized
(seconds for durations, {"set": bool} for secrets); set: the option received a value (from a flag,
env, YAML or its default); for a secret, whether it is configured at all.
"""


class UnknownKeyError(ValueError):
    """A deployment setting key that matches no JSON path, env var, flag, YAML path or option name."""


def _zero_value(serpent_type):
    if serpent_type == 'bool':
        return False
    if serpent_type in ('int', 'duration'):
        return 0
    if serpent_type == 'float64':
        return 0.0
    if serpent_type == 'string-array' or serpent_type.startswith('struct[['):
        return []
    if serpent_type.startswith('struct['):
        return {}
    return ''


def _public_type(serpent_type, secret):
    if secret:
        return 'secret'
    if serpent_type.startswith('enum['):
        return 'enum'
    if serpent_type.startswith('struct['):
        return 'struct'
    return {'float64': 'float', 'yaml-config-path': 'string'}.get(serpent_type, serpent_type)


def _normalize_value(serpent_type, value):
    """A wire value of the given serpent type in the documented form."""
    if value is None:
        return _zero_value(serpent_type)
    if serpent_type == 'duration':
        return to_seconds(value) if isinstance(value, str) else ns_to_seconds(value)
    if serpent_type == 'url':
        return url_to_string(value)
    if serpent_type == 'host:port':
        return normalize_host_port(value)
    if isinstance(value, dict) and serpent_type.startswith('enum['):
        # The options list shows serpent.Enum's struct, `config` the plain string.
        return value.get('Value') or ''
    return value


def _normalize_config_value(serpent_type, value, where):
    try:
        return _normalize_value(serpent_type, value)
    except ValueError as error:
        raise ValueError('unexpected /deployment/config response: {0}: {1}'.format(where, error))


def _infer_serpent_type(option):
    """The type of an option the shipped catalog does not know (a newer server), from what it carries."""
    value = option.get('value')
    if _annotations(option).get('format_duration') == 'true':
        return 'duration'
    if isinstance(value, bool):
        return 'bool'
    if isinstance(value, int):
        return 'int'
    if isinstance(value, float):
        return 'float64'
    if isinstance(value, dict):
        return 'enum[]' if 'Choices' in value else 'struct[map]'
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return 'string-array'
    if isinstance(value, list):
        return 'struct[[]]'
    if value is None:
        # Only string arrays and struct values serialize as null; a JSON default tells them apart.
        default = (option.get('default') or '').lstrip()
        return {'{': 'struct[map]', '[': 'struct[[]]'}.get(default[:1], 'string-array')
    return 'string'


def _is_empty(value):
    return value is None or value == '' or value == [] or value == {}


def _is_zero(value):
    # False == 0 in Python, so this also covers booleans.
    return _is_empty(value) or (not isinstance(value, (dict, list, str)) and value == 0)


def _group_yaml_path(option):
    """serpent's Option.YAMLPath(): the YAML keys of the group ancestry plus the option's own key."""
    if not option.get('yaml'):
        return ''
    keys = [option['yaml']]
    group = option.get('group')
    while isinstance(group, dict):
        if group.get('yaml') and isinstance(group['yaml'], str):
            keys.append(group['yaml'])
        group = group.get('parent')
    return '.'.join(reversed(keys))


class _Catalog:
    """Indexes over the shipped option catalog, built once per process."""

    _instance = None

    def __init__(self):
        self.options = tuple(_CatalogOption(*record) for record in _option_catalog.OPTIONS)
        self.by_flag = dict((option.flag, option) for option in self.options)
        self.by_env = dict((option.env, option) for option in self.options if option.env)
        self.by_name = dict((option.name.lower(), option) for option in self.options)
        self.path_of = dict((option.flag, _canonical_path(option.config_json_path)) for option in self.options)
        self.go_name_paths = dict(
            (option.config_json_path, self.path_of[option.flag]) for option in self.options
            if option.config_json_path != self.path_of[option.flag])
        self.type_at = {}
        self.secret_paths = set()
        for option in self.options:
            path = self.path_of[option.flag]
            self.type_at[path] = option.type
            if option.secret:
                self.secret_paths.add(path)
        self.secret_flags = frozenset(option.flag for option in self.options if option.secret)

    @classmethod
    def get(cls):
        if cls._instance is None:
            cls._instance = cls()
        return cls._instance

    def find(self, option):
        """The catalog record of a server option: by flag, else env, else name."""
        return (self.by_flag.get(option.get('flag') or '')
                or self.by_env.get(option.get('env') or '')
                or self.by_name.get((option.get('name') or '').lower()))


def _canonical_path(wire_path):
    return '.'.join(snake_case(part) for part in wire_path.split('.'))


def _annotations(option):
    annotations = option.get('annotations')
    return annotations if isinstance(annotations, dict) else {}


def _is_secret_option(option, catalog):
    flag = option.get('flag')
    return _annotations(option).get('secret') == 'true' or (isinstance(flag, str) and flag in catalog.secret_flags)


def mask_deployment_config(raw):
    """A copy of a raw /deployment/config body with every secret value a server returned replaced by SECRET_MASK.

    coderd strips secrets itself, but `use_instead` entries are full copies of the replacement
    option and are not scrubbed; this also covers a buggy or modified server. Use it before
    showing a raw body anywhere.
    """
    body = copy.deepcopy(_require_object(raw, '/deployment/config'))
    catalog = _Catalog.get()

    def mask_options(options):
        for option in options if isinstance(options, list) else ():
            if not isinstance(option, dict):
                continue
            if _is_secret_option(option, catalog) and not _is_empty(option.get('value')):
                option['value'] = SECRET_MASK
            mask_options(option.get('use_instead'))

    def mask_config(node, prefix):
        for key, value in node.items():
            path = prefix + snake_case(key)
            if path in catalog.secret_paths:
                if not _is_empty(value):
                    node[key] = SECRET_MASK
            elif isinstance(value, dict):
                mask_config(value, path + '.')

    mask_options(body.get('options'))
    if isinstance(body.get('config'), dict):
        mask_config(body['config'], '')
    return body


class _OptionEntry:
    """One option of the server's list (or of the catalog when the server sent none), normalized."""

    __slots__ = ('name', 'env', 'flag', 'yaml_path', 'json_path', 'serpent_type', 'secret', 'hidden',
                 'description', 'value_source', 'has_value', 'value', 'deprecated', 'set')

    def __init__(self, name, env, flag, yaml_path, json_path, serpent_type, secret, hidden, description,
                 value_source, has_value, value, deprecated, is_set):
        self.name = name
        self.env = env
        self.flag = flag
        self.yaml_path = yaml_path
        self.json_path = json_path
        self.serpent_type = serpent_type
        self.secret = secret
        self.hidden = hidden
        self.description = description
        self.value_source = value_source
        self.has_value = has_value
        self.value = value
        self.deprecated = deprecated
        self.set = is_set

    @classmethod
    def from_server(cls, option, catalog):
        known = catalog.find(option)
        serpent_type = known.type if known else _infer_serpent_type(option)
        secret = _is_secret_option(option, catalog) or bool(known and known.secret)
        value_source = option.get('value_source') or ''
        raw_value = option.get('value')
        if secret:
            # Never keep a secret a server returned: only whether it is set survives.
            is_set = bool(value_source) or not _is_empty(raw_value)
            value = {'set': is_set}
        else:
            is_set = bool(value_source)
            value = _normalize_config_value(serpent_type, raw_value, 'option {0!r}'.format(option.get('flag')))
        return cls(
            name=option.get('name') or '',
            env=option.get('env') or '',
            flag=option.get('flag') or '',
            yaml_path=_group_yaml_path(option),
            json_path=catalog.path_of[known.flag] if known else '',
            serpent_type=serpent_type,
            secret=secret,
            hidden=bool(option.get('hidden')),
            description=option.get('description') or '',
            value_source=value_source,
            has_value=secret or 'value' in option,
            value=value,
            deprecated=bool(option.get('use_instead')),
            is_set=is_set,
        )

    @classmethod
    def from_catalog(cls, known, catalog):
        return cls(
            name=known.name, env=known.env, flag=known.flag, yaml_path=known.yaml_path,
            json_path=catalog.path_of[known.flag], serpent_type=known.type, secret=known.secret,
            hidden=known.hidden, description='', value_source='', has_value=False, value=None,
            deprecated=bool(known.use_instead), is_set=False,
        )

    def public(self):
        return {
            'name': self.name,
            'env': self.env,
            'flag': self.flag,
            'yaml_path': self.yaml_path,
            'json_path': self.json_path,
            'type': _public_type(self.serpent_type, self.secret),
            'value': self.value,
            'value_source': self.value_source,
            'secret': self.secret,
            'hidden': self.hidden,
            'description': self.description,
        }


# Unknown keys of one index that get a did-you-mean search: each search compares the key with
# every spelling of every setting (milliseconds), and a document of thousands of mistyped keys
# must still be checked in seconds; keys beyond these are named without suggestions.
_SUGGESTION_SEARCHES = 20
# An unknown key is shown up to this length: a key is one line of a message, whatever its size.
_SHOWN_KEY_LENGTH = 100


class _KeyIndex:
    """Every key form of every setting, looked up in the documented order.

    Match order: JSON path (canonical snake_case or the wire's Go-name form), env var
    (case-insensitive), flag (with or without '--'), YAML path (exact, then case-insensitive),
    option name (case-insensitive). The first form that matches wins.
    """

    def __init__(self):
        self.json_path = {}
        self.env = {}
        self.flag = {}
        self.yaml_path = {}
        self.yaml_path_folded = {}
        self.name = {}
        self._name_spelling = {}
        self._spellings = None
        self._searches_left = _SUGGESTION_SEARCHES

    def add(self, target, json_paths, env, flag, yaml_path, name):
        # setdefault: of the options sharing one Go field, the one added first owns the JSON path.
        for path in json_paths:
            if path:
                self.json_path.setdefault(path, target)
        if env:
            self.env.setdefault(env.upper(), target)
        if flag:
            self.flag.setdefault(flag.lower(), target)
        if yaml_path:
            self.yaml_path.setdefault(yaml_path, target)
            self.yaml_path_folded.setdefault(yaml_path.lower(), target)
        if name:
            self.name.setdefault(name.lower(), target)
            self._name_spelling.setdefault(name.lower(), name)

    def lookup(self, key):
        if not isinstance(key, str) or not key.strip():
            raise UnknownKeyError('invalid deployment setting key: expected a non-empty string, got {0}'.format(
                repr(key) if isinstance(key, str) else _json_type(key)))
        text = key.strip()
        folded = text.lower()
        flag = folded[2:] if folded.startswith('--') else folded
        for table, candidate in ((self.json_path, text), (self.env, text.upper()), (self.flag, flag),
                                 (self.yaml_path, text), (self.yaml_path_folded, folded), (self.name, folded)):
            if candidate in table:
                return table[candidate]
        raise UnknownKeyError(self._unknown_message(text))

    def _unknown_message(self, text):
        shown = text if len(text) <= _SHOWN_KEY_LENGTH else text[:_SHOWN_KEY_LENGTH] + '...'
        suggestions = self._suggestions(text) if self._searches_left > 0 else []
        if suggestions:
            return 'unknown deployment setting {0!r}; did you mean: {1}'.format(shown, ', '.join(suggestions))
        return ('unknown deployment setting {0!r}; use a JSON path, env var, flag, YAML path or option name '
                'of the deployment config'.format(shown))

    def _suggestions(self, text):
        """Up to five spellings close to ``text``, one per setting, each in the first form that comes close."""
        # Imported here: only this error path needs difflib, and module start-up time counts per task.
        import difflib

        self._searches_left -= 1
        if self._spellings is None:
            self._spellings = {}
            for table in (self.json_path, self.env, self.flag, self.yaml_path):
                for spelling, target in table.items():
                    self._spellings.setdefault(spelling.lower(), (spelling, target))
            for folded_name, target in self.name.items():
                self._spellings.setdefault(folded_name, (self._name_spelling[folded_name], target))
        suggestions = []
        seen = []
        for match in difflib.get_close_matches(text.lower(), list(self._spellings), n=25, cutoff=0.6):
            spelling, target = self._spellings[match]
            if not any(target is other for other in seen):
                seen.append(target)
                suggestions.append(spelling)
        return suggestions[:5]


class _ListedOption:
    """An options-list record as a key index target (the index names suggestions by `name`)."""

    __slots__ = ('name', 'record')

    def __init__(self, record):
        self.name = record.get('name') or ''
        self.record = record


def find_option(options, key):
    """The record of a normalized options list (DeploymentConfig.options, the `options` fact) that `key` names.

    Same key forms and match order as DeploymentConfig.resolve(); UnknownKeyError when none matches,
    ValueError naming the item when `options` is no such list.
    """
    if not isinstance(options, (list, tuple)):
        raise ValueError('options: expected the options list of coder.coderd.deployment_info (include_options: '
                         'true), got {0}'.format(_json_type(options)))
    for number, record in enumerate(options, 1):
        problem = _option_record_problem(record, ('name', 'env', 'flag', 'yaml_path', 'json_path'))
        if problem:
            raise ValueError('options: item {0} {1}'.format(number, problem))
    index = _KeyIndex()
    # Visible options first: where a JSON path is shared, the hidden one is the deprecated alias.
    for record in sorted(options, key=lambda item: bool(item.get('hidden'))):
        index.add(_ListedOption(record), (record.get('json_path'),), record.get('env'), record.get('flag'),
                  record.get('yaml_path'), record.get('name'))
    return index.lookup(key).record


def _value_kind(value):
    """The public type of a config value that no option describes."""
    if isinstance(value, bool):
        return 'bool'
    if isinstance(value, int):
        return 'int'
    if isinstance(value, float):
        return 'float'
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return 'string-array'
    if isinstance(value, (list, dict)):
        return 'struct'
    return 'string'


def _config_body(raw):
    """The `config` object and `options` list of a /deployment/config answer, which every Coder release sends.

    Without them the answer is not a deployment config, and filling in the settings it lacks would
    report zero values the server never sent.
    """
    body = _documented_fields(raw, '/deployment/config', (('config', dict, _SENT), ('options', list, _SENT)))
    if not body['options']:
        raise ValueError('unexpected /deployment/config response: "options" is empty; a Coder server lists '
                         'every deployment option')
    for number, option in enumerate(body['options'], 1):
        problem = _option_record_problem(option, _SERVER_OPTION_TEXT)
        if problem:
            raise ValueError('unexpected /deployment/config response: "options" item {0} {1}'.format(number, problem))
    return body['config'], body['options']


# The fields of an option record that the value model reads as text.
_SERVER_OPTION_TEXT = ('name', 'description', 'flag', 'env', 'yaml', 'default', 'value_source')


def _option_record_problem(option, text_fields):
    """What makes ``option`` no option record (an object whose ``text_fields`` are strings when set), or ''."""
    if not isinstance(option, dict):
        return 'is {0}, expected an object'.format(_json_type(option))
    for field in text_fields:
        value = option.get(field)
        if value is not None and not isinstance(value, str):
            return '"{0}" is {1}, expected a string'.format(field, _json_type(value))
    return ''


class DeploymentConfig:
    """The body of GET /api/v2/deployment/config ({"config": ..., "options": [...]}), normalized.

    `config`: the wire's nesting with snake_case keys, durations in seconds, URLs and host:port as
    strings, null arrays as [], omitted top-level zero values filled in, secrets as {"set": bool}.
    `options`: one record per option of the server's list. `resolve()`/`select()` find settings by
    any key form. The server's own options list drives resolution, so newer and older servers
    work; the shipped catalog supplies JSON paths and types. No secret value is ever kept.
    Returned structures are shared with the instance: treat them as read-only.
    """

    def __init__(self, raw):
        config, options = _config_body(raw)
        catalog = _Catalog.get()
        entries = [_OptionEntry.from_server(option, catalog) for option in options]
        self._setup(catalog, entries, 'the deployment config has')
        self._wire_paths = {}
        self.config = self._normalize_tree(config, '', '')
        self._fill_omitted_top_level()
        self.options = [entry.public() for entry in entries]
        self._index = self._build_index()

    @classmethod
    def from_facts(cls, config):
        """Settings of gathered `config` facts (already normalized, read as they are), found by any key form.

        The shipped option catalog maps the keys; a setting the facts lack is an error, never a zero value.
        """
        if not isinstance(config, dict):
            raise ValueError('the config facts are {0}, expected a mapping'.format(_json_type(config)))
        catalog = _Catalog.get()
        model = cls.__new__(cls)
        model._setup(catalog, [_OptionEntry.from_catalog(known, catalog) for known in catalog.options],
                     'the gathered config facts have')
        model._wire_paths = {}
        model.config = config
        model.options = []
        model._index = model._build_index()
        return model

    def _setup(self, catalog, entries, lacks):
        self._catalog = catalog
        self._entries = entries
        self._lacks = lacks
        self._entries_at = {}
        for entry in entries:
            if entry.json_path:
                self._entries_at.setdefault(entry.json_path, []).append(entry)

    def _type_at(self, path):
        entries = self._entries_at.get(path)
        if entries:
            return entries[0].serpent_type, entries[0].secret
        serpent_type = self._catalog.type_at.get(path)
        return serpent_type, path in self._catalog.secret_paths

    def _secret_state(self, path, config_value):
        # Options sharing one Go field share its value source; a value a server leaked also means "set".
        entries = self._entries_at.get(path, ())
        return {'set': any(entry.set for entry in entries) or not _is_empty(config_value)}

    def _normalize_tree(self, node, prefix, wire_prefix):
        result = {}
        for key, value in node.items():
            name = snake_case(key)
            path = prefix + name
            if wire_prefix + key != path:
                self._wire_paths[wire_prefix + key] = path
            serpent_type, secret = self._type_at(path)
            if secret:
                result[name] = self._secret_state(path, value)
            elif serpent_type:
                result[name] = _normalize_config_value(serpent_type, value, 'config {0!r}'.format(path))
            elif isinstance(value, dict):
                result[name] = self._normalize_tree(value, path + '.', wire_prefix + key + '.')
            else:
                result[name] = value
        return result

    def _fill_omitted_top_level(self):
        """Put back what Go's omitempty dropped: false, "", 0 and empty arrays at the top level."""
        for path, entries in self._entries_at.items():
            if '.' in path or path in self.config:
                continue
            entry = entries[0]
            if entry.secret:
                self.config[path] = self._secret_state(path, None)
            elif entry.has_value:
                self.config[path] = entry.value
            else:
                self.config[path] = _zero_value(entry.serpent_type)

    def _build_index(self):
        index = _KeyIndex()
        # Current options first, so they own a JSON path they share with a deprecated alias.
        for entry in sorted(self._entries, key=lambda item: (item.deprecated, item.hidden)):
            paths = (entry.json_path,) if entry.json_path else ()
            index.add(entry, paths, entry.env, entry.flag, entry.yaml_path, entry.name)
        for path in self._config_paths(self.config, ''):
            index.add(path, (path,), '', '', '', '')
        go_name_paths = dict(self._catalog.go_name_paths)
        go_name_paths.update(self._wire_paths)
        for wire_path, path in go_name_paths.items():
            if path in index.json_path:
                index.json_path.setdefault(wire_path, index.json_path[path])
        return index

    def _config_paths(self, node, prefix):
        for key, value in node.items():
            path = prefix + key
            yield path
            if isinstance(value, dict) and self._type_at(path) == (None, False):
                yield from self._config_paths(value, path + '.')

    def _config_value(self, path, key):
        node = self.config
        for part in path.split('.'):
            if not isinstance(node, dict) or part not in node:
                raise ValueError('{0} no {1!r} (the setting {2!r})'.format(self._lacks, path, key))
            node = node[part]
        return node

    def resolve(self, key):
        """The Setting that `key` names, in any key form; UnknownKeyError (a ValueError) when none does."""
        target = self._index.lookup(key)
        if not isinstance(target, _OptionEntry):
            value = self._config_value(target, key)
            return Setting(key=key, resolved_as=target, name='', env='', flag='', yaml_path='',
                           type=_value_kind(value), value=value, value_source='', secret=False,
                           set=not _is_zero(value))
        if target.has_value and not (target.secret and target.json_path):
            value, is_set = target.value, target.set
        else:
            # For a secret, `config` holds the merged state of all options sharing its Go field.
            value = self._config_value(target.json_path, key)
            if target.secret:
                is_set = bool(value.get('set')) if isinstance(value, dict) else not _is_empty(value)
            else:
                is_set = target.set or not _is_zero(value)
        return Setting(
            key=key, resolved_as=target.json_path or target.flag, name=target.name, env=target.env,
            flag=target.flag, yaml_path=target.yaml_path, type=_public_type(target.serpent_type, target.secret),
            value=value, value_source=target.value_source, secret=target.secret, set=is_set,
        )

    def select(self, keys):
        """{key as given: normalized value} for `deployment_config_info keys:`."""
        if isinstance(keys, str):
            keys = [keys]
        return dict((key, self.resolve(key).value) for key in keys)
