# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Mistakes a desired-state document is refused for before any request, one line each with its path,
and what the evaluation still catches where only the server's answer can tell."""

import copy
import datetime

import pytest
from coder_sim.examples import example as load

from ansible_collections.coder.coderd.plugins.module_utils import _desired, _drift
from ansible_collections.coder.coderd.plugins.module_utils._values import (
    normalize_ssh, normalize_stats, normalize_token_config,
)


def problems(document):
    with pytest.raises(_desired.DesiredStateError) as caught:
        _desired.DesiredState.from_document(document, 'desired_file prod.yml')
    return caught.value.problems


@pytest.mark.parametrize('document, expected', [
    ({'update_check': {'severity': 'low'}},
     ['update_check.severity: unknown key; severity belongs inside the check of one field, e.g. '
      'current: {eq: ..., severity: ...}; fields: current, url, version']),
    ({'ssh': {'hostname_prefx': 'coder.'}}, ["ssh.hostname_prefx: unknown key; did you mean 'hostname_prefix'?"]),
    ({'stats': {'workspace.failed': {'le': 5}}}, ["stats.workspace.failed: unknown key; did you mean 'workspaces.failed'?"]),
    ({'api_root': {'motd': 'x'}}, ['api_root.motd: unknown key; fields: message']),
    ({'build': {'versoin': '2'}}, ["build.versoin: unknown key; did you mean 'version'?"]),
    ({'token_config': {'max_token_lifetme': {'le': '7d'}}},
     ["token_config.max_token_lifetme: unknown key; did you mean 'max_token_lifetime'?"]),
])
def test_an_unknown_key_in_a_section_is_refused_with_a_suggestion(document, expected):
    assert problems(document) == expected


@pytest.mark.parametrize('document, expected', [
    ({'config': {'CODER_ACCESS_URL': {'equals': 'https://coder.example.com'}}},
     ["config.CODER_ACCESS_URL.equals: unknown operator; did you mean 'eq'?"]),
    ({'config': {'CODER_API_RATE_LIMIT': {'gte': 100}}}, ["config.CODER_API_RATE_LIMIT.gte: unknown operator; did you mean 'gt'?"]),
    ({'update_check': {'current': {'exactly': True}}},
     ['update_check.current.exactly: unknown operator; expected one of: eq, ne, in, not_in, lt, le, gt, ge, regex, '
      'contains, subset, superset, set, version']),
    ({'experiments': {'enabled': {'equal': []}}}, ["experiments.enabled.equal: unknown operator; did you mean 'eq'?"]),
    ({'token_config': {'max_token_lifetime': {}}},
     ['token_config.max_token_lifetime: an empty mapping; give a value or a check such as {eq: ...}']),
])
def test_a_mapping_of_unknown_operators_on_a_field_that_holds_no_mapping_is_refused(document, expected):
    assert problems(document) == expected


@pytest.mark.parametrize('value', ['postgres://coder@db/coder', {'eq': 'x'}, {'set': True, 'ne': ''}])
def test_a_secret_takes_only_set(value):
    assert problems({'config': {'CODER_PG_CONNECTION_URL': value}}) == [
        'config.CODER_PG_CONNECTION_URL: a secret the server never returns; only {set: true} or {set: false} can '
        'check it']


def test_several_mistakes_give_one_line_each_sorted_by_path():
    assert problems({
        'config': {'CODER_OIDC_CLIENT_SECRET': 'hunter2', 'CODER_ACCESS_URL': {'equals': 'x'},
                   'CODER_PG_CONNECTION_URL': {'set': True, 'severity': 'critical'}},
        'update_check': {'severity': 'low', 'current': True},
    }) == [
        "config.CODER_ACCESS_URL.equals: unknown operator; did you mean 'eq'?",
        'config.CODER_OIDC_CLIENT_SECRET: a secret the server never returns; only {set: true} or {set: false} can '
        'check it',
        'update_check.severity: unknown key; severity belongs inside the check of one field, e.g. '
        'current: {eq: ..., severity: ...}; fields: current, url, version',
    ]


@pytest.mark.parametrize('document', [
    {'ssh': {'ssh_config_options': {}}, 'stats': {'workspaces': {'pending': 0}}},  # mapping fields compare whole
    {'config': {'CODER_EXTERNAL_AUTH_CONFIG': [], 'oidc.group_mapping': {}}},  # struct settings too
    {'config': {'CODER_SOME_FUTURE_SETTING': {'x': 1}}},  # unknown to the catalog: the server decides
    {'build': {'version_info.major': {'ge': 2}}, 'token_config': {'user': 'member'}, 'version': '>=2'},
])
def test_what_may_be_right_passes_validation(document):
    _desired.validate_document(document)


def test_token_config_names_the_user_it_is_about():
    desired = _desired.DesiredState.from_document(
        {'token_config': {'user': 'member', 'max_token_lifetime': {'le': '876600h'}}})
    assert desired.token_config_user == 'member'
    assert [check.key for check in desired.checks] == ['token_config.max_token_lifetime']
    assert _desired.DesiredState.from_document({'version': '>=2'}).token_config_user == 'me'
    assert problems({'token_config': {'user': ''}}) == ['token_config.user: must not be empty']


# --- what only the server's answer can tell --------------------------------------------------------

@pytest.fixture
def facts():
    return copy.deepcopy(dict(
        ssh=normalize_ssh(load('deployment-ssh.json')),
        stats=normalize_stats(load('deployment-stats.json')),
        token_config=normalize_token_config(load('tokenconfig-owner.json')),
    ))


def only_record(document, facts):
    desired = _desired.DesiredState.from_document(document)
    result = _drift.evaluate(desired, facts, [], 'low', datetime.date(2026, 6, 1))
    assert len(result.records) == 1, result.records
    return result.records[0]


def test_an_unknown_path_below_a_mapping_field_is_an_error_record_with_suggestions(facts):
    record = only_record({'stats': {'workspaces.faild': 0}}, facts)
    assert record['status'] == 'error'
    assert record['description'] == "error: stats.workspaces has no 'faild'; did you mean: failed"


def test_a_misspelt_operator_below_a_mapping_field_is_an_error_record(facts):
    record = only_record({'stats': {'workspaces.failed': {'gte': 1}}}, facts)
    assert record['status'] == 'error'
    assert record['description'] == ('error: expected value is a mapping but the setting is not; '
                                     'did you mean the operator gt or ge?')
