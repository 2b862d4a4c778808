# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.coder.coderd.plugins.filter.drift import FilterModule, drift
from ansible_collections.coder.coderd.plugins.module_utils._compare import (
    OPERATORS, ComparisonError, compare, parse_spec,
)

FACTS = {
    'url': 'https://coder.example.com',
    'build': {'version': 'v2.34.3+4653f32', 'version_info': {'major': 2, 'minor': 34}},
    'config': {
        'access_url': 'https://Coder.Example.com:443/',
        'http_address': '0.0.0.0:3000',
        'disable_password_auth': False,
        'tls': {'min_version': 'tls12', 'enable': False},
        'session_lifetime': {'max_token_lifetime': 3155760000},
        'pg_connection_url': {'set': True},
        'oidc': {'client_secret': {'set': False}},
        'experiments': ['workspace-usage', 'oauth2'],
        'wildcard_access_url': '',
        'derp': {'server': {'stun_addresses': ['stun.l.google.com:19302']}},
        'rate_limit': {'api': 512},
    },
    'token_config': {'max_token_lifetime_seconds': 604800, 'max_token_lifetime': '168h0m0s'},
    'experiments': {'enabled': ['workspace-usage', 'oauth2'], 'available': [], 'unknown': []},
}


def check(key, spec):
    """The status of the one record ``{key: spec}`` gives."""
    records = drift(FACTS, {key: spec})
    assert len(records) == 1
    return records[0]['status']


def test_records_carry_key_expected_actual_operator_and_status():
    assert drift(FACTS, {'config.tls.min_version': {'in': ['tls12', 'tls13']}}) == [{
        'key': 'config.tls.min_version', 'expected': ['tls12', 'tls13'], 'actual': 'tls12',
        'operator': 'in', 'status': 'pass'}]


def test_every_check_gives_a_record_in_the_order_given():
    records = drift(FACTS, {'url': 'https://coder.example.com', 'config.rate_limit.api': {'ge': 100, 'le': 500},
                            'build.version_info.major': 2})
    assert [(r['key'], r['operator'], r['status']) for r in records] == [
        ('url', 'eq', 'pass'), ('config.rate_limit.api', 'ge', 'pass'), ('config.rate_limit.api', 'le', 'drift'),
        ('build.version_info.major', 'eq', 'pass')]


OPERATOR_CASES = [
    ('config.tls.min_version', 'tls12', 'pass'),
    ('config.tls.min_version', {'eq': 'tls13'}, 'drift'),
    ('config.disable_password_auth', False, 'pass'),
    ('config.disable_password_auth', 0, 'drift'),          # false is not the number 0
    ('config.rate_limit.api', 512.0, 'pass'),
    ('config.tls.min_version', {'ne': 'tls10'}, 'pass'),
    ('config.tls.min_version', {'ne': 'tls12'}, 'drift'),
    ('config.tls.min_version', {'in': ['tls12', 'tls13']}, 'pass'),
    ('config.tls.min_version', {'in': ['tls13']}, 'drift'),
    ('config.tls.min_version', {'not_in': ['tls10', 'tls11']}, 'pass'),
    ('config.tls.min_version', {'not_in': ['tls12']}, 'drift'),
    ('config.experiments', {'in': ['workspace-usage', 'oauth2', 'example']}, 'pass'),   # each item is in
    ('config.experiments', {'in': ['oauth2']}, 'drift'),
    ('experiments.unknown', {'in': ['x']}, 'pass'),                                  # no item is outside
    ('config.experiments', {'not_in': ['example', 'notifications']}, 'pass'),       # no item is in
    ('config.experiments', {'not_in': ['example', 'oauth2']}, 'drift'),
    ('config.rate_limit.api', {'lt': 513}, 'pass'),
    ('config.rate_limit.api', {'lt': 512}, 'drift'),
    ('config.rate_limit.api', {'le': 512}, 'pass'),
    ('config.rate_limit.api', {'gt': 512}, 'drift'),
    ('config.rate_limit.api', {'ge': 512}, 'pass'),
    ('config.tls.min_version', {'regex': '^tls1[23]$'}, 'pass'),
    ('config.tls.min_version', {'regex': '^ssl'}, 'drift'),
    ('config.disable_password_auth', {'regex': '^false$'}, 'pass'),
    ('config.rate_limit.api', {'regex': '^5'}, 'pass'),
    ('config.experiments', {'contains': 'oauth2'}, 'pass'),
    ('config.experiments', {'contains': 'example'}, 'drift'),
    ('config.access_url', {'contains': ':443'}, 'pass'),
    ('config.tls', {'contains': 'min_version'}, 'pass'),
    ('config.experiments', {'subset': ['workspace-usage', 'oauth2', 'example']}, 'pass'),
    ('config.experiments', {'subset': ['oauth2']}, 'drift'),
    ('config.experiments', {'superset': ['oauth2']}, 'pass'),
    ('config.experiments', {'superset': ['oauth2', 'example']}, 'drift'),
    ('config.experiments', ['workspace-usage', 'oauth2'], 'pass'),
    ('config.experiments', ['oauth2', 'workspace-usage'], 'drift'),  # eq keeps list order
    ('config.pg_connection_url', {'set': True}, 'pass'),
    ('config.oidc.client_secret', {'set': True}, 'drift'),
    ('config.oidc.client_secret', {'set': False}, 'pass'),
    ('config.wildcard_access_url', {'set': False}, 'pass'),
    ('config.access_url', {'set': True}, 'pass'),
    ('config.disable_password_auth', {'set': True}, 'pass'),      # false is a value
    ('build.version', {'version': '>=2.30,<3'}, 'pass'),
    ('build.version', {'version': '~2.35'}, 'drift'),
]


@pytest.mark.parametrize('key, spec, status', OPERATOR_CASES)
def test_operators(key, spec, status):
    assert check(key, spec) == status


def test_every_operator_is_covered_above():
    covered = set()
    for _key, spec, _status in OPERATOR_CASES:
        covered.update(operator for operator, _operand in parse_spec(spec))
    assert covered == set(OPERATORS)


@pytest.mark.parametrize('key, spec, status', [
    # a duration compares by its length, however it is spelled
    ('token_config.max_token_lifetime_seconds', '168h', 'pass'),
    ('token_config.max_token_lifetime_seconds', '7d', 'pass'),
    ('token_config.max_token_lifetime_seconds', {'le': '168h0m0s'}, 'pass'),
    ('token_config.max_token_lifetime_seconds', {'lt': '168h'}, 'drift'),
    ('token_config.max_token_lifetime_seconds', {'in': ['24h', '7d']}, 'pass'),
    ('token_config.max_token_lifetime', '168h', 'pass'),
    ('token_config.max_token_lifetime', 604800, 'pass'),
    ('token_config.max_token_lifetime', {'ge': '1d'}, 'pass'),
    ('token_config.max_token_lifetime', {'gt': 86400}, 'pass'),
    ('config.session_lifetime.max_token_lifetime', {'le': '720h'}, 'drift'),
    ('config.session_lifetime.max_token_lifetime', '876600h', 'pass'),
    # a URL compares normalized: scheme and host case, default port, a lone trailing slash
    ('config.access_url', 'https://coder.example.com', 'pass'),
    ('config.access_url', 'HTTPS://CODER.EXAMPLE.COM/', 'pass'),
    ('config.access_url', {'in': ['https://coder.example.com:443']}, 'pass'),
    ('config.access_url', 'https://coder.example.com/path', 'drift'),
    ('config.access_url', 'http://coder.example.com', 'drift'),
    # versions order by SemVer precedence, not as text
    ('build.version', {'ge': 'v2.9.0'}, 'pass'),
    ('build.version', {'lt': '2.100'}, 'pass'),
    ('build.version', {'gt': '2.34.3'}, 'drift'),       # build metadata does not count
])
def test_comparisons_are_unit_aware(key, spec, status):
    assert check(key, spec) == status


@pytest.mark.parametrize('spec, status', [
    ('x', 'drift'),
    ({'ne': 'x'}, 'pass'),
    ({'in': ['x']}, 'drift'),
    ({'lt': 5}, 'drift'),
    ({'regex': '.'}, 'drift'),
    ({'contains': 'x'}, 'drift'),
    ({'subset': ['x']}, 'pass'),         # nothing is a subset of anything
    ({'superset': ['x']}, 'drift'),
    ({'set': False}, 'pass'),
    ({'set': True}, 'drift'),
    ({'version': '>=2'}, 'drift'),
])
def test_an_absent_key_has_no_value(spec, status):
    records = drift(FACTS, {'config.no_such_setting': spec})
    assert records[0]['actual'] is None
    assert records[0]['status'] == status


def test_a_key_with_dots_of_its_own_wins_over_the_path():
    actual = {'tls.min_version': 'tls13', 'tls': {'min_version': 'tls12'}}
    assert drift(actual, {'tls.min_version': 'tls13'})[0]['status'] == 'pass'


def test_list_items_are_addressed_by_index():
    assert check('config.derp.server.stun_addresses.0', 'stun.l.google.com:19302') == 'pass'
    # Only ASCII digits are an index: int() would read full-width ones.
    assert check('config.derp.server.stun_addresses.\uff10', None) == 'pass'
    assert drift(FACTS, {'config.experiments.5': 'x'})[0]['actual'] is None


def test_a_mapping_without_operators_is_compared_whole():
    actual = {'ssh': {'ssh_config_options': {'ForwardAgent': 'yes'}}}
    assert drift(actual, {'ssh.ssh_config_options': {'ForwardAgent': 'yes'}})[0]['operator'] == 'eq'
    assert drift(actual, {'ssh.ssh_config_options': {'ForwardAgent': 'yes'}})[0]['status'] == 'pass'
    assert drift(actual, {'ssh.ssh_config_options': {}})[0]['status'] == 'drift'


@pytest.mark.parametrize('desired, message', [
    ({'config.tls.min_version': {'in': 'tls12'}}, "config.tls.min_version: in needs a list of values, got 'tls12'"),
    ({'config.experiments': {'subset': 'oauth2'}}, 'subset needs a list of values'),
    ({'config.tls.min_version': {'lt': 'tls13'}}, "cannot order 'tls12' against 'tls13'"),
    ({'config.rate_limit.api': {'le': [1]}}, 'le needs a number, a duration or a version'),
    ({'config.tls.min_version': {'regex': '(tls'}}, "regex '(tls' is not a valid regular expression"),
    ({'config.experiments': {'regex': 'oauth'}}, 'regex matches text, not a list; use contains for lists'),
    ({'config.pg_connection_url': {'set': 'yes'}}, "set needs true or false, got 'yes'"),
    ({'build.version': {'version': '>=two'}}, "'>=two'"),
    ({'config.no_such_setting': {'version': '>=two'}}, "'>=two'"),
    ({'config.tls.min_version': {'in': ['tls12'], 'severity': 'high'}},
     'mixes operators (in) with other keys (severity)'),
    ({'config.session_lifetime.max_token_lifetime': {'le': '7 days'}}, "cannot order 3155760000 against '7 days'"),
    ({'build.version': {'version': 2.3}}, 'version needs a constraint string'),
])
def test_impossible_checks_fail_with_one_line_naming_the_key(desired, message):
    with pytest.raises(AnsibleFilterError) as caught:
        drift(FACTS, desired)
    text = str(caught.value)
    assert text.startswith('coder.coderd.drift: %s: ' % next(iter(desired)))
    assert message in text
    assert '\n' not in text


def test_a_huge_value_in_an_error_is_cut():
    with pytest.raises(AnsibleFilterError) as caught:
        drift({'text': 'x' * 100000}, {'text': {'lt': 5}})
    assert 'coder.coderd.drift: text: ' in str(caught.value)
    assert len(str(caught.value)) < 1000


@pytest.mark.parametrize('desired', [['config.access_url'], 'config.access_url', None])
def test_desired_must_be_a_mapping(desired):
    with pytest.raises(AnsibleFilterError, match='the desired state must be a mapping'):
        drift(FACTS, desired)


def test_the_filter_is_registered():
    assert FilterModule().filters() == {'drift': drift}


# The drift engine calls the comparisons with the setting's type as ``kind``; the filter infers it.

@pytest.mark.parametrize('operator, actual, expected, kind, result', [
    ('eq', 604800, '7d', 'duration', True),
    ('le', 3155760000, '720h', 'duration', False),
    ('eq', 'https://a.example.com:443/', 'https://A.example.com', 'url', True),
    ('eq', '0.0.0.0:3000', {'host': '0.0.0.0', 'port': '3000'}, 'host:port', True),
    ('eq', 'v2.34.3+4653f32', '2.34.3', 'version', True),
    ('eq', 'v2.34.3+4653f32', '2.34.3', None, False),
    ('ge', '2.10', '2.9', 'version', True),
    ('eq', 'tls12', 'tls12', 'string', True),
])
def test_compare_with_a_known_unit(operator, actual, expected, kind, result):
    assert compare(operator, actual, expected, kind) is result


def test_compare_names_an_unknown_operator():
    with pytest.raises(ComparisonError, match=r"unknown operator 'eqq'; operators are: eq, ne, in"):
        compare('eqq', 1, 1)


def test_compare_turns_unit_errors_into_comparison_errors():
    with pytest.raises(ComparisonError, match=r"^eq: invalid Go duration 'soon'"):
        compare('eq', 604800, 'soon', 'duration')


@pytest.mark.parametrize('spec, checks', [
    ('tls12', [('eq', 'tls12')]),
    ({'le': '168h'}, [('le', '168h')]),
    ({'ge': 1, 'le': 5}, [('ge', 1), ('le', 5)]),
    ({'set': True}, [('set', True)]),
    ({'ForwardAgent': 'yes'}, [('eq', {'ForwardAgent': 'yes'})]),
    ({}, [('eq', {})]),
    (None, [('eq', None)]),
])
def test_parse_spec(spec, checks):
    assert parse_spec(spec) == checks
