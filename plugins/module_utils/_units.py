# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE to the coder.coderd collection: may change in any release without notice.
"""Scalar units of the Coder API: Go durations, URLs, host:port pairs and Coder versions.

Pure functions, standard library only: this file also runs inside modules on remote hosts.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math
import re

from urllib.parse import urlsplit, urlunsplit

from ansible_collections.coder.coderd.plugins.module_utils._errors import InputError

_NS_PER_SECOND = 10 ** 9
_MAX_NS = 2 ** 63 - 1  # Go's time.Duration is an int64 of nanoseconds

# Go's time.ParseDuration units plus 'd' (24h): Go lacks days, users think in them ("30d").
_UNIT_NS = {
    'ns': 1,
    'us': 10 ** 3,
    '\u00b5s': 10 ** 3,  # micro sign, what Go prints
    '\u03bcs': 10 ** 3,  # Greek mu, which Go also accepts
    'ms': 10 ** 6,
    's': _NS_PER_SECOND,
    'm': 60 * _NS_PER_SECOND,
    'h': 3600 * _NS_PER_SECOND,
    'd': 86400 * _NS_PER_SECOND,
}
# [0-9], not \d: \d also matches other scripts' digits ("１２", "٣"), which int() would then accept.
_NUMBER = r'[0-9]+\.?[0-9]*|\.[0-9]+'
# Longest first, so that 'ms' is not read as 'm' followed by garbage.
_UNIT = '|'.join(sorted(_UNIT_NS, key=len, reverse=True))
_DURATION_PART = re.compile('({0})({1})'.format(_NUMBER, _UNIT))
_DURATION_FULL = re.compile('(?:(?:{0})(?:{1}))+'.format(_NUMBER, _UNIT))
# A number written as text ("3600", "-1.5", ".5"): what every reader of numbers in text matches.
NUMBER_TEXT = re.compile('[-+]?(?:{0})'.format(_NUMBER))


def _duration_error(text, reason):
    return InputError('invalid Go duration {0!r}: {1}'.format(text, reason))


def parse_go_duration_ns(text):
    """Parse a Go duration string ('1h30m', '300ms', '-1.5h', '30d') into integer nanoseconds."""
    if not isinstance(text, str):
        raise InputError('invalid Go duration {0!r}: expected a string such as "1h30m"'.format(text))
    body = text.strip()
    sign = 1
    if body[:1] in ('-', '+'):
        sign = -1 if body[0] == '-' else 1
        body = body[1:]
    if body == '0':
        return 0
    if not body or not _DURATION_FULL.fullmatch(body):
        raise _duration_error(text, 'expected numbers with units ns, us, ms, s, m, h or d, e.g. "1h30m"')
    total = 0
    for number, unit in _DURATION_PART.findall(body):
        whole, _dot, fraction = number.partition('.')
        # Exact integer arithmetic; like Go, what is below a nanosecond is truncated.
        total += int(whole or 0) * _UNIT_NS[unit] + int(fraction or 0) * _UNIT_NS[unit] // 10 ** len(fraction)
    nanoseconds = sign * total
    if not -_MAX_NS - 1 <= nanoseconds <= _MAX_NS:
        raise _duration_error(text, 'out of range (Go durations are limited to about 292 years)')
    return nanoseconds


def parse_go_duration(text):
    """Parse a Go duration string into seconds (float)."""
    return parse_go_duration_ns(text) / _NS_PER_SECOND


def _is_number(value):
    # bool is an int subclass, but True seconds is a mistake, not a duration.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return isinstance(value, int) or math.isfinite(value)


def _whole_or_float(value):
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def ns_to_seconds(ns):
    """Integer nanoseconds (the wire format of every Coder duration) to seconds; int when whole."""
    if not _is_number(ns):
        raise InputError('expected a number of nanoseconds, got {0!r}'.format(ns))
    if isinstance(ns, int) and ns % _NS_PER_SECOND == 0:
        return ns // _NS_PER_SECOND
    return _whole_or_float(ns / _NS_PER_SECOND)


def to_seconds(value):
    """Desired-side duration to seconds: a Go string ('720h', '30d'), a number of seconds or a numeric string.

    Returns an int when the result is whole. A bare number means seconds, unlike Go, which
    rejects a number without a unit.
    """
    if _is_number(value):
        return _whole_or_float(value)
    if isinstance(value, str) and NUMBER_TEXT.fullmatch(value.strip()):
        return _whole_or_float(float(value)) if '.' in value else int(value)
    if isinstance(value, str):
        return ns_to_seconds(parse_go_duration_ns(value))
    raise InputError('expected a duration such as "168h" or a number of seconds, got {0!r}'.format(value))


def _format_fraction(value, precision):
    """Go's fmtFrac: the last `precision` digits as '.ddd' without trailing zeros."""
    scale = 10 ** precision
    digits = value % scale
    text = '.' + str(digits).rjust(precision, '0').rstrip('0') if digits else ''
    return text, value // scale


def format_go_duration(seconds):
    """Seconds to the string Go's time.Duration.String() prints ('168h0m0s', '1.5s', '500ms', '0s')."""
    if not _is_number(seconds):
        raise InputError('expected a number of seconds, got {0!r}'.format(seconds))
    nanoseconds = seconds * _NS_PER_SECOND if isinstance(seconds, int) else round(seconds * _NS_PER_SECOND)
    if not -_MAX_NS - 1 <= nanoseconds <= _MAX_NS:
        raise InputError('{0!r} seconds is out of range for a Go duration'.format(seconds))
    sign = '-' if nanoseconds < 0 else ''
    rest = abs(nanoseconds)
    if rest == 0:
        return '0s'
    if rest < _NS_PER_SECOND:
        # Below one second Go switches to the largest unit that keeps an integer part.
        if rest < 10 ** 3:
            precision, unit = 0, 'ns'
        elif rest < 10 ** 6:
            precision, unit = 3, '\u00b5s'
        else:
            precision, unit = 6, 'ms'
        fraction, whole = _format_fraction(rest, precision)
        return '{0}{1}{2}{3}'.format(sign, whole, fraction, unit)
    fraction, whole_seconds = _format_fraction(rest, 9)
    text = '{0}{1}s'.format(whole_seconds % 60, fraction)
    minutes = whole_seconds // 60
    if minutes:
        text = '{0}m{1}'.format(minutes % 60, text)
        hours = minutes // 60
        if hours:
            text = '{0}h{1}'.format(hours, text)
    return sign + text


# --- URLs and host:port -------------------------------------------------------------------------

_DEFAULT_PORTS = {'http': 80, 'https': 443, 'ws': 80, 'wss': 443}


def _lower_keys(mapping):
    # Legacy objects come as swagger camelCase ({scheme, rawQuery}) or raw Go fields ({Scheme, RawQuery}).
    return dict((str(key).lower(), item) for key, item in mapping.items())


def url_to_string(value):
    """A URL as a string, as coderd sends it; also accepts the legacy swagger URL object.

    The object form follows Go's url.URL.String(); None becomes ''.
    """
    if value is None:
        return ''
    if isinstance(value, str):
        return value
    if not isinstance(value, dict):
        raise InputError('expected a URL string or object, got {0!r}'.format(value))
    parts = _lower_keys(value)
    scheme = parts.get('scheme') or ''
    opaque = parts.get('opaque') or ''
    # url.Userinfo has no exported fields, so the wire shows it as {}; only a string carries data.
    user = parts.get('user') if isinstance(parts.get('user'), str) else ''
    host = parts.get('host') or ''
    path = parts.get('rawpath') or parts.get('path') or ''
    query = parts.get('rawquery') or ''
    fragment = parts.get('rawfragment') or parts.get('fragment') or ''
    text = scheme + ':' if scheme else ''
    if opaque:
        text += opaque
    else:
        if host or user:
            text += '//' + (user + '@' if user else '') + host
        if path and host and not path.startswith('/'):
            text += '/'
        text += path
    if query or parts.get('forcequery'):
        text += '?' + query
    if fragment:
        text += '#' + fragment
    return text


def _join_host_port(host, port):
    # net.JoinHostPort: IPv6 literals need brackets to stay parseable.
    if ':' in host:
        host = '[' + host + ']'
    return '{0}:{1}'.format(host, port)


def normalize_url(value):
    """A URL in a form fit for comparison: scheme and host lower-cased, default port and root '/' dropped."""
    text = url_to_string(value).strip()
    if not text:
        return ''
    parts = urlsplit(text)
    if not parts.scheme or not parts.netloc:
        return text
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        raise InputError('invalid URL {0!r}: the port is not a number between 0 and 65535'.format(text))
    userinfo = parts.netloc.rpartition('@')[0]
    host = parts.hostname or ''
    if port is None or port == _DEFAULT_PORTS.get(scheme):
        netloc = '[' + host + ']' if ':' in host else host
    else:
        netloc = _join_host_port(host, port)
    if userinfo:
        netloc = userinfo + '@' + netloc
    path = '' if parts.path == '/' else parts.path
    return urlunsplit((scheme, netloc, path, parts.query, parts.fragment))


def normalize_host_port(value):
    """A bind address as 'host:port'; accepts the string coderd sends or the legacy {host, port} object."""
    if value is None:
        return ''
    if isinstance(value, str):
        return value.strip()
    if not isinstance(value, dict):
        raise InputError('expected a "host:port" string or a {{host, port}} object, got {0!r}'.format(value))
    parts = _lower_keys(value)
    host = str(parts.get('host') or '')
    port = str(parts.get('port') if parts.get('port') is not None else '')
    if not host and not port:
        return ''
    return _join_host_port(host, port)


# --- Coder versions -------------------------------------------------------------------------------

_VERSION = re.compile(
    r'v?(?P<major>[0-9]+)(?:\.(?P<minor>[0-9]+))?(?:\.(?P<patch>[0-9]+))?'
    r'(?:-(?P<prerelease>[0-9A-Za-z.-]+))?(?:\+(?P<build>[0-9A-Za-z.-]+))?'
)
_WILDCARD = re.compile(r'(?:v?([0-9]+)(?:\.([0-9]+))?\.)?[*xX]')
# Longest first, so '>=' is not read as '>'.
_OPERATORS = ('>=', '<=', '==', '!=', '>', '<', '~', '^', '=')
_COMPARISONS = {
    '==': lambda order: order == 0,
    '!=': lambda order: order != 0,
    '>': lambda order: order > 0,
    '>=': lambda order: order >= 0,
    '<': lambda order: order < 0,
    '<=': lambda order: order <= 0,
}


def _match_version(text):
    if not isinstance(text, str):
        raise InputError('invalid version {0!r}: expected a string such as "v2.34.3"'.format(text))
    match = _VERSION.fullmatch(text.strip())
    if not match:
        raise InputError('invalid version {0!r}: expected MAJOR[.MINOR[.PATCH]][-PRERELEASE][+BUILD]'.format(text))
    return match


def parse_version(text):
    """Parse a Coder version ('v2.34.3+4653f32', 'v2.35.0-rc.1', 'v0.0.0-devel+abc1234', '2.34')."""
    match = _match_version(text)
    return {
        'major': int(match.group('major')),
        'minor': int(match.group('minor') or 0),
        'patch': int(match.group('patch') or 0),
        'prerelease': match.group('prerelease') or '',
        'build': match.group('build') or '',
    }


def _precedence_key(version):
    core = (version['major'], version['minor'], version['patch'])
    if not version['prerelease']:
        # A release sorts after all of its prereleases.
        return core + ((1,),)
    identifiers = []
    for identifier in version['prerelease'].split('.'):
        # SemVer: numeric identifiers compare numerically and sort before alphanumeric ones.
        identifiers.append((0, int(identifier), '') if identifier.isdigit() else (1, 0, identifier))
    return core + ((0, identifiers),)


def compare_versions(left, right):
    """-1, 0 or 1 by SemVer precedence; build metadata is ignored, 'devel' builds count as prereleases."""
    left_key = _precedence_key(parse_version(left))
    right_key = _precedence_key(parse_version(right))
    return (left_key > right_key) - (left_key < right_key)


def _below(parts):
    """The exclusive upper bound 'below MAJOR.MINOR.PATCH', prereleases included ('-0' sorts first)."""
    return '{0}.{1}.{2}-0'.format(*parts)


def _bump(parts, index):
    """The exclusive upper bound that increments parts[index] and zeroes what follows."""
    bumped = list(parts[:index + 1]) + [0] * (2 - index)
    bumped[index] += 1
    return _below(bumped)


def _range_check(lower, upper, inside):
    def check(version):
        within = compare_versions(version, lower) >= 0 and compare_versions(version, upper) < 0
        return within == inside
    return check


def _comparison_check(operator, operand):
    compare = _COMPARISONS[operator]
    return lambda version: compare(compare_versions(version, operand))


# A gap between the end of one clause and the start of the next: ">=2.30 <3" meant ">=2.30,<3".
_CLAUSE_GAP = re.compile(r'(?<=[0-9A-Za-z*])\s+(?=[<>=!~^0-9])')


def _clause_checks(clause, constraint):
    """One constraint clause as a list of predicates on a version string that must all hold."""
    operator = next((op for op in _OPERATORS if clause.startswith(op)), '')
    operand = clause[len(operator):].strip()
    wildcard = _WILDCARD.fullmatch(operand)
    if wildcard:
        if operator not in ('', '=', '==', '!='):
            raise InputError('invalid version constraint {0!r}: a wildcard only works with ==, != or alone'.format(
                constraint))
        major, minor = wildcard.group(1), wildcard.group(2)
        if major is None:
            return [] if operator != '!=' else [lambda version: False]
        parts = (int(major), int(minor or 0), 0)
        upper = _bump(parts, 1 if minor is not None else 0)
        return [_range_check('{0}.{1}.{2}'.format(*parts), upper, inside=operator != '!=')]
    try:
        match = _match_version(operand)
    except ValueError:
        hint = ''
        if re.search(r'\s', operand):
            hint = "; separate clauses with commas: {0!r}".format(_CLAUSE_GAP.sub(',', constraint.strip()))
        raise InputError('invalid version constraint {0!r}: {1!r} is not a version{2}'.format(constraint, operand, hint))
    given = [int(match.group(name)) for name in ('major', 'minor', 'patch') if match.group(name) is not None]
    parts = tuple(given + [0] * (3 - len(given)))
    if operator == '~':
        # Tilde allows patch changes when a minor is given (~2.34 -> <2.35), else minor changes (~2 -> <3).
        return [_range_check(operand, _bump(parts, 1 if len(given) >= 2 else 0), inside=True)]
    if operator == '^':
        # Caret allows changes right of the first non-zero part: ^2.30 -> <3, ^0.5 -> <0.6.
        first_non_zero = next((index for index, part in enumerate(given) if part), len(given) - 1)
        return [_range_check(operand, _bump(parts, first_non_zero), inside=True)]
    if operator == '<' and not match.group('prerelease'):
        # '<3' means "before v3", so v3's release candidates do not satisfy it either.
        operand = _below(parts)
    return [_comparison_check(operator if operator not in ('', '=') else '==', operand)]


def version_satisfies(version, constraint):
    """True when `version` meets every comma-separated clause of `constraint` ('>=2.30,<3', '~2.34', '2.34.*').

    Clauses: ==, =, !=, >, >=, <, <=, ~ (tilde), ^ (caret), wildcards (2.34.*, alone or with
    == / !=) and a bare version (==). Missing minor/patch parts are 0. Versions compare by SemVer
    precedence (a prerelease sorts before its release); an upper bound such as '<3', '~2.34' or
    '2.34.*' also excludes the prereleases of the bound itself (v3.0.0-rc.1 is not '<3').
    """
    if not isinstance(constraint, str) or not constraint.strip():
        raise InputError('invalid version constraint {0!r}: expected e.g. ">=2.30,<3"'.format(constraint))
    checks = []
    for clause in constraint.split(','):
        if not clause.strip():
            raise InputError('invalid version constraint {0!r}: empty clause'.format(constraint))
        checks.extend(_clause_checks(clause.strip(), constraint))
    parse_version(version)
    return all(check(version) for check in checks)
