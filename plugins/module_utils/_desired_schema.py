# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE to the coder.coderd collection: may change in any release without notice.
"""The JSON Schema of a desired-state document and of a waiver list.

Kept as Python data so that it ships inside the collection with the engine that uses it;
``tools/export_schema.py`` writes the same data to ``docs/desired-state.schema.json`` for editors
and other tools. ``x-message`` is our own keyword (validators ignore it): the one-line text the
drift engine shows when that subschema fails, where jsonschema's own wording would be obscure.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.coder.coderd.plugins.module_utils import _health
from ansible_collections.coder.coderd.plugins.module_utils._compare import OPERATORS
from ansible_collections.coder.coderd.plugins.module_utils._values import FACT_FIELDS

SEVERITIES = ('critical', 'high', 'medium', 'low', 'info')
FAIL_ON_CHOICES = SEVERITIES + ('never',)
DEFAULT_FAIL_ON = 'low'
CHECK_META_KEYS = ('severity', 'description', 'when')
# Sections that address a part of the `coder` facts by a dotted path; `config` takes any key form.
PATH_SECTIONS = ('api_root', 'build', 'ssh', 'stats', 'update_check', 'token_config')
# token_config names the user whose limit it checks (the default, "me", depends on the token).
TOKEN_CONFIG_USER = 'user'
# The sections of Coder's health report, and their severities mildest first.
HEALTH_SECTIONS = tuple(sorted(_health.SECTIONS))
HEALTH_LEVELS = _health.SEVERITIES

_DATE_PATTERN = r'^\d{4}-\d{2}-\d{2}$'
_NUMBER_OR_TEXT = {'type': ['number', 'string'], 'x-message': 'must be a number, a duration such as "168h" or a version'}

_OPERANDS = {
    'eq': {'description': 'Equal (the default when a plain value is given).'},
    'ne': {'description': 'Not equal.'},
    'in': {'type': 'array', 'description': 'One of these values; a list value: each of its items is.'},
    'not_in': {'type': 'array', 'description': 'None of these values; a list value: none of its items is.'},
    'lt': dict(_NUMBER_OR_TEXT, description='Less than (numbers, durations, versions).'),
    'le': dict(_NUMBER_OR_TEXT, description='Less than or equal.'),
    'gt': dict(_NUMBER_OR_TEXT, description='Greater than.'),
    'ge': dict(_NUMBER_OR_TEXT, description='Greater than or equal.'),
    'regex': {'type': 'string', 'description': (
        'Regular expression (Python syntax) searched in the value, in bounded time: no backreferences, '
        'lookarounds, atomic groups or possessive repeats; at most 1000 characters and 1000 steps once '
        'repeats are expanded; values of at most 4096 characters.')},
    'contains': {'description': 'Text contains this text, or a list contains this item, or a mapping this key.'},
    'subset': {'type': 'array', 'description': 'Every item of the value is in this list.'},
    'superset': {'type': 'array', 'description': 'Every item of this list is in the value.'},
    'set': {'type': 'boolean', 'description': 'The setting has a value (secrets: is configured; the only check a secret takes).'},
    'version': {'type': 'string', 'description': 'A version constraint such as ">=2.30,<3".'},
}
if set(_OPERANDS) != set(OPERATORS):  # pragma: no cover - guards the two lists against drifting apart
    raise ImportError('_desired_schema: operand schemas do not match _compare.OPERATORS')

_ANY_OPERATOR = [{'required': [operator]} for operator in OPERATORS]
_ANY_CHECK_KEY = [{'required': [key]} for key in OPERATORS + CHECK_META_KEYS]


def _path_section(section, description, **extra):
    """A section of dotted paths whose first part is a field of the section's facts.

    ``x-fields`` is our own keyword: the fields an unknown key's "did you mean" picks from.
    """
    fields = sorted(FACT_FIELDS[section])
    return dict({
        '$ref': '#/$defs/section',
        'description': description,
        'propertyNames': {'pattern': '^(%s)(\\.[^.]+)*$' % '|'.join(re.escape(name) for name in fields),
                          'x-fields': fields},
    }, **extra)


SCHEMA = {
    '$schema': 'https://json-schema.org/draft/2020-12/schema',
    '$id': 'urn:coder.coderd:desired-state',
    'title': 'coder.coderd desired state of a Coder deployment',
    'description': (
        'What a Coder deployment should look like, checked by coder.coderd.deployment_assert. '
        'Every key of a section is one check: a plain value means "equal to", a mapping with '
        'operator keys (eq, ne, in, not_in, lt, le, gt, ge, regex, contains, subset, superset, set, '
        'version) names the comparison, plus optional severity, description and when.'),
    'type': 'object',
    'additionalProperties': False,
    'properties': {
        'version': {
            'description': 'Constraint on the build version, e.g. ">=2.30,<3", or a check.',
            'anyOf': [{'type': 'string'}, {'$ref': '#/$defs/checkObject'}],
            'x-message': 'must be a version constraint such as ">=2.30,<3" or a check mapping',
        },
        'config': {'$ref': '#/$defs/section', 'description': 'Deployment settings, keyed in any form: '
                   'JSON path, env var, flag, YAML path or option name.'},
        'experiments': {
            'description': 'Exact list of enabled experiments, or include/exclude lists, or checks on '
                           'enabled, available and unknown.',
            'anyOf': [
                {'type': 'array', 'items': {'type': 'string'}},
                {'$ref': '#/$defs/experimentsObject'},
            ],
            'x-message': 'must be a list of experiment names or a mapping of include, exclude, enabled, '
                         'available, unknown',
        },
        'api_root': _path_section('api_root', 'Checks on GET /api/v2/ (message).'),
        'build': _path_section('build', 'Checks on the build info, by field name.'),
        'ssh': _path_section('ssh', 'Checks on the SSH configuration.'),
        'stats': _path_section('stats', 'Checks on deployment stats, dotted paths such as workspaces.failed.'),
        'update_check': _path_section('update_check', 'Checks on the update check (current, version, url).'),
        'token_config': _path_section('token_config', (
            'Checks on the token lifetime limit (max_token_lifetime compares as a duration) of the user named '
            'by user, else of the token\'s own user.'), properties={TOKEN_CONFIG_USER: {
                'type': 'string', 'minLength': 1,
                'description': 'The username or user ID whose limit is checked, so that the result does not '
                               'depend on whose token runs the check (owners get a shorter limit by default). '
                               'Default: the token\'s own user.'}}),
        'health': {
            'description': (
                'Checks on the health report Coder computes itself (GET /api/v2/debug/health, an owner\'s token): '
                'the severity every section may reach (severity, max_severity), per-section severities (sections) '
                'and health codes that must not appear (forbidden_codes). Each warning or error code found is a '
                'check of its own; a section dismissed in Coder counts as waived.'),
            'type': 'object',
            'properties': {
                'severity': dict({'$ref': '#/$defs/healthSeverity'}, description=(
                    'The severity each section may have, unless sections says otherwise: ok, warning or error '
                    '(equal), or {in: [...]}, {eq: ...}, {max_severity: ...}.')),
                'max_severity': {'$ref': '#/$defs/healthLevel', 'description': (
                    'The worst severity a section may have (ok < warning < error).')},
                'sections': {
                    'type': 'object',
                    'description': 'The severity a section may have, by section (overrides severity and max_severity).',
                    'properties': dict((name, {'$ref': '#/$defs/healthSeverity'}) for name in HEALTH_SECTIONS),
                    'additionalProperties': False,
                    'x-what': 'health section',
                },
                'forbidden_codes': {
                    'type': 'array',
                    'description': 'Health codes (such as EPD01 or EACS04) that make a drift wherever they appear.',
                    'items': {'type': 'string', 'pattern': '^E[A-Z0-9]+$',
                              'x-message': 'must be a health code such as EDB02 (E and capital letters or digits)'},
                },
            },
            'additionalProperties': False,
            'minProperties': 1,
            'x-message': 'must be a mapping of severity, max_severity, sections, forbidden_codes',
        },
    },
    '$defs': {
        'severity': {'enum': list(SEVERITIES)},
        'healthLevel': {'type': 'string', 'enum': list(HEALTH_LEVELS)},
        'healthSeverity': {
            'anyOf': [
                {'$ref': '#/$defs/healthLevel'},
                {
                    'type': 'object',
                    'properties': {
                        'eq': {'$ref': '#/$defs/healthLevel'},
                        'in': {'type': 'array', 'items': {'$ref': '#/$defs/healthLevel'}, 'minItems': 1},
                        'max_severity': {'$ref': '#/$defs/healthLevel'},
                    },
                    'additionalProperties': False,
                    'minProperties': 1,
                    'maxProperties': 1,
                    'x-message': 'needs exactly one of eq, in, max_severity',
                },
            ],
        },
        'section': {
            'type': 'object',
            'propertyNames': {'minLength': 1},
            'additionalProperties': {'$ref': '#/$defs/check'},
        },
        'check': {
            'description': 'A plain value (compared with eq) or a mapping with operator keys.',
            # A mapping counts as a check only when it uses check keys; any other mapping is a plain
            # value, so that struct settings can be compared as a whole.
            'if': {'type': 'object', 'anyOf': _ANY_CHECK_KEY},
            'then': {'$ref': '#/$defs/checkObject'},
        },
        'checkObject': {
            'type': 'object',
            'properties': dict(_OPERANDS, **{
                'severity': {'$ref': '#/$defs/severity'},
                'description': {'type': 'string'},
                'when': {'$ref': '#/$defs/when'},
            }),
            'additionalProperties': False,
            'anyOf': _ANY_OPERATOR,
            'x-message': 'needs at least one operator: ' + ', '.join(OPERATORS),
        },
        'when': {
            'description': 'The check applies only when this condition holds, e.g. '
                           '{key: oidc.issuer_url, operator: ne, value: ""}.',
            'type': 'object',
            'properties': {
                'key': {'type': 'string', 'minLength': 1},
                'operator': {'enum': list(OPERATORS)},
                'value': {},
            },
            'required': ['key', 'value'],
            'additionalProperties': False,
        },
        'experimentsObject': {
            'type': 'object',
            'properties': {
                'include': {'type': 'array', 'items': {'type': 'string'},
                            'description': 'These experiments must be enabled.'},
                'exclude': {'type': 'array', 'items': {'type': 'string'},
                            'description': 'None of these experiments may be enabled.'},
                'enabled': {'$ref': '#/$defs/check'},
                'available': {'$ref': '#/$defs/check'},
                'unknown': {'$ref': '#/$defs/check'},
            },
            'additionalProperties': False,
        },
        'waivers': {
            'type': 'array',
            'items': {
                'type': 'object',
                'properties': {
                    'key': {'type': 'string', 'minLength': 1},
                    'reason': {'type': 'string', 'minLength': 1},
                    'expires': {'type': 'string', 'pattern': _DATE_PATTERN,
                                'x-message': 'must be a date written YYYY-MM-DD'},
                },
                'required': ['key', 'reason', 'expires'],
                'additionalProperties': False,
            },
        },
    },
}

WAIVERS_SCHEMA = {
    '$schema': SCHEMA['$schema'],
    '$ref': '#/$defs/waivers',
    '$defs': SCHEMA['$defs'],
}
