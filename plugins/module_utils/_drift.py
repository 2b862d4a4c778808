# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE to the coder.coderd collection: may change in any release without notice.
"""The drift engine: a desired-state document (DESIGN §4) checked against a deployment's facts.

Flow: ``DesiredState.from_document`` validates the user's document against the shipped schema
(every problem at once, each naming its path in the document) and turns it into checks;
``required_subsets`` says which endpoints those checks read, so only they are fetched, once;
``evaluate`` resolves every key through the value model, compares with ``_compare`` and applies
waivers; ``assert_deployment`` is the whole task of ``deployment_assert``.
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
from ansible_collections.coder.coderd.plugins.module_utils._api import SUBSETS, gather_facts, join_capped
from ansible_collections.coder.coderd.plugins.module_utils._compare import (
    OPERATORS, ComparisonError, compare, parse_spec,
)
from ansible_collections.coder.coderd.plugins.module_utils._desired_schema import (
    CHECK_META_KEYS, DEFAULT_FAIL_ON, PATH_SECTIONS, SCHEMA, SEVERITIES, WAIVERS_SCHEMA,
)
from ansible_collections.coder.coderd.plugins.module_utils._units import (
    format_go_duration, parse_version, to_seconds, version_satisfies,
)
from ansible_collections.coder.coderd.plugins.module_utils._config import DeploymentConfig, UnknownKeyError

STATUSES = ('pass', 'drift', 'waived', 'error')
DEFAULT_SEVERITY = 'medium'
# Severity ranks: a higher number is more severe; 'never' is above everything, so nothing reaches it.
_RANK = dict((name, len(SEVERITIES) - index) for index, name in enumerate(SEVERITIES))
_RANK['never'] = len(SEVERITIES) + 1

# Units of facts outside `config` (inside it, the value model knows each setting's type).
_KINDS = {
    'build.version': 'version',
    'build.dashboard_url': 'url',
    'build.external_url': 'url',
    'update_check.version': 'version',
    'update_check.url': 'url',
    'token_config.max_token_lifetime': 'duration',
    'token_config.max_token_lifetime_seconds': 'duration',
}
_ORDERING_OPERATORS = ('lt', 'le', 'gt', 'ge')
# The schema keywords whose failure a subschema's x-message explains.
_MESSAGE_VALIDATORS = ('anyOf', 'oneOf', 'type', 'pattern')
_DATE_SHAPE = re.compile(r'^\d{4}-\d{2}-\d{2}$')
# What a desired-state document or a waiver list may hold, counted as if every YAML alias (or
# shared reference) were written out: far beyond any hand-written document, small enough that
# validating, evaluating and reporting it takes seconds. A 450-byte YAML file of nested aliases
# otherwise expands to millions of values (the "billion laughs").
MAX_NODES = 50000
MAX_DEPTH = 32
MAX_TEXT = 1024 * 1024


class DesiredStateError(ValueError):
    """A desired-state document or waiver list is malformed; ``problems`` has one line per problem."""

    def __init__(self, source, problems):
        self.source = source
        self.problems = list(problems)
        header = 'invalid %s (%s):' % (source, _reports.counted(len(self.problems), 'problem'))
        lines = join_capped((_reports.clipped(line, _reports.MAX_PROBLEM) for line in self.problems), '\n  ',
                            _reports.MAX_LISTED)
        super(DesiredStateError, self).__init__('%s\n  %s' % (header, lines))


class Check:
    """One comparison: a key of a section of the document, an operator and the expected value."""

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
            raise ValueError('%s: refused: it contains itself (a YAML alias inside its own anchor)' % source)
        elif len(stack) >= MAX_DEPTH:
            raise ValueError('%s: refused: nested more than %d levels deep' % (source, MAX_DEPTH))
        else:
            stack.append(_Container(child))
            on_path.add(id(child))


def _add(container, nodes, text, source):
    container.nodes += nodes
    container.text += text
    if container.nodes > MAX_NODES:
        raise ValueError('%s: refused: more than %d keys and values once YAML aliases are expanded'
                         % (source, MAX_NODES))
    if container.text > MAX_TEXT:
        raise ValueError('%s: refused: more than %d characters of text once YAML aliases are expanded'
                         % (source, MAX_TEXT))


# --- validation -----------------------------------------------------------------------------------

def _require_jsonschema():
    if JSONSCHEMA_IMPORT_ERROR is not None:
        raise ValueError('checking a desired state needs the Python library jsonschema on the controller '
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
    if 'x-message' in schema and error.validator in _MESSAGE_VALIDATORS:
        return [prefix + schema['x-message']]
    if error.validator == 'type':
        return [prefix + 'must be ' + _type_names(error.validator_value)]
    if error.validator == 'enum':
        return [prefix + 'must be one of %s, got %s' % (', '.join(str(item) for item in error.validator_value),
                                                        _reports.clipped(repr(error.instance)))]
    if error.validator == 'additionalProperties':
        allowed = sorted(schema.get('properties', {}))
        lines = []
        for key in sorted(str(key) for key in error.instance if key not in schema.get('properties', {})):
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = ("did you mean '%s'?" % close[0]) if close else 'expected one of: ' + ', '.join(allowed)
            lines.append('%s: unknown key; %s' % (_path_text(list(error.absolute_path) + [key]), hint))
        return lines
    if error.validator == 'required':
        missing = [name for name in error.validator_value if name not in error.instance]
        return [prefix + 'missing required key ' + ', '.join("'%s'" % name for name in missing)]
    if error.validator == 'minLength':
        return [prefix + 'must not be empty']
    return [prefix + error.message]


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
    raise ValueError('%r is neither a number, a duration such as "168h" nor a version' % text)


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
        raise ValueError('%r is not a date written YYYY-MM-DD' % (text,))


def _is_check_object(value):
    return isinstance(value, dict) and any(key in value for key in OPERATORS + CHECK_META_KEYS)


def validate_document(document, source='desired state'):
    """Raise DesiredStateError listing every problem of a desired-state document."""
    _require_jsonschema()
    if not isinstance(document, dict):
        raise DesiredStateError(source, ['the document must be a mapping of sections (version, config, '
                                         'experiments, ...), got %s' % type(document).__name__])
    problems = _unique(_schema_problems(document, SCHEMA) + _semantic_problems(document))
    if problems:
        problems.sort(key=_problem_path)
        raise DesiredStateError(source, problems)


# --- desired state --------------------------------------------------------------------------------

def _checks_for(key, section, path, value, source):
    """The checks one document entry asks for: one per operator."""
    if _is_check_object(value):
        spec = dict((name, operand) for name, operand in value.items() if name not in CHECK_META_KEYS)
        severity = value.get('severity', DEFAULT_SEVERITY)
        description = value.get('description')
        when = value.get('when')
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
            checks.extend(_checks_for('%s.%s' % (section, key), section, key, value, source))
    return checks


class DesiredState:
    """The checks of a desired-state document, plus those of a baseline that the document does not override."""

    def __init__(self, checks, baseline_checks=()):
        self.checks = list(checks)
        self.baseline_checks = list(baseline_checks)

    @classmethod
    def from_document(cls, document, source='desired state', baseline=None):
        """Validate ``document`` (None for a baseline-only check) and build its checks."""
        checks = []
        if document is not None:
            validate_document(document, source)
            checks = _document_checks(document, 'desired')
        baseline_checks = []
        if baseline and baseline != 'none':
            baseline_checks = _document_checks(_baselines.baseline(baseline), 'baseline:' + baseline)
        if not checks and not baseline_checks:
            raise DesiredStateError(source, ['nothing to check: the desired state has no checks and no baseline '
                                             'was chosen'])
        return cls(checks, baseline_checks)

    def all_checks(self):
        return self.checks + self.baseline_checks


def required_subsets(desired):
    """The fact subsets (endpoints) the checks of ``desired`` read, in SUBSETS order."""
    needed = set()
    for check in desired.all_checks():
        # A check's section is the fact subset (endpoint) it reads.
        needed.add(check.section)
        if check.when:
            needed.add(_address(check.when['key'])[0])
    return [name for name in SUBSETS if name in needed]


def _address(key):
    """(section, path) of a key outside a section: ``version``, ``<section>.<path>`` or a config key.

    Only a dotted prefix names a section: the bare words ``experiments`` and ``update_check`` are
    deployment settings (CODER_EXPERIMENTS, CODER_UPDATE_CHECK).
    """
    if key == 'version':
        return 'build', 'version'
    section, dot, rest = key.partition('.')
    if dot and rest and (section in PATH_SECTIONS or section in ('config', 'experiments')):
        if section == 'experiments' and rest in ('include', 'exclude'):
            rest = 'enabled'
        return section, rest
    return 'config', key


# --- waivers --------------------------------------------------------------------------------------

def parse_waivers(waivers, source='waivers'):
    """Validated waivers (a list of {key, reason, expires}); DesiredStateError lists every problem."""
    if waivers is None:
        return []
    _require_jsonschema()
    problems = _schema_problems(waivers, WAIVERS_SCHEMA) + _date_problems(waivers)
    if problems:
        problems.sort(key=_problem_path)
        raise DesiredStateError(source, problems)
    return [dict(waiver, expires_date=_parse_date(waiver['expires'])) for waiver in waivers]


# --- evaluation -----------------------------------------------------------------------------------

class _Target:
    """Where a check's key led: the canonical path in the facts, the value there and its unit."""

    __slots__ = ('resolved_as', 'value', 'kind', 'secret')

    def __init__(self, resolved_as, value, kind, secret=False):
        self.resolved_as = resolved_as
        self.value = value
        self.kind = kind
        self.secret = secret


def _nested(mapping, path, section):
    node = mapping
    walked = []
    for part in path.split('.'):
        if not isinstance(node, dict) or part not in node:
            known = sorted(str(key) for key in node) if isinstance(node, dict) else []
            close = difflib.get_close_matches(part, known, n=3)
            where = '.'.join([section] + walked)
            if close:
                hint = 'did you mean: ' + ', '.join(close)
            elif known:
                hint = 'known: ' + join_capped(known, ', ', _reports.MAX_LISTED)
            else:
                hint = '%s is not a mapping' % where
            raise ValueError('%s has no %s; %s' % (where, _reports.clipped(repr(part)), hint))
        node = node[part]
        walked.append(part)
    return node


class _Resolver:
    """Finds what a key addresses in one deployment's facts (config through the value model)."""

    def __init__(self, facts, config_model=None):
        self.facts = facts
        if config_model is not None:
            self.config = config_model
        elif isinstance(facts.get('config'), dict):
            self.config = DeploymentConfig.from_facts(facts['config'])
        else:
            self.config = None

    def find(self, section, path):
        if section == 'config':
            if self.config is None:
                raise ValueError('no config facts to check %r against' % path)
            setting = self.config.resolve(path)
            return _Target('config.' + setting.resolved_as, setting.value, setting.type, setting.type == 'secret')
        if section not in self.facts:
            raise ValueError('no %s facts to check %r against' % (section, path))
        resolved_as = '%s.%s' % (section, path)
        return _Target(resolved_as, _nested(self.facts[section], path, section), _KINDS.get(resolved_as))

    def find_key(self, key):
        return self.find(*_address(key))


def _shown(value, kind):
    """The actual value as a record shows it: durations in Go's spelling, like the desired side."""
    if kind == 'duration' and isinstance(value, (int, float)) and not isinstance(value, bool):
        return format_go_duration(value)
    return value


def _condition_holds(condition, resolver):
    target = resolver.find_key(condition['key'])
    return compare(condition.get('operator', 'eq'), target.value, condition['value'], target.kind)


def _condition_text(condition):
    return '%s %s %s' % (condition['key'], condition.get('operator', 'eq'), _reports.render_value(condition['value']))


def _literal_mismatch(check, target):
    """A mapping compared as a plain value against a setting that is no mapping is nearly always a typo."""
    if check.operator != 'eq' or not isinstance(check.expected, dict) or isinstance(target.value, dict):
        return None
    hints = []
    for name in check.expected:
        hints.extend(match for match in difflib.get_close_matches(str(name), OPERATORS, n=2) if match not in hints)
    hint = ('did you mean the operator %s?' % ' or '.join(hints)) if hints else \
        'use one of the operators %s' % ', '.join(OPERATORS)
    return 'expected value is a mapping but the setting is not; %s' % hint


def _record(check, resolved_as, actual, status, description=None):
    record = dict(key=check.key, resolved_as=resolved_as, expected=check.expected, actual=actual,
                  operator=check.operator, severity=check.severity, status=status, source=check.source)
    text = description if description is not None else check.description
    if text:
        record['description'] = text
    return record


def _error_record(check, resolved_as, problem):
    text = 'error: %s' % _reports.clipped(problem, _reports.MAX_PROBLEM)
    if check.description:
        text = '%s (%s)' % (text, check.description)
    return _record(check, resolved_as, None, 'error', text)


def _evaluate_check(check, resolver):
    try:
        target = resolver.find(check.section, check.path)
    except UnknownKeyError as exc:
        if check.source == 'desired':
            return None, _error_record(check, None, str(exc))
        # Baselines follow the newest Coder; a setting an older server lacks cannot be set wrong there.
        return None, _record(check, None, None, 'pass', 'not applicable: this deployment has no setting %r'
                             % check.path)
    except ValueError as exc:
        return None, _error_record(check, None, str(exc))
    actual = _shown(target.value, target.kind)
    if target.secret and check.operator != 'set':
        return target, _error_record(check, target.resolved_as, 'this is a secret the server never returns; '
                                                                'only set: true or set: false can check it')
    mismatch = _literal_mismatch(check, target)
    if mismatch:
        return target, _error_record(check, target.resolved_as, mismatch)
    try:
        if check.when and not _condition_holds(check.when, resolver):
            note = 'not applicable: %s does not hold' % _condition_text(check.when)
            if check.description:
                note = '%s (%s)' % (check.description, note)
            return target, _record(check, target.resolved_as, actual, 'pass', note)
        holds = compare(check.operator, target.value, check.expected, target.kind)
    except (ComparisonError, ValueError) as exc:
        return target, _error_record(check, target.resolved_as, str(exc))
    return target, _record(check, target.resolved_as, actual, 'pass' if holds else 'drift')


def _apply_waivers(records, waivers, resolver, today, warnings):
    # Indexed, not searched per waiver: thousands of waivers and checks take linear time.
    by_key, by_path = {}, {}
    for index, record in enumerate(records):
        by_key.setdefault(record['key'], []).append(index)
        if record['resolved_as']:
            by_path.setdefault(record['resolved_as'], []).append(index)
    for waiver in waivers:
        try:
            waived_path = resolver.find_key(waiver['key']).resolved_as
        except ValueError:
            waived_path = None
        matches = [records[index] for index in sorted(set(by_key.get(waiver['key'], []) + by_path.get(waived_path, [])))]
        if not matches:
            warnings.append("waiver for '%s' matches no check" % _reports.clipped(waiver['key']))
            continue
        expired = today > waiver['expires_date']
        public = dict(key=waiver['key'], reason=waiver['reason'], expires=waiver['expires'], expired=expired)
        drifted = [record for record in matches if record['status'] in ('drift', 'waived')]
        if not drifted:
            warnings.append("waiver for '%s' is not needed: its check does not drift" % _reports.clipped(waiver['key']))
        for record in drifted:
            if record['status'] == 'waived':
                continue
            record['waiver'] = public
            if not expired:
                record['status'] = 'waived'


class Result:
    """Records and summary of one evaluation; ``passed`` applies ``fail_on``."""

    def __init__(self, records, fail_on, warnings):
        self.records = records
        self.fail_on = fail_on
        self.warnings = warnings
        self.failing = [record for record in records if record['status'] == 'error' or (
            record['status'] == 'drift' and _RANK[record['severity']] >= _RANK[fail_on])]
        self.passed = not self.failing

    @property
    def drift(self):
        return [record for record in self.records if record['status'] == 'drift']

    @property
    def summary(self):
        counts = dict((status, 0) for status in STATUSES)
        by_severity = dict((severity, 0) for severity in SEVERITIES)
        for record in self.records:
            counts[record['status']] += 1
            if record['status'] == 'drift':
                by_severity[record['severity']] += 1
        return dict(total=len(self.records), failing=len(self.failing), fail_on=self.fail_on,
                    drift_by_severity=by_severity, **counts)

    def message(self, deployment):
        """One line: the verdict, the counts, and every unwaived drift and error with its severity."""
        summary = self.summary
        counts = '%s: %d passed, %d drifted, %d waived, %s' % (
            _reports.counted(summary['total'], 'check'), summary['pass'], summary['drift'], summary['waived'],
            _reports.counted(summary['error'], 'error'))
        line = 'drift check %s on %s (%s; fail_on: %s)' % (
            'passed' if self.passed else 'failed', deployment, counts, self.fail_on)
        attention = [record for record in self.records if record['status'] in ('drift', 'error')]
        if attention:
            line += ': ' + join_capped((_attention_text(record) for record in attention), '; ', _reports.MAX_LISTED)
        return line


def _attention_text(record):
    key = _reports.clipped(str(record['key']))
    if record['status'] == 'error':
        return '%s [error] %s' % (key, record.get('description', ''))
    return '%s [%s] expected %s %s, actual %s' % (
        key, record['severity'], record['operator'], _reports.shown_value(record['expected']),
        _reports.shown_value(record['actual']))


def evaluate(desired, facts, config_model=None, waivers=(), today=None, fail_on=DEFAULT_FAIL_ON):
    """Check ``desired`` against ``facts`` (the ``coder`` facts); ``config_model`` resolves config keys
    with the server's own options list when the config was fetched in this task."""
    resolver = _Resolver(facts, config_model)
    records = []
    claimed = set()
    for check in desired.checks:
        target, record = _evaluate_check(check, resolver)
        records.append(record)
        if target is not None:
            claimed.add(target.resolved_as)
    for check in desired.baseline_checks:
        target, record = _evaluate_check(check, resolver)
        # The user's own check of a setting replaces the baseline's checks of it.
        if target is None or target.resolved_as not in claimed:
            records.append(record)
    warnings = []
    _apply_waivers(records, list(waivers), resolver, today or datetime.date.today(), warnings)
    if len(warnings) > _reports.MAX_LISTED:
        # Each warning is a line of its own: the rest are counted in one more.
        warnings[_reports.MAX_LISTED:] = ['and %d more warnings about waivers' % (len(warnings) - _reports.MAX_LISTED)]
    return Result(records, fail_on, warnings)


def assert_deployment(params, deployment=None, today=None):
    """The whole ``deployment_assert`` task; ``deployment`` is None when ``params['facts']`` are given.

    ``params['desired']`` is the parsed document (the action plugin reads desired files);
    ``desired_source`` / ``waivers_source`` name where they came from in error messages.
    """
    desired_source = params.get('desired_source') or 'desired state'
    waivers_source = params.get('waivers_source') or 'waivers'
    check_limits(params.get('desired'), desired_source)
    check_limits(params.get('waivers'), waivers_source)
    desired = DesiredState.from_document(params.get('desired'), desired_source, params.get('baseline'))
    waivers = parse_waivers(params.get('waivers'), waivers_source)
    subsets = required_subsets(desired)
    config_model = None
    if params.get('facts') is not None:
        facts = params['facts']
        missing = [name for name in subsets if name not in facts]
        if missing:
            raise ValueError('facts lack %s, which the desired state checks; gather them with deployment_info '
                             '(gather_subset) or leave facts unset' % ', '.join(missing))
        where = facts.get('url') or 'the given facts'
    else:
        facts = gather_facts(deployment, subsets, processing_timeout=params['processing_timeout'])
        if 'config' in subsets:
            config_model = deployment.config_model()
        where = deployment.url
    fail_on = params.get('fail_on') or DEFAULT_FAIL_ON
    result = evaluate(desired, facts, config_model, waivers, today, fail_on)
    report = _reports.build_report(where, result.records, result.summary, result.passed,
                                   baseline=params.get('baseline'))
    written = {}
    if params.get('report_dir'):
        written = _reports.write_reports(report, params['report_dir'], params.get('report_formats'))
    answer = dict(passed=result.passed, summary=result.summary, drift=result.drift, records=result.records,
                  reports=written, msg=result.message(where), subsets=subsets)
    if result.warnings:
        answer['warnings'] = result.warnings
    if not result.passed:
        answer['failed'] = True
    return answer
