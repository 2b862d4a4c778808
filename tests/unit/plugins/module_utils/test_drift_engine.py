# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The drift engine (plugins/module_utils/_desired.py compiles, _drift.py evaluates) against facts built
from the real wire bodies.

Named test_drift_engine.py, not test_drift.py: tests/unit/plugins/filter/test_drift.py exists and
pytest's default import mode refuses two test modules with one basename.
"""

import ast
import copy
import datetime
import json
from pathlib import Path

import pytest
from coder_sim.examples import example as load

from ansible_collections.coder.coderd.plugins.module_utils import _baselines, _desired, _drift, _reports
from ansible_collections.coder.coderd.plugins.module_utils._compare import OPERATORS
from ansible_collections.coder.coderd.plugins.module_utils._desired_schema import SCHEMA, SEVERITIES
from ansible_collections.coder.coderd.plugins.module_utils._config import DeploymentConfig
from ansible_collections.coder.coderd.plugins.module_utils._values import (
    normalize_api_root, normalize_build_info, normalize_experiments, normalize_ssh,
    normalize_stats, normalize_token_config, normalize_update_check,
)

REPO = Path(__file__).resolve().parents[4]
TODAY = datetime.date(2026, 6, 1)


@pytest.fixture(scope='module')
def model():
    return DeploymentConfig(load('deployment-config.json'))


@pytest.fixture(scope='module')
def base_facts(model):
    return dict(
        url='https://coder.example.com',
        api_root=normalize_api_root(load('root.json')),
        build=normalize_build_info(load('buildinfo.json')),
        config=model.config,
        ssh=normalize_ssh(load('deployment-ssh.json')),
        stats=normalize_stats(load('deployment-stats.json')),
        experiments=normalize_experiments(load('experiments.json'), load('experiments-available.json')),
        update_check=normalize_update_check(load('updatecheck.json')),
        token_config=normalize_token_config(load('tokenconfig-owner.json')),
    )


@pytest.fixture
def facts(base_facts):
    return copy.deepcopy(base_facts)


def run(document, facts, model=None, waivers=None, fail_on='low', baseline=None):
    desired = _desired.DesiredState.from_document(document, 'test document', baseline)
    return _drift.evaluate(desired, facts, _desired.parse_waivers(waivers), fail_on, TODAY, model)


def only_record(document, facts, model=None):
    result = run(document, facts, model)
    assert len(result.records) == 1, result.records
    return result.records[0]


# --- operators and units ---------------------------------------------------------------------------

OPERATOR_CASES = [
    # (operator, document, status): every operator once passing and once drifting, on real values.
    ('eq', {'config': {'CODER_ACCESS_URL': 'https://coder.example.com'}}, 'pass'),
    ('eq', {'config': {'CODER_ACCESS_URL': {'eq': 'https://other.example.com'}}}, 'drift'),
    ('ne', {'config': {'CODER_PG_AUTH': {'ne': 'awsiamrds'}}}, 'pass'),
    ('ne', {'config': {'CODER_PG_AUTH': {'ne': 'password'}}}, 'drift'),
    ('in', {'config': {'tls.min_version': {'in': ['tls12', 'tls13']}}}, 'pass'),
    ('in', {'config': {'tls.min_version': {'in': ['tls13']}}}, 'drift'),
    ('not_in', {'config': {'tls.min_version': {'not_in': ['tls10', 'tls11']}}}, 'pass'),
    ('not_in', {'config': {'tls.min_version': {'not_in': ['tls12']}}}, 'drift'),
    ('lt', {'config': {'CODER_PROVISIONER_DAEMONS': {'lt': 4}}}, 'pass'),
    ('lt', {'config': {'CODER_PROVISIONER_DAEMONS': {'lt': 3}}}, 'drift'),
    ('le', {'config': {'CODER_PROVISIONER_DAEMONS': {'le': 3}}}, 'pass'),
    ('le', {'config': {'CODER_PROVISIONER_DAEMONS': {'le': 2}}}, 'drift'),
    ('gt', {'config': {'CODER_API_RATE_LIMIT': {'gt': 511}}}, 'pass'),
    ('gt', {'config': {'CODER_API_RATE_LIMIT': {'gt': 512}}}, 'drift'),
    ('ge', {'config': {'CODER_API_RATE_LIMIT': {'ge': 512}}}, 'pass'),
    ('ge', {'config': {'CODER_API_RATE_LIMIT': {'ge': 513}}}, 'drift'),
    ('regex', {'config': {'CODER_WILDCARD_ACCESS_URL': {'regex': r'^\*\.coder\.example\.com$'}}}, 'pass'),
    ('regex', {'config': {'CODER_WILDCARD_ACCESS_URL': {'regex': '^apps\\.'}}}, 'drift'),
    ('contains', {'config': {'CODER_OIDC_ISSUER_URL': {'contains': 'idp.example.com'}}}, 'pass'),
    ('contains', {'config': {'CODER_OIDC_ISSUER_URL': {'contains': 'login.example.com'}}}, 'drift'),
    ('subset', {'config': {'CODER_EXPERIMENTS': {'subset': ['example']}}}, 'pass'),
    ('subset', {'config': {'CODER_SSH_CONFIG_OPTIONS': {'subset': []}}}, 'pass'),
    ('subset', {'config': {'CODER_TLS_CLIENT_AUTH': {'subset': ['request']}}}, 'drift'),
    ('superset', {'experiments': {'enabled': {'superset': []}}}, 'pass'),
    ('superset', {'experiments': {'enabled': {'superset': ['oauth2']}}}, 'drift'),
    ('set', {'config': {'CODER_PG_CONNECTION_URL': {'set': True}}}, 'pass'),
    ('set', {'config': {'CODER_PG_CONNECTION_URL': {'set': False}}}, 'drift'),
    ('version', {'version': '>=2.30,<3'}, 'pass'),
    ('version', {'version': '~2.33'}, 'drift'),
]


@pytest.mark.parametrize('operator, document, status', OPERATOR_CASES)
def test_every_operator_passes_and_drifts_on_real_values(operator, document, status, facts):
    record = only_record(document, facts)
    assert (record['operator'], record['status']) == (operator, status)


def test_every_operator_is_covered_both_ways():
    covered = {}
    for operator, _document, status in OPERATOR_CASES:
        covered.setdefault(operator, set()).add(status)
    assert set(covered) == set(OPERATORS)
    assert all(statuses == {'pass', 'drift'} for statuses in covered.values()), covered


@pytest.mark.parametrize('spelling', ['720h', '30d', '2592000', 2592000, '43200m'])
def test_durations_compare_by_length_whatever_the_spelling(spelling, facts):
    facts['config']['session_lifetime']['max_token_lifetime'] = 2592000
    record = only_record({'config': {'CODER_MAX_TOKEN_LIFETIME': spelling}}, facts)
    assert record['status'] == 'pass'
    assert record['actual'] == '720h0m0s'  # shown the way the desired side is written


def test_duration_bounds_and_token_config_lifetime(facts):
    result = run({'config': {'max-token-lifetime': {'le': '90d'}, 'max-admin-token-lifetime': {'le': '7d'}},
                  'token_config': {'max_token_lifetime': {'lt': '169h'}}}, facts)
    assert [record['status'] for record in result.records] == ['drift', 'pass', 'pass']
    assert result.records[0]['actual'] == '876600h0m0s'
    assert result.records[2]['actual'] == '168h0m0s'


def test_urls_compare_normalized(facts):
    result = run({'config': {'CODER_ACCESS_URL': 'HTTPS://Coder.Example.com:443/'},
                  'build': {'dashboard_url': 'https://coder.example.com/'}}, facts)
    assert [record['status'] for record in result.records] == ['pass', 'pass']


def test_host_port_and_enum_values(facts):
    result = run({'config': {'CODER_PROMETHEUS_ADDRESS': '0.0.0.0:2112', 'CODER_PG_AUTH': 'password'}}, facts)
    assert [record['status'] for record in result.records] == ['pass', 'pass']


def test_versions_order_by_semver_not_by_text(facts):
    result = run({'build': {'version': {'ge': 'v2.9.0'}}, 'update_check': {'version': {'lt': '2.34.10'}},
                  'version': {'eq': 'v2.34.3'}}, facts)
    assert [record['status'] for record in result.records] == ['pass', 'pass', 'pass']
    assert result.records[0]['resolved_as'] == 'build.version'


@pytest.mark.parametrize('key', ['CODER_MAX_TOKEN_LIFETIME', 'max-token-lifetime', '--max-token-lifetime',
                                 'networking.http.maxTokenLifetime', 'session_lifetime.max_token_lifetime',
                                 'Max Token Lifetime'])
def test_every_key_form_resolves_to_the_same_setting(key, facts, model):
    for config_model in (model, None):
        record = only_record({'config': {key: {'ge': '876600h'}}}, facts, config_model)
        assert (record['key'], record['resolved_as'], record['status']) == (
            key, 'config.session_lifetime.max_token_lifetime', 'pass')


def test_facts_and_a_fetched_config_give_the_same_records(facts, model):
    document = {'config': {'CODER_ACCESS_URL': 'https://coder.example.com', 'pg_connection_url': {'set': True},
                           'CODER_HTTP_ADDRESS': {'regex': ':3000$'}, 'experiments': []}}
    assert run(document, facts, model).records == run(document, facts, None).records


def test_unknown_setting_is_an_error_record_with_suggestions(facts):
    record = only_record({'config': {'CODER_ACESS_URL': 'https://coder.example.com'}}, facts)
    assert record['status'] == 'error'
    assert record['resolved_as'] is None
    assert 'CODER_ACCESS_URL' in record['description']


def test_nested_fact_paths_reach_into_stats(facts):
    result = run({'stats': {'workspaces.connection_latency_ms.p50': {'lt': 1000}, 'session_count.ssh': {'ge': 0}}},
                 facts)
    assert [record['status'] for record in result.records] == ['pass', 'pass']


def test_a_mapping_compares_as_a_whole_with_a_mapping_setting(facts):
    assert only_record({'ssh': {'ssh_config_options': {}}}, facts)['status'] == 'pass'


def test_several_operators_on_one_key_make_one_record_each(facts):
    result = run({'config': {'CODER_API_RATE_LIMIT': {'ge': 100, 'le': 1000, 'severity': 'high'}}}, facts)
    assert [(record['operator'], record['status'], record['severity']) for record in result.records] == [
        ('ge', 'pass', 'high'), ('le', 'pass', 'high')]


def test_experiments_exact_list_ignores_order(facts):
    facts['experiments']['enabled'] = ['oauth2', 'workspace-usage']
    assert [record['status'] for record in run({'experiments': ['workspace-usage', 'oauth2']}, facts).records] == [
        'pass', 'pass']
    assert 'drift' in [record['status'] for record in run({'experiments': ['oauth2']}, facts).records]


def test_experiments_exclude_drifts_when_an_excluded_one_is_enabled(facts):
    assert only_record({'experiments': {'exclude': ['oauth2']}}, facts)['status'] == 'pass'
    facts['experiments']['enabled'] = ['oauth2', 'example']
    record = only_record({'experiments': {'exclude': ['oauth2']}}, facts)
    assert (record['key'], record['resolved_as'], record['operator'], record['status']) == (
        'experiments.exclude', 'experiments.enabled', 'not_in', 'drift')


# --- conditions, severities, fail_on -------------------------------------------------------------

def test_when_skips_a_check_that_does_not_apply(facts):
    document = {'config': {'CODER_TLS_MIN_VERSION': {'eq': 'tls13', 'when': {'key': 'CODER_TLS_ENABLE', 'value': True},
                                                     'description': 'modern TLS'}}}
    record = only_record(document, facts)
    assert record['status'] == 'pass'
    assert record['description'] == 'modern TLS (not applicable: CODER_TLS_ENABLE eq true does not hold)'
    facts['config']['tls']['enable'] = True
    assert only_record(document, facts)['status'] == 'drift'


def test_when_may_name_another_section(facts):
    document = {'config': {'CODER_UPDATE_CHECK': {'eq': False, 'when': {'key': 'build.workspace_proxy', 'value': True}}}}
    assert only_record(document, facts)['status'] == 'pass'
    assert _desired.required_subsets(_desired.DesiredState.from_document(document)) == ['build', 'config']


def test_default_severity_is_medium_and_fail_on_compares_ranks(facts):
    document = {'config': {'CODER_API_RATE_LIMIT': 1, 'CODER_PROVISIONER_DAEMONS': {'eq': 1, 'severity': 'info'}}}
    result = run(document, facts)
    assert [record['severity'] for record in result.records] == ['medium', 'info']
    assert not result.passed and [record['key'] for record in result.failing] == ['CODER_API_RATE_LIMIT']
    assert run(document, facts, fail_on='high').passed
    assert not run(document, facts, fail_on='info').passed
    assert run(document, facts, fail_on='never').passed


def test_an_error_fails_whatever_fail_on_says(facts):
    assert not run({'config': {'NO_SUCH_SETTING': 1}}, facts, fail_on='never').passed


def test_summary_counts_and_message_list_every_failing_key(facts):
    result = run({'config': {'CODER_API_RATE_LIMIT': 1, 'CODER_PROVISIONER_DAEMONS': 2, 'CODER_PG_AUTH': 'password',
                             'NO_SUCH_SETTING': 1}}, facts)
    summary = result.summary
    assert (summary['total'], summary['pass'], summary['drift'], summary['waived'], summary['error'],
            summary['failing']) == (4, 1, 2, 0, 1, 3)
    assert summary['drift_by_severity'] == {'critical': 0, 'high': 0, 'medium': 2, 'low': 0, 'info': 0}
    assert result.message('https://coder.example.com') == (
        'drift check failed on https://coder.example.com (4 checks: 1 passed, 2 drifted, 0 waived, 1 error; '
        'fail_on: low)')
    assert result.outcome == 'error'
    assert result.plan('https://coder.example.com')[:-1] == [
        "error NO_SUCH_SETTING: error: unknown deployment setting 'NO_SUCH_SETTING'; use a JSON path, env var, flag, "
        "YAML path or option name of the deployment config",
        '[medium] CODER_API_RATE_LIMIT: expected eq 1, actual 512',
        '[medium] CODER_PROVISIONER_DAEMONS: expected eq 2, actual 3']


def test_a_passing_check_warns_of_each_drift_below_fail_on_then_gives_the_verdict(facts):
    result = run({'config': {'CODER_API_RATE_LIMIT': {'eq': 1, 'severity': 'info'}, 'CODER_PG_AUTH': 'password'}},
                 facts)
    assert (result.passed, result.outcome, result.plan('X')) == (
        True, 'passed', ['drift check passed on X (2 checks: 1 passed, 1 drifted, 0 waived, 0 errors; fail_on: low)'])
    assert result.console_warnings('X') == [
        'not failing (fail_on: low): [info] CODER_API_RATE_LIMIT: expected eq 1, actual 512', result.message('X')]


@pytest.mark.parametrize('expires, notice', [
    ('2026-06-14', "waiver for 'CODER_API_RATE_LIMIT' expires in 13 days (2026-06-14): r"),
    ('2026-06-01', "waiver for 'CODER_API_RATE_LIMIT' expires today (2026-06-01): r"),
    ('2026-05-31', "waiver for 'CODER_API_RATE_LIMIT' expired on 2026-05-31: its drift counts again (r)"),
    ('2026-06-16', None),
])
def test_waivers_expired_or_expiring_within_the_warning_days_are_warned_about(facts, expires, notice):
    result = _drift.evaluate(_desired.DesiredState.from_document({'config': {'CODER_API_RATE_LIMIT': 1}}, 'd'), facts,
                             _desired.parse_waivers([{'key': 'CODER_API_RATE_LIMIT', 'reason': 'r', 'expires': expires}],
                                                    'w'),
                             'low', datetime.date(2026, 6, 1), waiver_warn_days=14)
    assert [line for line in result.console_warnings('X') if line.startswith('waiver')] == ([notice] if notice else [])


def test_records_have_exactly_the_documented_keys(facts):
    result = run({'config': {'CODER_API_RATE_LIMIT': {'eq': 1, 'description': 'why'}}}, facts,
                 waivers=[{'key': 'CODER_API_RATE_LIMIT', 'reason': 'r', 'expires': '2026-12-31'}])
    assert set(result.records[0]) == {'key', 'resolved_as', 'expected', 'actual', 'operator', 'severity', 'status',
                                      'source', 'description', 'waiver'}
    plain = run({'config': {'CODER_API_RATE_LIMIT': 512}}, facts).records[0]
    assert set(plain) == {'key', 'resolved_as', 'expected', 'actual', 'operator', 'severity', 'status', 'source'}


# --- waivers -------------------------------------------------------------------------------------

def test_an_active_waiver_waives_and_an_expired_one_says_so(facts):
    document = {'config': {'CODER_API_RATE_LIMIT': 1, 'CODER_PROVISIONER_DAEMONS': 2}}
    waivers = [{'key': 'rate_limit.api', 'reason': 'load test', 'expires': '2026-06-01'},
               {'key': 'CODER_PROVISIONER_DAEMONS', 'reason': 'old', 'expires': '2026-05-31'}]
    result = run(document, facts, waivers=waivers)
    active, expired = result.records
    assert active['status'] == 'waived'
    assert active['waiver'] == {'key': 'rate_limit.api', 'reason': 'load test', 'expires': '2026-06-01',
                                'expired': False}
    assert expired['status'] == 'drift'
    assert expired['waiver']['expired'] is True
    assert [record['key'] for record in result.failing] == ['CODER_PROVISIONER_DAEMONS']


def test_waivers_that_match_nothing_or_a_passing_check_warn(facts):
    result = run({'config': {'CODER_API_RATE_LIMIT': 512}}, facts,
                 waivers=[{'key': 'CODER_API_RATE_LIMIT', 'reason': 'r', 'expires': '2030-01-01'},
                          {'key': 'version', 'reason': 'r', 'expires': '2030-01-01'}])
    assert result.records[0]['status'] == 'pass' and 'waiver' not in result.records[0]
    assert result.warnings == ["waiver for 'CODER_API_RATE_LIMIT' is not needed: its check does not drift",
                               "waiver for 'version' matches no check"]


def test_waiver_keys_address_sections(facts):
    result = run({'version': '<2', 'token_config': {'max_token_lifetime': {'le': '1h'}}}, facts,
                 waivers=[{'key': 'version', 'reason': 'r', 'expires': '2030-01-01'},
                          {'key': 'token_config.max_token_lifetime', 'reason': 'r', 'expires': '2030-01-01'}])
    assert [record['status'] for record in result.records] == ['waived', 'waived']


def test_malformed_waivers_list_every_problem():
    with pytest.raises(_desired.DesiredStateError) as caught:
        _desired.parse_waivers([{'key': 'a', 'reason': 'r', 'expires': '2026-02-30'},
                                {'key': 'b', 'reason': '', 'expires': '31.12.2026'},
                                {'reason': 'r', 'expires': '2026-01-01', 'until': 'x'}], 'waivers_file w.yml')
    assert caught.value.problems == [
        "[0].expires: '2026-02-30' is not a date written YYYY-MM-DD",
        '[1].expires: must be a date written YYYY-MM-DD',
        '[1].reason: must not be empty',
        "[2]: missing required key 'key'",
        "[2].until: unknown key; expected one of: expires, key, reason",
    ]
    assert str(caught.value).splitlines()[0] == 'invalid waivers_file w.yml (5 problems):'


# --- the document schema -------------------------------------------------------------------------

def test_a_document_with_ten_mistakes_gives_ten_lines_with_paths():
    document = {
        'versoin': '>=2',
        'version': '>=2.x',
        'config': {
            'tls.min_version': {'in': 'tls12'},
            'CODER_API_RATE_LIMIT': {'ge': 1, 'severity': 'urgent'},
            'CODER_PG_AUTH': {'eqq': 'password', 'description': 'enum'},
            'CODER_ACCESS_URL': {'regex': '(unclosed'},
            'max-token-lifetime': {'le': 'a week'},
        },
        'experiments': {'include': 'oauth2'},
        'ssh': ['hostname_prefix'],
        'token_config': {'max_token_lifetime': {'le': True, 'when': {'key': 'x'}}},
    }
    with pytest.raises(_desired.DesiredStateError) as caught:
        _desired.validate_document(document, 'desired_file prod.yml')
    assert caught.value.problems == [
        "config.CODER_ACCESS_URL.regex: regex '(unclosed' is not a valid regular expression: "
        "missing ), unterminated subpattern at position 0",
        "config.CODER_API_RATE_LIMIT.severity: must be one of critical, high, medium, low, info, got 'urgent'",
        'config.CODER_PG_AUTH: needs at least one operator: eq, ne, in, not_in, lt, le, gt, ge, regex, contains, '
        'subset, superset, set, version',
        "config.CODER_PG_AUTH.eqq: unknown key; did you mean 'eq'?",
        "config.max-token-lifetime.le: 'a week' is neither a number, a duration such as \"168h\" nor a version",
        'config.tls.min_version.in: must be a list',
        'experiments.include: must be a list',
        'ssh: must be a mapping',
        'token_config.max_token_lifetime.le: must be a number, a duration such as "168h" or a version',
        "token_config.max_token_lifetime.when: missing required key 'value'",
        "version: invalid version constraint '>=2.x': a wildcard only works with ==, != or alone",
        "versoin: unknown key; did you mean 'version'?",
    ]
    text = str(caught.value)
    assert text.splitlines()[0] == 'invalid desired_file prod.yml (12 problems):'
    assert len(text.splitlines()) == 13


def test_the_document_must_be_a_mapping_and_must_check_something():
    with pytest.raises(_desired.DesiredStateError, match='must be a mapping of sections'):
        _desired.validate_document(['config'])
    with pytest.raises(_desired.DesiredStateError, match='nothing to check'):
        _desired.DesiredState.from_document({})


def test_missing_jsonschema_is_one_clear_line(monkeypatch):
    monkeypatch.setattr(_desired, 'JSONSCHEMA_IMPORT_ERROR', ImportError("No module named 'jsonschema'"))
    with pytest.raises(ValueError) as caught:
        _desired.validate_document({'version': '>=2'})
    assert str(caught.value).startswith('checking a desired state needs the Python library jsonschema')
    assert '\n' not in str(caught.value)


def test_the_exported_schema_file_is_current():
    with open(str(REPO / 'docs' / 'desired-state.schema.json'), encoding='utf-8') as handle:
        assert json.load(handle) == json.loads(json.dumps(SCHEMA)), 'run tools/export_schema.py'


@pytest.mark.parametrize('name', ['example.yml', 'demo.yml'])
def test_the_shipped_desired_states_are_valid(name):
    yaml = pytest.importorskip('yaml')
    with open(str(REPO / 'playbooks' / 'desired' / name), encoding='utf-8') as handle:
        _desired.validate_document(yaml.safe_load(handle), name)


# --- required subsets ----------------------------------------------------------------------------

@pytest.mark.parametrize('document, subsets', [
    ({'version': '>=2'}, ['build']),
    ({'config': {'CODER_ACCESS_URL': 'x'}}, ['config']),
    ({'experiments': []}, ['experiments']),
    ({'ssh': {'hostname_prefix': 'coder.'}, 'update_check': {'current': True}}, ['ssh', 'update_check']),
    ({'stats': {'workspaces.failed': 0}, 'token_config': {'max_token_lifetime': '168h'}, 'api_root': {'message': 'x'}},
     ['api_root', 'stats', 'token_config']),
])
def test_required_subsets_are_only_what_the_checks_read(document, subsets):
    assert _desired.required_subsets(_desired.DesiredState.from_document(document)) == subsets


# --- baselines -----------------------------------------------------------------------------------

@pytest.mark.parametrize('name', sorted(_baselines.BASELINES))
def test_baselines_are_valid_documents_with_severity_and_rationale(name):
    document = _baselines.baseline(name)
    _desired.validate_document(document, name)
    checks = _desired.DesiredState.from_document(None, baseline=name).baseline_checks
    assert len(checks) >= 10
    for check in checks:
        assert check.severity in SEVERITIES and check.description, check.key
        assert '\n' not in check.description and check.description.endswith('.')


def test_hardened_finds_these_drifts_in_the_example_deployment(facts, model):
    result = run(None, facts, model, baseline='hardened')
    drifts = sorted((record['key'], record['severity']) for record in result.drift)
    assert drifts == [('CODER_DISABLE_PASSWORD_AUTH', 'high'), ('CODER_DISABLE_PATH_APPS', 'medium'),
                      ('CODER_MAX_TOKEN_LIFETIME', 'high'), ('CODER_PROMETHEUS_ADDRESS', 'info'),
                      ('CODER_STRICT_TRANSPORT_SECURITY', 'medium')]
    assert result.summary['error'] == 0
    assert all(record['source'] == 'baseline:hardened' for record in result.records)
    recommended = run(None, facts, model, baseline='recommended')
    assert [record['key'] for record in recommended.drift] == ['CODER_MAX_TOKEN_LIFETIME']


def test_the_users_check_replaces_the_baselines_on_the_same_setting(facts, model):
    result = run({'config': {'max-token-lifetime': {'le': '1000000h'}}}, facts, model, baseline='hardened')
    lifetime = [record for record in result.records if record['resolved_as'] == 'config.session_lifetime.max_token_lifetime']
    assert [(record['source'], record['status']) for record in lifetime] == [('desired', 'pass')]


def test_a_baseline_setting_an_older_server_lacks_is_skipped_naming_the_release(facts):
    body = load('deployment-config.json')
    body['options'] = [option for option in body['options'] if option['flag'] != 'swagger-enable']
    result = run(None, facts, DeploymentConfig(body), baseline='hardened')
    swagger = [record for record in result.records if record['key'] == 'CODER_SWAGGER_ENABLE']
    assert [(record['status'], record['description']) for record in swagger] == [
        ('skipped', 'skipped: CODER_SWAGGER_ENABLE: not a setting of Coder %s' % facts['build']['version'])]
    assert (result.summary['error'], result.summary['skipped']) == (0, 1)
    assert result.message('D').endswith('0 errors, 1 skipped; fail_on: low)')


def test_facts_that_carry_the_options_list_resolve_through_it(facts):
    """Facts of deployment_info or the inventory with include_options: the server's own list maps the keys,
    as it does for a live check, not the shipped catalog."""
    body = load('deployment-config.json')
    body['options'] = [option for option in body['options'] if option['flag'] != 'swagger-enable']
    older = DeploymentConfig(body)
    facts.update(config=older.config, options=older.options)
    swagger = [record for record in run(None, facts, baseline='hardened').records
               if record['key'] == 'CODER_SWAGGER_ENABLE']
    assert [(record['status'], record['description']) for record in swagger] == [
        ('skipped', 'skipped: CODER_SWAGGER_ENABLE: not a setting of Coder %s' % facts['build']['version'])]


def test_hardened_tightens_recommended():
    assert _baselines.baseline('recommended')['config']['CODER_MAX_TOKEN_LIFETIME']['le'] == '90d'
    assert _baselines.baseline('hardened')['config']['CODER_MAX_TOKEN_LIFETIME']['le'] == '168h'
    with pytest.raises(ValueError, match='unknown baseline'):
        _baselines.baseline('paranoid')


# --- hostile documents ---------------------------------------------------------------------------

def laughs(levels, width=9):
    """The "billion laughs": each level a list of ``width`` references to the level below."""
    node = ['lol'] * width
    for _level in range(levels):
        node = [node] * width
    return node


def test_aliases_are_counted_expanded_and_refused_without_expanding_them():
    # 9**13 values once written out: only a check that never expands them can finish.
    document = {'config': {'CODER_ACCESS_URL': {'in': laughs(12)}}}
    with pytest.raises(ValueError) as caught:
        _desired.check_limits(document, 'desired_file laughs.yml')
    assert str(caught.value) == ('desired_file laughs.yml: refused: more than %d keys and values once YAML '
                                 'aliases are expanded' % _desired.MAX_NODES)


def test_a_document_that_contains_itself_is_refused():
    loop = []
    loop.append(loop)
    with pytest.raises(ValueError, match='^desired state: refused: it contains itself'):
        _desired.check_limits({'config': {'x': loop}}, 'desired state')


def test_nesting_and_text_are_bounded():
    deep = 'bottom'
    for _level in range(_desired.MAX_DEPTH):
        deep = [deep]
    with pytest.raises(ValueError, match='refused: nested more than %d levels deep' % _desired.MAX_DEPTH):
        _desired.check_limits({'config': {'x': deep}}, 'waivers')
    shared = 'x' * 4096
    with pytest.raises(ValueError, match='more than %d characters of text' % _desired.MAX_TEXT):
        _desired.check_limits({'config': {'x': [shared] * 300}}, 'desired state')


def test_big_but_legitimate_documents_pass_the_limits():
    document = {'config': dict(('CODER_SETTING_%05d' % index, 'x') for index in range(10000))}
    _desired.check_limits(document, 'desired state')
    deep = 'bottom'
    for _level in range(_desired.MAX_DEPTH - 1):
        deep = {'when': deep}
    _desired.check_limits(deep, 'desired state')
    _desired.check_limits(laughs(3), 'desired state')  # 9**4 values: aliases themselves are fine


def test_documents_and_waivers_are_measured_before_they_are_validated():
    with pytest.raises(ValueError, match='^desired_file x.yml: refused: more than'):
        _desired.DesiredState.from_document({'config': {'CODER_ACCESS_URL': {'in': laughs(6)}}}, 'desired_file x.yml')
    with pytest.raises(ValueError, match='^waivers: refused: more than'):
        _desired.parse_waivers([{'key': 'version', 'reason': laughs(6), 'expires': '2030-01-01'}])


# --- huge documents: linear time, capped messages --------------------------------------------------

def test_thousands_of_problems_list_twenty_then_count_the_rest():
    document = dict(('sektion_%04d' % index, {}) for index in range(3000))
    with pytest.raises(_desired.DesiredStateError) as caught:
        _desired.validate_document(document, 'desired_file huge.yml')
    assert len(caught.value.problems) == 3000
    lines = str(caught.value).splitlines()
    assert lines[0] == 'invalid desired_file huge.yml (3000 problems):'
    assert lines[1].startswith('  sektion_0000: unknown key; ')
    assert len(lines) == 1 + _reports.MAX_LISTED + 1 and lines[-1] == '  and 2980 more'


def test_a_long_problem_is_cut_in_the_message_but_whole_in_the_list():
    with pytest.raises(_desired.DesiredStateError) as caught:
        _desired.validate_document({'x' * 100000: 1})
    assert len(caught.value.problems[0]) > 100000
    assert len(str(caught.value)) < 2 * _reports.MAX_PROBLEM


def test_thousands_of_unknown_keys_are_all_recorded_and_twenty_listed(facts):
    document = {'config': dict(('CODER_NO_SUCH_SETTING_%05d' % index, 'x') for index in range(2000))}
    result = run(document, facts, baseline='hardened')
    errors = [record for record in result.records if record['status'] == 'error']
    assert len(errors) == 2000
    assert errors[-1]['description'].startswith("error: unknown deployment setting 'CODER_NO_SUCH_SETTING_01999'")
    plan = result.plan('https://coder.example.com')
    assert plan[-2] == 'and 1984 more (see the records or the reports)'  # and 4 failing drifts of the baseline
    assert sum(line.startswith('error ') for line in plan) == _reports.MAX_LISTED


def test_values_are_cut_in_the_message_but_whole_in_the_records(facts):
    urls = ['https://%05d.example.com' % index for index in range(1000)]
    result = run({'config': {'CODER_ACCESS_URL': {'in': urls}}}, facts)
    assert len(result.records[0]['expected']) == 1000
    line = result.plan('X')[0]
    assert len(line) <= _reports.MAX_LINE
    assert line.endswith("\u2026, actual 'https://coder.example.com'")


def test_thousands_of_waivers_take_linear_time_and_few_warnings(facts):
    waivers = [{'key': 'CODER_NO_SUCH_SETTING_%05d' % index, 'reason': 'r', 'expires': '2030-01-01'}
               for index in range(5000)]
    document = {'config': dict(('CODER_NO_SUCH_SETTING_%05d' % index, 'x') for index in range(5000))}
    result = run(document, facts, waivers=waivers)
    assert result.warnings[0] == "waiver for 'CODER_NO_SUCH_SETTING_00000' is not needed: its check does not drift"
    assert result.warnings[-1] == 'and 4980 more warnings about waivers'
    assert len(result.warnings) == _reports.MAX_LISTED + 1


# --- a pure evaluation -----------------------------------------------------------------------------

def test_evaluation_reads_only_what_it_is_given(facts):
    desired = _desired.DesiredState.from_document({'config': {'CODER_API_RATE_LIMIT': 1},
                                                   'ssh': {'hostname_prefix': 'coder.'}})
    waivers = _desired.parse_waivers([{'key': 'CODER_API_RATE_LIMIT', 'reason': 'r', 'expires': '2026-06-01'}])
    before = copy.deepcopy(facts)
    on_the_last_day = _drift.evaluate(desired, facts, waivers, 'low', datetime.datetime(2026, 6, 1, 23, 59))
    a_day_later = _drift.evaluate(desired, facts, waivers, 'low', datetime.date(2026, 6, 2))
    assert [record['status'] for record in on_the_last_day.records] == ['waived', 'pass']
    assert [record['status'] for record in a_day_later.records] == ['drift', 'pass']
    assert a_day_later.records[0]['waiver']['expired'] is True
    assert facts == before


def test_info_modules_do_not_carry_the_drift_engine():
    """Every module_utils file a module imports, directly or not, is shipped to managed hosts."""
    plugins = REPO / 'plugins'
    prefix = 'ansible_collections.coder.coderd.plugins.module_utils.'

    def imported(path):
        """The module_utils files that ``path`` imports."""
        for node in ast.walk(ast.parse(path.read_text(encoding='utf-8'))):
            if isinstance(node, ast.ImportFrom) and node.module:
                for name in [node.module] + ['%s.%s' % (node.module, alias.name) for alias in node.names]:
                    if name.startswith(prefix) and (plugins / 'module_utils' / (name[len(prefix):] + '.py')).is_file():
                        yield name[len(prefix):]

    engine = {'_drift', '_desired', '_desired_schema', '_baselines', '_reports', '_compare', '_regex'}
    for module in sorted((plugins / 'modules').glob('*.py')):
        if 'def main(' not in module.read_text(encoding='utf-8'):
            continue  # documentation only (deployment_assert, deployment_snapshot): never shipped to a host
        shipped, pending = set(), list(imported(module))
        while pending:
            name = pending.pop()
            if name not in shipped:
                shipped.add(name)
                pending.extend(imported(plugins / 'module_utils' / (name + '.py')))
        assert '_values' in shipped, module.stem  # the walk follows imports through _tasks and _api
        assert not shipped & engine, (module.stem, sorted(shipped & engine))


# --- documentation that must follow the code ------------------------------------------------------

def test_the_module_documents_exactly_its_argument_spec():
    yaml = pytest.importorskip('yaml')
    from ansible_collections.coder.coderd.plugins.action.deployment_assert import OPTIONS as spec
    from ansible_collections.coder.coderd.plugins.modules import deployment_assert
    documented = yaml.safe_load(deployment_assert.DOCUMENTATION)['options']
    assert set(documented) == set(spec)
    for name, option in spec.items():
        doc = documented[name]
        assert (doc['type'], doc.get('elements'), doc.get('default'), doc.get('choices')) == (
            option['type'], option.get('elements'), option.get('default'), option.get('choices')), name


def test_the_guide_lists_every_baseline_check():
    guide = (REPO / 'docs' / 'drift-checks.md').read_text(encoding='utf-8')
    for name in _baselines.BASELINES:
        for check in _desired.DesiredState.from_document(None, baseline=name).baseline_checks:
            assert '| `%s` ' % check.key in guide, check.key
