# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE to the coder.coderd collection: may change in any release without notice.
"""Desired-state documents and waiver lists, compiled into what the drift evaluation needs.

``DesiredState.from_document`` refuses a hostile document (``check_limits``), validates it
against the shipped schema (every problem at once, each naming its path in the document, in the
words of its author) and turns it, with an optional baseline, into checks whose keys already name
the part of the facts they read; ``parse_waivers`` does the same for a waiver list;
``required_subsets`` says which endpoints the checks read. No request, no file: the action plugin
reads files, ``_drift`` evaluates.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import difflib
import re
from collections.abc import Mapping

try:
    import jsonschema
    JSONSCHEMA_IMPORT_ERROR = None
except ImportError as exc:  # guarded: the error names the missing library
    jsonschema = None
    JSONSCHEMA_IMPORT_ERROR = exc

from ansible_collections.coder.coderd.plugins.module_utils import _baselines, _reports
from ansible_collections.coder.coderd.plugins.module_utils._api import EXTRA_SUBSETS, SUBSETS, join_capped
from ansible_collections.coder.coderd.plugins.module_utils._compare import OPERATORS, compare, parse_spec
from ansible_collections.coder.coderd.plugins.module_utils._config import catalog_types
from ansible_collections.coder.coderd.plugins.module_utils._desired_schema import (
    CHECK_META_KEYS, HEALTH_LEVELS, PATH_SECTIONS, SCHEMA, TOKEN_CONFIG_USER, WAIVERS_SCHEMA,
)
from ansible_collections.coder.coderd.plugins.module_utils._errors import InputError
from ansible_collections.coder.coderd.plugins.module_utils._values import FACT_FIELDS
from ansible_collections.coder.coderd.plugins.module_utils._units import parse_version, to_seconds, version_satisfies

DEFAULT_SEVERITY = 'medium'
_ORDERING_OPERATORS = ('lt', 'le', 'gt', 'ge')
# The schema keywords whose failure a subschema's x-message explains.
_MESSAGE_VALIDATORS = ('anyOf', 'oneOf', 'type', 'pattern', 'minProperties', 'maxProperties')
_DATE_SHAPE = re.compile(r'^\d{4}-\d{2}-\d{2}$')
# What a desired-state document or a waiver list may hold, counted as if every YAML alias (or
# shared reference) were written out: far beyond any hand-written document, small enough that
# validating, evaluating and reporting it takes seconds. A 450-byte YAML file of nested aliases
# otherwise expands to millions of values (the "billion laughs").
MAX_NODES = 50000
MAX_DEPTH = 32
MAX_TEXT = 1024 * 1024


class DesiredStateError(InputError):
    """A desired-state document or waiver list is malformed; ``problems`` has one line per problem."""

    def __init__(self, source, problems):
        self.source = source
        self.problems = list(problems)
        header = 'invalid %s (%s):' % (source, _reports.counted(len(self.problems), 'problem'))
        lines = join_capped((_reports.clipped(line, _reports.MAX_PROBLEM) for line in self.problems), '\n  ',
                            _reports.MAX_LISTED)
        super().__init__('%s\n  %s' % (header, lines))


class Check:
    """One comparison: a key as written, the part of the facts it reads (``section``, ``path``),
    an operator and the expected value."""

    __slots__ = ('key', 'section', 'path', 'operator', 'expected', 'severity', 'description', 'when', 'source')

    def __init__(self, key, section, path, operator, expected, severity, description, when, source):
        self.key = key
        self.section = section
        self.path = path
        self.operator = operator
        self.expected = expected
        self.severity = severity
        self.description = description
        self.when = when
        self.source = source


class Condition:
    """A check's ``when``: it applies only where the value at ``key`` meets ``operator value``."""

    __slots__ = ('key', 'section', 'path', 'operator', 'value')

    def __init__(self, when):
        self.key = when['key']
        self.section, self.path = _address(self.key)
        self.operator = when.get('operator', 'eq')
        self.value = when['value']


class HealthRule:
    """The severities a health section may have: ``allowed``, shown as ``operator expected``."""

    __slots__ = ('operator', 'expected', 'allowed')

    def __init__(self, constraints):
        allowed = set(HEALTH_LEVELS)
        for operator, expected in constraints:
            if operator == 'eq':
                allowed &= {expected}
            elif operator == 'in':
                allowed &= set(expected)
            else:  # max_severity
                allowed &= set(HEALTH_LEVELS[:HEALTH_LEVELS.index(expected) + 1])
        self.allowed = allowed
        if len(constraints) == 1:
            self.operator, self.expected = constraints[0]
        else:
            self.operator, self.expected = 'in', [level for level in HEALTH_LEVELS if level in allowed]


class HealthSpec:
    """The ``health`` section of a desired state: the rule of each section (``default`` for those it does
    not name, None: unchecked) and the codes that may not appear anywhere."""

    __slots__ = ('default', 'sections', 'forbidden_codes', 'source')

    def __init__(self, section, source):
        constraints = []
        if 'severity' in section:
            constraints.extend(_health_constraints(section['severity']))
        if 'max_severity' in section:
            constraints.append(('max_severity', section['max_severity']))
        self.default = HealthRule(constraints) if constraints else None
        self.sections = dict((name, HealthRule(_health_constraints(value)))
                             for name, value in (section.get('sections') or {}).items())
        self.forbidden_codes = list(section.get('forbidden_codes') or ())
        self.source = source

    def rule(self, name):
        return self.sections.get(name, self.default)


def _health_constraints(value):
    """``ok`` or ``{in: [ok, warning]}`` as [(operator, expected)]: a plain level means equal."""
    return list(value.items()) if isinstance(value, dict) else [('eq', value)]


class Waiver:
    """An accepted drift of the check(s) of ``key`` until ``expires`` (the last day it holds)."""

    __slots__ = ('key', 'section', 'path', 'reason', 'expires', 'expires_date')

    def __init__(self, waiver):
        self.key = waiver['key']
        self.section, self.path = _address(self.key)
        self.reason = waiver['reason']
        self.expires = waiver['expires']
        self.expires_date = _parse_date(self.expires)

    def public(self, expired):
        """The waiver as a record shows it."""
        return dict(key=self.key, reason=self.reason, expires=self.expires, expired=expired)


# --- limits ---------------------------------------------------------------------------------------

class _Container:
    """A mapping or list being measured: its children still to visit and what the visited ones hold."""

    __slots__ = ('node', 'children', 'nodes', 'text')

    def __init__(self, node):
        self.node = node
        self.children = iter(_children(node))
        self.nodes = 1
        self.text = 0


def _is_container(value):
    return isinstance(value, (Mapping, list, tuple))


def _children(node):
    if isinstance(node, Mapping):
        for key, value in node.items():
            yield key
            yield value
    else:
        yield from node


def check_limits(data, source):
    """Refuse ``data`` with one line when it exceeds MAX_NODES, MAX_DEPTH or MAX_TEXT.

    Each distinct mapping or list is walked once and its expanded size remembered, so the check
    takes time in proportion to what was written, not to what the aliases expand to; no recursion.
    """
    if not _is_container(data):
        return
    measured = {}
    stack = [_Container(data)]
    on_path = {id(data)}
    while stack:
        top = stack[-1]
        child = next(top.children, top)
        if child is top:
            stack.pop()
            on_path.discard(id(top.node))
            measured[id(top.node)] = (top.nodes, top.text)
            if stack:
                _add(stack[-1], top.nodes, top.text, source)
        elif not _is_container(child):
            _add(top, 1, len(child) if isinstance(child, str) else 0, source)
        elif id(child) in measured:
            _add(top, *measured[id(child)], source=source)
        elif id(child) in on_path:
            raise InputError('%s: refused: it contains itself (a YAML alias inside its own anchor)' % source)
        elif len(stack) >= MAX_DEPTH:
            raise InputError('%s: refused: nested more than %d levels deep' % (source, MAX_DEPTH))
        else:
            stack.append(_Container(child))
            on_path.add(id(child))


def _add(container, nodes, text, source):
    container.nodes += nodes
    container.text += text
    if container.nodes > MAX_NODES:
        raise InputError('%s: refused: more than %d keys and values once YAML aliases are expanded'
                         % (source, MAX_NODES))
    if container.text > MAX_TEXT:
        raise InputError('%s: refused: more than %d characters of text once YAML aliases are expanded'
                         % (source, MAX_TEXT))


# --- validation -----------------------------------------------------------------------------------

def _require_jsonschema():
    if JSONSCHEMA_IMPORT_ERROR is not None:
        raise InputError('checking a desired state needs the Python library jsonschema on the controller '
                         '(pip install jsonschema): %s' % JSONSCHEMA_IMPORT_ERROR)


def _path_text(parts):
    text = ''
    for part in parts:
        if isinstance(part, int):
            text += '[%d]' % part
        else:
            text += ('.' if text else '') + str(part)
    return text


def _type_names(types):
    names = {'array': 'a list', 'object': 'a mapping', 'string': 'a string', 'boolean': 'true or false',
             'number': 'a number', 'integer': 'a whole number', 'null': 'null'}
    types = types if isinstance(types, list) else [types]
    return ' or '.join(names.get(name, name) for name in types)


def _explain(error):
    """Lines 'path: message' for one jsonschema error, in the words of the document's author."""
    path = _path_text(error.absolute_path)
    prefix = (path + ': ') if path else ''
    schema = error.schema if isinstance(error.schema, dict) else {}
    if error.validator in ('anyOf', 'oneOf') and error.context:
        branches = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        fitting = [subs for subs in branches.values()
                   if not any(sub.validator == 'type' and not sub.relative_path for sub in subs)]
        # Only one branch fits the instance's type: its own errors say most. A choice among equal
        # branches (e.g. "at least one operator") is better said by the schema's x-message.
        if len(fitting) == 1:
            lines = []
            for sub in fitting[0]:
                lines.extend(_explain(sub))
            return lines
    if 'x-fields' in schema:
        # A propertyNames failure: the instance is the key, the path that of its mapping.
        return [_unknown_field(list(error.absolute_path), error.instance, schema['x-fields'])]
    if 'x-message' in schema and error.validator in _MESSAGE_VALIDATORS:
        return [prefix + schema['x-message']]
    if error.validator == 'type':
        return [prefix + 'must be ' + _type_names(error.validator_value)]
    if error.validator == 'enum':
        return [prefix + 'must be one of %s, got %s' % (', '.join(str(item) for item in error.validator_value),
                                                        _reports.clipped(repr(error.instance)))]
    if error.validator == 'additionalProperties':
        allowed = sorted(schema.get('properties', {}))
        # A closed set of names (x-what says what they are) is always listed whole: there is no other place to look.
        what = schema.get('x-what')
        return [_unknown_key(list(error.absolute_path), key, allowed, what or 'key', listed=bool(what))
                for key in sorted(str(key) for key in error.instance if key not in schema.get('properties', {}))]
    if error.validator == 'required':
        missing = [name for name in error.validator_value if name not in error.instance]
        return [prefix + 'missing required key ' + ', '.join("'%s'" % name for name in missing)]
    if error.validator == 'minLength':
        return [prefix + 'must not be empty']
    return [prefix + error.message]


def _unknown_key(parent, key, allowed, what='key', cutoff=0.6, listed=False):
    """'path.key: unknown key; did you mean ...?' for ``key`` of the mapping at ``parent``;
    ``listed``: name every allowed key, even after a close match."""
    close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=cutoff)
    names = 'expected one of: ' + ', '.join(allowed)
    hint = ("did you mean '%s'? %s" % (close[0], names) if listed else "did you mean '%s'?" % close[0]) \
        if close else names
    return '%s: unknown %s; %s' % (_path_text(parent + [str(key)]), what, hint)


def _unknown_field(parent, key, fields):
    """An unknown key of a section of dotted paths (``fields``: what the first part may be)."""
    if key in OPERATORS + CHECK_META_KEYS:
        # `update_check: {severity: low}`: a check key belongs inside the check of one field.
        return '%s: unknown key; %s belongs inside the check of one field, e.g. %s: {eq: ..., %s: ...}; ' \
               'fields: %s' % (_path_text(parent + [key]), key, fields[0], key, ', '.join(fields))
    first, dot, rest = key.partition('.')
    close = difflib.get_close_matches(first, fields, n=1)
    hint = ("did you mean '%s'?" % (close[0] + dot + rest)) if close else 'fields: ' + ', '.join(fields)
    return '%s: unknown key; %s' % (_path_text(parent + [key]), hint)


def _schema_problems(document, schema):
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(document), key=lambda error: [str(part) for part in error.absolute_path])
    return _unique(line for error in errors for line in _explain(error))


def _unique(lines):
    """``lines`` in order without repeats (a set, not a search of the list: documents may hold thousands)."""
    return list(dict.fromkeys(lines))


def _operand_problem(operator, operand):
    """Why a text operand cannot work with its operator (the schema already checks the other types)."""
    if not isinstance(operand, str):
        return None
    try:
        if operator == 'version':
            version_satisfies('0.0.0', operand)
        elif operator == 'regex':
            compare('regex', '', operand)
        elif operator in _ORDERING_OPERATORS:
            _parse_duration_or_version(operand)
    except ValueError as exc:
        return str(exc)
    return None


def _parse_duration_or_version(text):
    for parse in (to_seconds, parse_version):
        try:
            return parse(text)
        except ValueError:
            continue
    raise InputError('%r is neither a number, a duration such as "168h" nor a version' % text)


def _check_items(document):
    """(document path, check value) of every check found where the document has the expected shape."""
    if isinstance(document.get('version'), dict):
        yield ['version'], document['version']
    for section in ('config',) + PATH_SECTIONS:
        entries = document.get(section)
        for key, value in (entries.items() if isinstance(entries, dict) else ()):
            yield [section, key], value
    experiments = document.get('experiments')
    if isinstance(experiments, dict):
        for key in ('enabled', 'available', 'unknown'):
            if key in experiments:
                yield ['experiments', key], experiments[key]


def _semantic_problems(document):
    """What the schema cannot express: version constraints, regular expressions, duration spellings."""
    problems = []
    problem = _operand_problem('version', document.get('version'))
    if problem:
        problems.append('version: ' + problem)
    for path, value in _check_items(document):
        if not _is_check_object(value):
            continue
        operands = [(operator, value[operator], path + [operator]) for operator in OPERATORS if operator in value]
        when = value.get('when')
        if isinstance(when, dict):
            operands.append((when.get('operator', 'eq'), when.get('value'), path + ['when', 'value']))
        for operator, operand, where in operands:
            problem = _operand_problem(operator, operand)
            if problem:
                problems.append('%s: %s' % (_path_text(where), problem))
    return problems


def _value_problems(document):
    """What the schema cannot know about values: a secret checked by anything but ``set``, and a plain
    mapping where the field holds no mapping (a mistyped operator such as ``{equals: ...}``)."""
    problems = []
    config = document.get('config')
    if isinstance(config, dict):
        types = catalog_types(list(config))
        for key, value in config.items():
            kind = types[key]
            if kind == 'secret' and not _checks_only_set(value):
                problems.append('%s: a secret the server never returns; only {set: true} or {set: false} can '
                                'check it' % _path_text(['config', key]))
            elif kind not in (None, 'struct'):
                problems.extend(_operator_typos(['config', key], value))
    for section in PATH_SECTIONS:
        entries = document.get(section)
        for key, value in (entries.items() if isinstance(entries, dict) else ()):
            # Below a mapping field (workspaces, ssh_config_options) the shape is the server's to say.
            if FACT_FIELDS[section].get(str(key).partition('.')[0], dict) is not dict:
                problems.extend(_operator_typos([section, key], value))
    experiments = document.get('experiments')
    for name in ('enabled', 'available', 'unknown'):
        if isinstance(experiments, dict) and name in experiments:
            problems.extend(_operator_typos(['experiments', name], experiments[name]))
    return problems


def _checks_only_set(value):
    return _is_check_object(value) and set(value) - set(CHECK_META_KEYS) == {'set'}


def _operator_typos(path, value):
    """A plain mapping compared with a field that holds no mapping: its keys are meant as operators."""
    if not isinstance(value, dict) or _is_check_object(value):
        return []
    if not value:
        return ['%s: an empty mapping; give a value or a check such as {eq: ...}' % _path_text(path)]
    return [_unknown_key(path, name, list(OPERATORS), 'operator', cutoff=0.5) for name in sorted(map(str, value))]


def _date_problems(waivers):
    """Dates the schema's pattern lets through but the calendar does not have (2026-02-30)."""
    problems = []
    for index, waiver in enumerate(waivers if isinstance(waivers, list) else ()):
        expires = waiver.get('expires') if isinstance(waiver, dict) else None
        if isinstance(expires, str) and _DATE_SHAPE.match(expires):
            try:
                _parse_date(expires)
            except ValueError as exc:
                problems.append('[%d].expires: %s' % (index, exc))
    return problems


def _problem_path(line):
    return line.partition(': ')[0]


def _parse_date(text):
    try:
        return datetime.datetime.strptime(text, '%Y-%m-%d').date()
    except (TypeError, ValueError):
        raise InputError('%r is not a date written YYYY-MM-DD' % (text,))


def _is_check_object(value):
    return isinstance(value, dict) and any(key in value for key in OPERATORS + CHECK_META_KEYS)


def validate_document(document, source='desired state'):
    """Raise DesiredStateError listing every problem of a desired-state document."""
    _require_jsonschema()
    if not isinstance(document, dict):
        raise DesiredStateError(source, ['the document must be a mapping of sections (version, config, '
                                         'experiments, ...), got %s' % type(document).__name__])
    problems = _unique(_schema_problems(document, SCHEMA) + _semantic_problems(document) + _value_problems(document))
    if problems:
        problems.sort(key=_problem_path)
        raise DesiredStateError(source, problems)


# --- compiling ------------------------------------------------------------------------------------

def _checks_for(key, section, path, value, source):
    """The checks one document entry asks for: one per operator."""
    if _is_check_object(value):
        spec = dict((name, operand) for name, operand in value.items() if name not in CHECK_META_KEYS)
        severity = value.get('severity', DEFAULT_SEVERITY)
        description = value.get('description')
        when = Condition(value['when']) if value.get('when') else None
    else:
        spec, severity, description, when = value, DEFAULT_SEVERITY, None, None
    return [Check(key, section, path, operator, operand, severity, description, when, source)
            for operator, operand in parse_spec(spec)]


def _document_checks(document, source):
    checks = []
    if 'version' in document:
        value = document['version']
        checks.extend(_checks_for('version', 'build', 'version', {'version': value} if isinstance(value, str)
                                  else value, source))
    for key, value in (document.get('config') or {}).items():
        checks.extend(_checks_for(key, 'config', key, value, source))
    experiments = document.get('experiments')
    if isinstance(experiments, list):
        # An exact list, in any order: nothing missing (superset) and nothing else (subset).
        checks.extend(_checks_for('experiments', 'experiments', 'enabled',
                                  {'superset': experiments, 'subset': experiments}, source))
    elif isinstance(experiments, dict):
        if 'include' in experiments:
            checks.extend(_checks_for('experiments.include', 'experiments', 'enabled',
                                      {'superset': experiments['include']}, source))
        if 'exclude' in experiments:
            checks.extend(_checks_for('experiments.exclude', 'experiments', 'enabled',
                                      {'not_in': experiments['exclude']}, source))
        for name in ('enabled', 'available', 'unknown'):
            if name in experiments:
                checks.extend(_checks_for('experiments.' + name, 'experiments', name, experiments[name], source))
    for section in PATH_SECTIONS:
        for key, value in (document.get(section) or {}).items():
            if section == 'token_config' and key == TOKEN_CONFIG_USER:
                continue  # whose limit, not a check
            checks.extend(_checks_for('%s.%s' % (section, key), section, key, value, source))
    return checks


class DesiredState:
    """The checks of a desired-state document, plus those of a baseline that the document does not override.

    ``token_config_user``: whose token lifetime limit the token_config checks read ('me': the token's own user).
    """

    def __init__(self, checks, baseline_checks=(), token_config_user='me', health=None):
        self.checks = list(checks)
        self.baseline_checks = list(baseline_checks)
        self.token_config_user = token_config_user
        self.health = health

    @classmethod
    def from_document(cls, document, source='desired state', baseline=None):
        """Check the limits of ``document`` (None for a baseline-only check), validate it and build its checks."""
        checks, user, health = [], 'me', None
        if document is not None:
            check_limits(document, source)
            validate_document(document, source)
            checks = _document_checks(document, 'desired')
            user = (document.get('token_config') or {}).get(TOKEN_CONFIG_USER, user)
            health = _health_spec(document, 'desired')
        baseline_checks = []
        if baseline and baseline != 'none':
            document = _baselines.baseline(baseline)
            baseline_checks = _document_checks(document, 'baseline:' + baseline)
            # The user's health section replaces a baseline's whole: one report, one set of rules.
            health = health or _health_spec(document, 'baseline:' + baseline)
        if not checks and not baseline_checks and health is None:
            raise DesiredStateError(source, ['nothing to check: the desired state has no checks and no baseline '
                                             'was chosen'])
        return cls(checks, baseline_checks, user, health)

    def all_checks(self):
        return self.checks + self.baseline_checks


def _health_spec(document, source):
    return HealthSpec(document['health'], source) if 'health' in document else None


def required_subsets(desired):
    """The fact subsets (endpoints) the checks of ``desired`` read, in their order: health (owner
    only, and slow) only when the desired state has a health section."""
    needed = {'health'} if desired.health is not None else set()
    for check in desired.all_checks():
        # A check's section is the fact subset (endpoint) it reads.
        needed.add(check.section)
        if check.when:
            needed.add(check.when.section)
    return [name for name in SUBSETS + EXTRA_SUBSETS if name in needed]


def _address(key):
    """(section, path) of a key outside a section: ``version``, ``<section>.<path>`` or a config key.

    Only a dotted prefix names a section: the bare words ``experiments`` and ``update_check`` are
    deployment settings (CODER_EXPERIMENTS, CODER_UPDATE_CHECK).
    """
    if key == 'version':
        return 'build', 'version'
    section, dot, rest = key.partition('.')
    if dot and rest and (section in PATH_SECTIONS or section in ('config', 'experiments', 'health')):
        if section == 'experiments' and rest in ('include', 'exclude'):
            rest = 'enabled'
        return section, rest
    return 'config', key


def parse_waivers(waivers, source='waivers'):
    """The Waivers of a waiver list (None for none); DesiredStateError lists every problem."""
    if waivers is None:
        return []
    check_limits(waivers, source)
    _require_jsonschema()
    problems = _schema_problems(waivers, WAIVERS_SCHEMA) + _date_problems(waivers)
    if problems:
        problems.sort(key=_problem_path)
        raise DesiredStateError(source, problems)
    return [Waiver(waiver) for waiver in waivers]
