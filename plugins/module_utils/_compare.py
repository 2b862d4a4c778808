# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE to the coder.coderd collection: may change in any release without notice.
"""The comparison operators of drift checks, written once for the drift engine and the drift filter.

Comparisons are unit-aware: a duration compares by its length whatever its spelling (604800,
"168h", "7d", "168h0m0s"), a URL by its normalized form, a version by SemVer precedence. The
caller may name the unit (``kind``, e.g. a setting's type); without it the unit is inferred from
the two values. Pure functions on the standard library and the collection's unit parsers.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.coder.coderd.plugins.module_utils._errors import InputError
from ansible_collections.coder.coderd.plugins.module_utils._regex import PatternError, compile_pattern, search
from ansible_collections.coder.coderd.plugins.module_utils._units import (
    NUMBER_TEXT as _NUMERIC_TEXT, compare_versions, normalize_host_port, normalize_url, parse_go_duration_ns,
    parse_version, to_seconds, version_satisfies,
)

OPERATORS = ('eq', 'ne', 'in', 'not_in', 'lt', 'le', 'gt', 'ge', 'regex', 'contains', 'subset', 'superset',
             'set', 'version')
DEFAULT_OPERATOR = 'eq'

_ORDERINGS = {
    'lt': lambda order: order < 0,
    'le': lambda order: order <= 0,
    'gt': lambda order: order > 0,
    'ge': lambda order: order >= 0,
}


class ComparisonError(InputError):
    """The expected value cannot be used with the operator, or the values cannot be compared."""


def parse_spec(spec):
    """A desired value as ``[(operator, operand), ...]``.

    A mapping whose keys are all operators is a list of checks (``{ge: 1, le: 5}``); any other value,
    including a mapping without operator keys, is compared with ``eq``.
    """
    if isinstance(spec, dict) and spec:
        operators = [key for key in spec if key in OPERATORS]
        if len(operators) == len(spec):
            return [(operator, spec[operator]) for operator in operators]
        if operators:
            others = sorted(str(key) for key in spec if key not in OPERATORS)
            raise ComparisonError('mixes operators (%s) with other keys (%s); operators are: %s'
                                  % (', '.join(operators), ', '.join(others), ', '.join(OPERATORS)))
    return [(DEFAULT_OPERATOR, spec)]


def compare(operator, actual, expected, kind=None):
    """True when ``actual`` meets ``operator expected``; ComparisonError when the check makes no sense.

    ``kind`` is 'duration', 'url', 'host:port' or 'version' when the caller knows the unit; any other
    value (or None) lets the unit be inferred from the two values.
    """
    if operator not in OPERATORS:
        raise ComparisonError('unknown operator %r; operators are: %s' % (operator, ', '.join(OPERATORS)))
    try:
        return _COMPARATORS[operator](actual, expected, kind)
    except ComparisonError:
        raise
    except (TypeError, ValueError) as exc:
        # The unit parsers name the value that failed; keep their words on one line.
        raise ComparisonError('%s: %s' % (operator, exc))


def is_set(value):
    """A secret reports ``{set: bool}``; any other value is set unless it is empty."""
    if isinstance(value, dict) and set(value) == {'set'}:
        return bool(value['set'])
    return value not in (None, '', [], {})


# --- units -----------------------------------------------------------------------------------------

def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_duration_text(value):
    if not isinstance(value, str) or _NUMERIC_TEXT.fullmatch(value.strip()):
        return False
    try:
        parse_go_duration_ns(value)
    except ValueError:
        return False
    return True


def _is_url_text(value):
    return isinstance(value, str) and '://' in value


def _is_version_text(value):
    if not isinstance(value, str):
        return False
    try:
        parse_version(value)
    except ValueError:
        return False
    return True


def _unit(left, right, kind):
    """The unit two scalars compare in: kind if given and known, else what both values look like."""
    if kind in ('duration', 'url', 'host:port', 'version'):
        return kind
    if (_is_duration_text(left) or _is_duration_text(right)) and all(
            _is_duration_text(value) or _is_number(value) for value in (left, right)):
        return 'duration'
    if _is_url_text(left) and _is_url_text(right):
        return 'url'
    return None


_CANONICAL = {
    'duration': to_seconds,
    'url': normalize_url,
    'host:port': normalize_host_port,
}


def _canonical_pair(left, right, kind):
    unit = _unit(left, right, kind)
    convert = _CANONICAL.get(unit)
    if convert is None or left is None or right is None:
        return left, right
    return convert(left), convert(right)


def _equal(left, right, kind):
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(_equal(a, b, kind) for a, b in zip(left, right))
    if isinstance(left, dict) and isinstance(right, dict):
        return set(left) == set(right) and all(_equal(left[key], right[key], kind) for key in left)
    # In Python True == 1; a setting that is true is not the number one.
    if isinstance(left, bool) != isinstance(right, bool):
        return False
    if kind == 'version' and isinstance(left, str) and isinstance(right, str):
        return compare_versions(left, right) == 0
    left, right = _canonical_pair(left, right, kind)
    return left == right


def _order(left, right, kind):
    """-1, 0 or 1 for numbers, durations and versions; anything else cannot be ordered."""
    unit = _unit(left, right, kind)
    if unit == 'duration':
        left, right = to_seconds(left), to_seconds(right)
    elif unit == 'version' or (unit is None and _is_version_text(left) and _is_version_text(right)):
        return compare_versions(left, right)
    if _is_number(left) and _is_number(right):
        return (left > right) - (left < right)
    raise ComparisonError('cannot order %r against %r: lt, le, gt and ge compare numbers, durations '
                          '(e.g. "168h") and versions' % (left, right))


# --- operators ---------------------------------------------------------------------------------------

def _need_list(operator, expected):
    if not isinstance(expected, (list, tuple)):
        raise ComparisonError('%s needs a list of values, got %r' % (operator, expected))
    return list(expected)


def _as_items(actual):
    """List operators see a missing value as an empty list, and a lone value as a list of one."""
    if actual is None:
        return []
    return list(actual) if isinstance(actual, (list, tuple)) else [actual]


def _member(value, choices, kind):
    return any(_equal(value, choice, kind) for choice in choices)


def _op_eq(actual, expected, kind):
    return _equal(actual, expected, kind)


def _op_ne(actual, expected, kind):
    return not _equal(actual, expected, kind)


def _op_in(actual, expected, kind):
    """A list value is in the list when each of its items is (enabled experiments all allowed)."""
    choices = _need_list('in', expected)
    if isinstance(actual, (list, tuple)):
        return all(_member(item, choices, kind) for item in actual)
    return _member(actual, choices, kind)


def _op_not_in(actual, expected, kind):
    """A list value is not in the list when none of its items is (no excluded experiment enabled)."""
    choices = _need_list('not_in', expected)
    if isinstance(actual, (list, tuple)):
        return not any(_member(item, choices, kind) for item in actual)
    return not _member(actual, choices, kind)


def _ordering(operator):
    def check(actual, expected, kind):
        if expected is None or isinstance(expected, (bool, list, dict)):
            raise ComparisonError('%s needs a number, a duration or a version, got %r' % (operator, expected))
        # A value that is not there is not within any bound.
        return actual is not None and _ORDERINGS[operator](_order(actual, expected, kind))
    return check


def _op_regex(actual, expected, kind):
    if not isinstance(expected, str):
        raise ComparisonError('regex needs a pattern string, got %r' % (expected,))
    try:
        # Before looking at the value: a pattern that cannot work is wrong whatever the value.
        compile_pattern(expected)
    except PatternError as exc:
        raise ComparisonError('regex %r %s' % (expected, exc))
    if actual is None:
        return False
    if isinstance(actual, (list, dict)):
        raise ComparisonError('regex matches text, not a %s; use contains for lists'
                              % type(actual).__name__)
    text = ('true' if actual else 'false') if isinstance(actual, bool) else str(actual)
    return search(expected, text)


def _op_contains(actual, expected, kind):
    if isinstance(actual, str):
        if not isinstance(expected, str):
            raise ComparisonError('contains on text needs text, got %r' % (expected,))
        return expected in actual
    if isinstance(actual, dict):
        return expected in actual
    return _member(expected, _as_items(actual), kind)


def _op_subset(actual, expected, kind):
    choices = _need_list('subset', expected)
    return all(_member(item, choices, kind) for item in _as_items(actual))


def _op_superset(actual, expected, kind):
    items = _as_items(actual)
    return all(_member(item, items, kind) for item in _need_list('superset', expected))


def _op_set(actual, expected, kind):
    if not isinstance(expected, bool):
        raise ComparisonError('set needs true or false, got %r' % (expected,))
    return is_set(actual) == expected


def _op_version(actual, expected, kind):
    if not isinstance(expected, str):
        raise ComparisonError('version needs a constraint string such as ">=2.30,<3", got %r' % (expected,))
    if actual is None:
        # Still reject a bad constraint, so that a typo is not hidden by a missing value.
        version_satisfies('0.0.0', expected)
        return False
    return version_satisfies(actual, expected)


_COMPARATORS = {
    'eq': _op_eq,
    'ne': _op_ne,
    'in': _op_in,
    'not_in': _op_not_in,
    'lt': _ordering('lt'),
    'le': _ordering('le'),
    'gt': _ordering('gt'),
    'ge': _ordering('ge'),
    'regex': _op_regex,
    'contains': _op_contains,
    'subset': _op_subset,
    'superset': _op_superset,
    'set': _op_set,
    'version': _op_version,
}
