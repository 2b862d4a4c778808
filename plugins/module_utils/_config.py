# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE to the coder.coderd collection: may change in any release without notice.
"""The deployment config: the settings of GET /deployment/config, and every name a setting goes by.

The real server's config differs from its swagger (durations are int nanoseconds, URLs and
host:port are strings, enums are {"Choices", "Value"} objects in the options list, Go field names
leak into keys, `config` omits top-level zero values, secrets disappear). One option record type
(_Option) holds an option whether it comes from the server's options list, the options facts or
the shipped catalog; one key index (_KeyIndex) finds it by any of its names, for
DeploymentConfig, DeploymentConfig.from_facts and find_option alike.

Standard library only, no Ansible imports: it also runs inside modules on remote hosts.
Everything returned is plain JSON-able data.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import functools
from collections import namedtuple

from ansible_collections.coder.coderd.plugins.module_utils import _option_catalog
from ansible_collections.coder.coderd.plugins.module_utils._errors import InputError, ServerError
from ansible_collections.coder.coderd.plugins.module_utils._paths import find_path
from ansible_collections.coder.coderd.plugins.module_utils._units import (
    normalize_host_port, ns_to_seconds, parse_version, to_seconds, url_to_string,
)
from ansible_collections.coder.coderd.plugins.module_utils._values import (
    SENT, documented_fields, json_type, require_object, snake_case,
)

SECRET_MASK = '********'

Setting = namedtuple('Setting', (
    'key', 'resolved_as', 'name', 'env', 'flag', 'yaml_path', 'type', 'value', 'value_source', 'secret', 'set'))
Setting.__doc__ = """One deployment setting found by DeploymentConfig.resolve().

key: the key as given; resolved_as: the canonical JSON path in the normalized config (the flag for
an option the shipped catalog does not know); type: 'duration', 'url', 'bool', 'int', 'float',
'string', 'string-array', 'host:port', 'enum', 'regexp', 'struct' or 'secret'; value: normalized
(seconds for durations, {"set": bool} for secrets); set: the option received a value (from a flag,
env, YAML or its default); for a secret, whether it is configured at all.
"""


class UnknownKeyError(InputError):
    """A deployment setting key that matches no JSON path, env var, flag, YAML path or option name."""


# --- values ----------------------------------------------------------------------------------------

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
    """The documented type of a serpent type; a documented type (of the options facts) stays as it is."""
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
        raise ServerError('unexpected /deployment/config response: {0}: {1}'.format(where, error))


def _json_kind(value):
    """What a decoded JSON value is: bool, int, float, string-array, list, dict, null or string."""
    if isinstance(value, bool):
        return 'bool'
    if isinstance(value, int):
        return 'int'
    if isinstance(value, float):
        return 'float'
    if isinstance(value, list):
        return 'string-array' if all(isinstance(item, str) for item in value) else 'list'
    if isinstance(value, dict):
        return 'dict'
    return 'null' if value is None else 'string'


def _value_kind(value):
    """The public type of a config value that no option describes."""
    kind = _json_kind(value)
    return {'list': 'struct', 'dict': 'struct', 'null': 'string'}.get(kind, kind)


def _is_empty(value):
    return value is None or value == '' or value == [] or value == {}


def _is_zero(value):
    # False == 0 in Python, so this also covers booleans.
    return _is_empty(value) or (not isinstance(value, (dict, list, str)) and value == 0)


# --- options -------------------------------------------------------------------------------------

def _canonical_path(wire_path):
    return '.'.join(snake_case(part) for part in wire_path.split('.'))


def _annotations(option):
    annotations = option.get('annotations')
    return annotations if isinstance(annotations, dict) else {}


def _infer_serpent_type(option):
    """The type of an option the shipped catalog does not know (a newer server), from what it carries."""
    value = option.get('value')
    if _annotations(option).get('format_duration') == 'true':
        return 'duration'
    kind = _json_kind(value)
    if kind == 'dict':
        return 'enum[]' if 'Choices' in value else 'struct[map]'
    if kind == 'null':
        # Only string arrays and struct values serialize as null; a JSON default tells them apart.
        default = (option.get('default') or '').lstrip()
        return {'{': 'struct[map]', '[': 'struct[[]]'}.get(default[:1], 'string-array')
    return {'float': 'float64', 'list': 'struct[[]]'}.get(kind, kind)


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


def _option_record_problem(option, text_fields):
    """What makes ``option`` no option record (an object whose ``text_fields`` are strings when set), or ''."""
    if not isinstance(option, dict):
        return 'is {0}, expected an object'.format(json_type(option))
    for field in text_fields:
        value = option.get(field)
        if value is not None and not isinstance(value, str):
            return '"{0}" is {1}, expected a string'.format(field, json_type(value))
    return ''


# The fields of an option record that the value model reads as text: of the server's options
# list, and of the options facts.
_SERVER_OPTION_TEXT = ('name', 'description', 'flag', 'env', 'yaml', 'default', 'value_source')
_LISTED_OPTION_TEXT = ('name', 'description', 'flag', 'env', 'yaml_path', 'json_path', 'type', 'value_source')


class _Option:
    """One deployment option, normalized: of the server's options list, of the options facts or of the catalog.

    `json_path` is the canonical path in the normalized config ('' when the catalog does not know
    the option); `serpent_type` is serpent's type string (the documented type for options facts of
    an option the catalog does not know); `has_value`: the record carries the option's value
    (a secret's is {"set": bool}); `set`: the option received a value.
    """

    __slots__ = ('name', 'env', 'flag', 'yaml_path', 'json_path', 'serpent_type', 'secret', 'hidden',
                 'description', 'value_source', 'has_value', 'value', 'deprecated', 'set', 'history')

    def __init__(self, name, env, flag, yaml_path, json_path, serpent_type, secret, hidden, description='',
                 value_source='', has_value=False, value=None, deprecated=False, is_set=False, history=None):
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
        # Of a catalog option: the releases it came ('added'), went ('removed') and moved in, and
        # its config path before the move ('moved_from'); '' where that did not happen.
        self.history = history or {}

    @classmethod
    def from_catalog(cls, record):
        """An option of the shipped catalog (a record of _option_catalog.OPTIONS): no value, no source."""
        fields = dict(zip(_option_catalog.FIELDS, record))
        return cls(
            name=fields['name'], env=fields['env'], flag=fields['flag'], yaml_path=fields['yaml_path'],
            json_path=_canonical_path(fields['config_json_path']), serpent_type=fields['type'],
            secret=fields['secret'], hidden=fields['hidden'], deprecated=bool(fields['use_instead']),
            history=dict((key, fields[key]) for key in ('added', 'removed', 'moved_from', 'moved_in')),
        )

    @classmethod
    def from_server(cls, option, catalog):
        """An option of the server's list (text fields checked), its value normalized and a secret's dropped."""
        known = catalog.find(option)
        serpent_type = known.serpent_type if known else _infer_serpent_type(option)
        secret = catalog.is_secret(option) or bool(known and known.secret)
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
            name=option.get('name') or '', env=option.get('env') or '', flag=option.get('flag') or '',
            yaml_path=_group_yaml_path(option), json_path=known.json_path if known else '',
            serpent_type=serpent_type, secret=secret, hidden=bool(option.get('hidden')),
            description=option.get('description') or '', value_source=value_source,
            has_value=secret or 'value' in option, value=value, deprecated=bool(option.get('use_instead')),
            is_set=is_set,
        )

    @classmethod
    def from_listed(cls, record, catalog):
        """An option of the options facts (a public() record, text fields checked), read as it is."""
        known = catalog.find(record)
        secret = bool(record.get('secret'))
        value = record.get('value')
        return cls(
            name=record.get('name') or '', env=record.get('env') or '', flag=record.get('flag') or '',
            yaml_path=record.get('yaml_path') or '', json_path=record.get('json_path') or '',
            serpent_type=known.serpent_type if known else record.get('type') or 'string', secret=secret,
            hidden=bool(record.get('hidden')), description=record.get('description') or '',
            value_source=record.get('value_source') or '', has_value='value' in record, value=value,
            deprecated=bool(known and known.deprecated),
            is_set=bool(value.get('set')) if secret and isinstance(value, dict) else bool(record.get('value_source')),
        )

    def public(self):
        """The record of the `options` facts."""
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


class _Catalog:
    """The shipped option catalog as _Option records, with what the value model looks up in it."""

    def __init__(self):
        self.options = tuple(_Option.from_catalog(record) for record in _option_catalog.OPTIONS)
        self.by_flag = dict((option.flag, option) for option in self.options)
        self.by_env = dict((option.env, option) for option in self.options if option.env)
        self.by_name = dict((option.name.lower(), option) for option in self.options)
        # The wire's Go-name form of a JSON path ('config_ssh.DeploymentName'), mapped to the canonical one.
        self.go_name_paths = {}
        for record in _option_catalog.OPTIONS:
            wire_path = dict(zip(_option_catalog.FIELDS, record))['config_json_path']
            if wire_path != _canonical_path(wire_path):
                self.go_name_paths[wire_path] = _canonical_path(wire_path)
        # Where older releases keep a setting that moved: {old path: the option}.
        self.moved = dict((_canonical_path(option.history['moved_from']), option)
                          for option in self.options if option.history['moved_from'])
        self.type_at = dict((option.json_path, option.serpent_type) for option in self.options)
        self.type_at.update((path, option.serpent_type) for path, option in self.moved.items())
        self.secret_paths = frozenset(option.json_path for option in self.options if option.secret)
        self.secret_flags = frozenset(option.flag for option in self.options if option.secret)
        self.version = parse_version(_option_catalog.CODER_VERSION)
        self._index = None

    def index(self):
        """The key index of every option the catalog knows, dropped ones included."""
        if self._index is None:
            self._index = _KeyIndex(self.options)
        return self._index

    def find(self, option):
        """The catalog option of a server option or options facts record: by flag, else env, else name."""
        return (self.by_flag.get(option.get('flag') or '')
                or self.by_env.get(option.get('env') or '')
                or self.by_name.get((option.get('name') or '').lower()))

    def is_secret(self, option):
        """Whether a server option is a secret: by its annotation or by the catalog."""
        flag = option.get('flag')
        return _annotations(option).get('secret') == 'true' or (isinstance(flag, str) and flag in self.secret_flags)


@functools.lru_cache(maxsize=None)
def _catalog():
    """The catalog, built on first use: modules that never read the config never pay for it."""
    return _Catalog()


def mask_deployment_config(raw):
    """A copy of a raw /deployment/config body with every secret value a server returned replaced by SECRET_MASK.

    coderd strips secrets itself, but `use_instead` entries are full copies of the replacement
    option and are not scrubbed; this also covers a buggy or modified server. Use it before
    showing a raw body anywhere.
    """
    body = copy.deepcopy(require_object(raw, '/deployment/config'))
    catalog = _catalog()

    def mask_options(options):
        for option in options if isinstance(options, list) else ():
            if not isinstance(option, dict):
                continue
            if catalog.is_secret(option) and not _is_empty(option.get('value')):
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


# --- the key index -----------------------------------------------------------------------------

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
    option name (case-insensitive). The first form that matches wins. A target is an _Option or,
    for a config value no option describes, its JSON path.
    """

    def __init__(self, options):
        self.json_path = {}
        self.env = {}
        self.flag = {}
        self.yaml_path = {}
        self.yaml_path_folded = {}
        self.name = {}
        self._name_spelling = {}
        self._spellings = None
        self._searches_left = _SUGGESTION_SEARCHES
        # Current options first, then visible ones: where options share a JSON path (deprecated
        # aliases of one Go field), the one added first owns it.
        for option in sorted(options, key=lambda item: (item.deprecated, item.hidden)):
            self.add(option, option.json_path, option.env, option.flag, option.yaml_path, option.name)

    def add(self, target, json_path, env='', flag='', yaml_path='', name=''):
        if json_path:
            self.json_path.setdefault(json_path, target)
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

    def alias(self, json_path, canonical):
        """``json_path`` (the wire's Go-name form) also finds what ``canonical`` finds."""
        if canonical in self.json_path:
            self.json_path.setdefault(json_path, self.json_path[canonical])

    def lookup(self, key):
        if not isinstance(key, str) or not key.strip():
            raise UnknownKeyError('invalid deployment setting key: expected a non-empty string, got {0}'.format(
                repr(key) if isinstance(key, str) else json_type(key)))
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


def _listed_options(options, catalog):
    """The options facts (the public() records of an options list) as _Option records; InputError naming an item."""
    if not isinstance(options, (list, tuple)):
        raise InputError('options: expected the options list of coder.coderd.deployment_info (include_options: '
                         'true), got {0}'.format(json_type(options)))
    for number, record in enumerate(options, 1):
        problem = _option_record_problem(record, _LISTED_OPTION_TEXT)
        if problem:
            raise InputError('options: item {0} {1}'.format(number, problem))
    return [_Option.from_listed(record, catalog) for record in options]


def find_option(options, key):
    """The record of a normalized options list (DeploymentConfig.options, the `options` fact) that `key` names.

    Same key forms and match order as DeploymentConfig.resolve(); UnknownKeyError when none matches,
    InputError naming the item when `options` is no such list.
    """
    listed = _listed_options(options, _catalog())
    record_of = dict((id(option), record) for option, record in zip(listed, options))
    return record_of[id(_KeyIndex(listed).lookup(key))]


def catalog_types(keys):
    """{key: documented type ('secret', 'struct', 'duration', ...)} of the settings ``keys`` name in the
    shipped catalog; None for a key the catalog does not know (a newer server may)."""
    index = _KeyIndex(_catalog().options)
    types = {}
    for key in keys:
        try:
            option = index.lookup(key)
        except UnknownKeyError:
            types[key] = None
        else:
            types[key] = _public_type(option.serpent_type, option.secret)
    return types


# --- releases ------------------------------------------------------------------------------------

def _version_or_none(text):
    try:
        return parse_version(text) if isinstance(text, str) and text else None
    except ValueError:
        return None


def _release_bounds(text):
    """(first, last) (major, minor) of a catalog release text: 'v2.22' or a span 'v2.17-v2.24'."""
    first, _sep, last = text.partition('-')
    bounds = [parse_version(part + '.0') for part in (first, last or first)]
    return tuple((bound['major'], bound['minor']) for bound in bounds)


def release_has(option, version):
    """Whether the release ``version`` (parse_version()) surely or possibly has the catalog ``option``."""
    minor = (version['major'], version['minor'])
    added, removed = option.history.get('added'), option.history.get('removed')
    if added and minor < _release_bounds(added)[0]:
        return False
    return not (removed and minor >= _release_bounds(removed)[1])


def _history_note(option):
    added, removed = option.history.get('added'), option.history.get('removed')
    if removed:
        return ' (removed in {0})'.format(removed)
    return ' (added in {0})'.format(added) if added else ''


def newer_than_catalog(version_text):
    """Whether a build version is of a Coder release newer than the shipped option catalog's."""
    version = _version_or_none(version_text)
    known = _catalog().version
    return version is not None and (version['major'], version['minor']) > (known['major'], known['minor'])


def catalog_release():
    return _option_catalog.CODER_VERSION


# --- the deployment config ---------------------------------------------------------------------

def _config_body(raw):
    """The `config` object and `options` list of a /deployment/config answer, which every Coder release sends.

    Without them the answer is not a deployment config, and filling in the settings it lacks would
    report zero values the server never sent.
    """
    body = documented_fields(raw, '/deployment/config', (('config', dict, SENT), ('options', list, SENT)))
    if not body['options']:
        raise ServerError('unexpected /deployment/config response: "options" is empty; a Coder server lists '
                          'every deployment option')
    for number, option in enumerate(body['options'], 1):
        problem = _option_record_problem(option, _SERVER_OPTION_TEXT)
        if problem:
            raise ServerError('unexpected /deployment/config response: "options" item {0} {1}'.format(number, problem))
    return body['config'], body['options']


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
        catalog = _catalog()
        self._setup(catalog, [_Option.from_server(option, catalog) for option in options],
                    'the deployment config has')
        self._from_server = True
        wire_paths = {}
        self.config = self._normalize_tree(config, '', '', wire_paths)
        self._fill_omitted_top_level()
        self._report_moved_at_current_path()
        self.options = [option.public() for option in self._options]
        self._index = self._key_index(wire_paths)

    @classmethod
    def from_facts(cls, config, options=None):
        """The settings of gathered facts: `config` (normalized, read as it is) and the `options` list, if any.

        Keys are found through `options`, else through the shipped option catalog; a setting the
        facts lack is an error, never a zero value.
        """
        if not isinstance(config, dict):
            raise InputError('the config facts are {0}, expected a mapping'.format(json_type(config)))
        catalog = _catalog()
        model = cls.__new__(cls)
        model._setup(catalog, list(catalog.options) if options is None else _listed_options(options, catalog),
                     'the gathered config facts have')
        model._from_server = options is not None
        model.config = config
        model.options = [] if options is None else options
        model._index = model._key_index({})
        return model

    def _setup(self, catalog, options, lacks):
        self._catalog = catalog
        self._options = options
        self._lacks = lacks
        self._options_at = {}
        for option in options:
            if option.json_path:
                self._options_at.setdefault(option.json_path, []).append(option)

    def _type_at(self, path):
        options = self._options_at.get(path)
        if options:
            return options[0].serpent_type, options[0].secret
        return self._catalog.type_at.get(path), path in self._catalog.secret_paths

    def _secret_state(self, path, config_value):
        # Options sharing one Go field share its value source; a value a server leaked also means "set".
        options = self._options_at.get(path, ())
        return {'set': any(option.set for option in options) or not _is_empty(config_value)}

    def _normalize_tree(self, node, prefix, wire_prefix, wire_paths):
        result = {}
        for key, value in node.items():
            name = snake_case(key)
            path = prefix + name
            if wire_prefix + key != path:
                wire_paths[wire_prefix + key] = path
            serpent_type, secret = self._type_at(path)
            if secret:
                result[name] = self._secret_state(path, value)
            elif serpent_type:
                result[name] = _normalize_config_value(serpent_type, value, 'config {0!r}'.format(path))
            elif isinstance(value, dict):
                result[name] = self._normalize_tree(value, path + '.', wire_prefix + key + '.', wire_paths)
            else:
                result[name] = value
        return result

    def _fill_omitted_top_level(self):
        """Put back what Go's omitempty dropped: false, "", 0 and empty arrays at the top level."""
        for path, options in self._options_at.items():
            if '.' in path or path in self.config:
                continue
            option = options[0]
            if option.secret:
                self.config[path] = self._secret_state(path, None)
            elif option.has_value:
                self.config[path] = option.value
            else:
                self.config[path] = _zero_value(option.serpent_type)

    def _report_moved_at_current_path(self):
        """An older release's setting that moved since is also put where the catalog's release keeps it,
        so that one path reads it on every release (the value as the server itself shows it)."""
        for old_path, option in self._catalog.moved.items():
            if find_path(self.config, option.json_path)[0]:
                continue
            listed = [server_option for server_option in self._options_at.get(option.json_path, ())
                      if server_option.has_value and not server_option.secret]
            found, value = find_path(self.config, old_path)
            if listed:
                value = listed[0].value
            elif not found:
                continue
            node = self.config
            parts = option.json_path.split('.')
            for part in parts[:-1]:
                node = node.setdefault(part, {})
                if not isinstance(node, dict):
                    break
            else:
                node[parts[-1]] = copy.deepcopy(value)

    def missing_setting(self, key, version_text=None):
        """Why ``key`` names no setting of this deployment when it names one of another Coder release
        ("not a setting of Coder v2.16.1 (added in v2.22)"), else ''.

        With the server's options list, its absence there decides; from facts without one, the
        catalog's release history and ``version_text`` (the deployment's build version) do.
        """
        try:
            option = self._catalog.index().lookup(key)
        except UnknownKeyError:
            return ''
        if not isinstance(option, _Option):
            return ''
        version = _version_or_none(version_text)
        if not self._from_server:
            if version is None or release_has(option, version):
                return ''
        elif any(server.flag == option.flag for server in self._options):
            return ''
        release = 'Coder {0}'.format(version_text) if version_text else "this deployment's Coder release"
        return '{0}: not a setting of {1}{2}'.format(key, release, _history_note(option))

    def _key_index(self, wire_paths):
        index = _KeyIndex(self._options)
        for path in self._config_paths(self.config, ''):
            index.add(path, path)
        for wire_path, path in list(self._catalog.go_name_paths.items()) + list(wire_paths.items()):
            index.alias(wire_path, path)
        return index

    def _config_paths(self, node, prefix):
        for key, value in node.items():
            path = prefix + key
            yield path
            if isinstance(value, dict) and self._type_at(path) == (None, False):
                yield from self._config_paths(value, path + '.')

    def _value_at(self, path, key):
        found, value = find_path(self.config, path)
        if not found:
            raise InputError('{0} no {1!r} (the setting {2!r})'.format(self._lacks, path, key))
        return value

    def resolve(self, key):
        """The Setting that `key` names, in any key form; UnknownKeyError (an InputError) when none does."""
        target = self._index.lookup(key)
        if not isinstance(target, _Option):
            value = self._value_at(target, key)
            return Setting(key=key, resolved_as=target, name='', env='', flag='', yaml_path='',
                           type=_value_kind(value), value=value, value_source='', secret=False,
                           set=not _is_zero(value))
        if target.has_value and not (target.secret and target.json_path):
            value, is_set = target.value, target.set
        else:
            # For a secret, `config` holds the merged state of all options sharing its Go field.
            value = self._value_at(target.json_path, key)
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
