# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The desired-state section ``health`` (plugins/module_utils/_desired.py compiles it, _drift.py evaluates it)
against the health facts of the real wire bodies: one record per code, dismissed sections waived."""

import copy
import datetime
from xml.etree import ElementTree

import pytest
from coder_sim.examples import example as load

from ansible_collections.coder.coderd.plugins.module_utils import _desired, _drift, _reports
from ansible_collections.coder.coderd.plugins.module_utils._health import normalize_health

TODAY = datetime.date(2026, 6, 1)
DOCS = 'https://coder.com/docs/admin/monitoring/health-check#'


def facts(name):
    return {'url': 'https://coder.example.com', 'health': normalize_health(load(name))}


def run(document, facts, waivers=None, fail_on='low', baseline=None):
    desired = _desired.DesiredState.from_document(document, 'test document', baseline)
    return _drift.evaluate(desired, facts, _desired.parse_waivers(waivers), fail_on, TODAY)


def outcomes(result):
    return [(record['key'], record['status']) for record in result.records]


def problems(document):
    with pytest.raises(_desired.DesiredStateError) as caught:
        _desired.DesiredState.from_document(document, 'desired_file prod.yml')
    return caught.value.problems


def test_every_warning_code_is_a_record_of_its_own_with_its_docs_link():
    result = run({'health': {'severity': 'ok'}}, facts('health-warnings.json'))
    assert outcomes(result) == [
        ('health.access_url', 'pass'), ('health.database.EDB02', 'drift'), ('health.derp.EDERP01', 'drift'),
        ('health.provisioner_daemons.EPD02', 'drift'), ('health.websocket', 'pass'), ('health.workspace_proxy', 'pass')]
    database = result.records[1]
    assert database == dict(
        key='health.database.EDB02', resolved_as='health.database.EDB02', operator='eq', expected='ok',
        actual='warning', severity='medium', status='drift', source='desired', docs_url=DOCS + 'edb02',
        description='EDB02: median database ping above threshold; see ' + DOCS + 'edb02')
    assert (result.passed, result.outcome) == (False, 'drifted')
    assert result.plan('https://coder.example.com')[0] == \
        "[medium] health.database.EDB02: expected eq 'ok', actual 'warning'"


def test_a_code_repeated_per_daemon_is_one_record_that_says_how_often():
    health = facts('health-warnings.json')
    daemons = health['health']['sections']['provisioner_daemons']
    daemons['warnings'] = daemons['warnings'] * 3
    record = run({'health': {'severity': 'ok'}}, health).records[3]
    assert record['key'] == 'health.provisioner_daemons.EPD02'
    assert record['description'].startswith('EPD02: Some provisioner daemons report mismatched versions. (3 times); see ')


@pytest.mark.parametrize('health, drifted', [
    ({'severity': {'in': ['ok', 'warning']}}, []),
    ({'max_severity': 'warning'}, []),
    ({'severity': {'max_severity': 'warning'}}, []),
    ({'severity': {'eq': 'warning'}}, ['health.access_url', 'health.websocket', 'health.workspace_proxy']),
    # Both given: both hold.
    ({'severity': {'in': ['ok', 'warning']}, 'max_severity': 'ok'},
     ['health.database.EDB02', 'health.derp.EDERP01', 'health.provisioner_daemons.EPD02']),
    # A section's own rule replaces the overall one; sections without a rule are not checked.
    ({'severity': 'ok', 'sections': {'database': {'max_severity': 'warning'}, 'derp': 'warning'}},
     ['health.provisioner_daemons.EPD02']),
    ({'sections': {'database': 'ok'}}, ['health.database.EDB02']),
])
def test_severity_rules(health, drifted):
    result = run({'health': health}, facts('health-warnings.json'))
    assert [key for key, status in outcomes(result) if status == 'drift'] == drifted


def test_only_sections_with_a_rule_make_records():
    assert outcomes(run({'health': {'sections': {'database': 'ok'}}}, facts('health-warnings.json'))) == [
        ('health.database.EDB02', 'drift')]


def test_a_forbidden_code_drifts_wherever_it_appears_even_where_the_severity_is_allowed():
    result = run({'health': {'max_severity': 'error', 'forbidden_codes': ['EPD01', 'EACS04']}},
                 facts('health-error.json'))
    daemons = [record for record in result.records if record['key'] == 'health.provisioner_daemons.EPD01'][0]
    assert (daemons['status'], daemons['operator'], daemons['expected'], daemons['actual'], daemons['severity']) == (
        'drift', 'not_in', ['EPD01', 'EACS04'], 'EPD01', 'high')
    assert [key for key, status in outcomes(result) if status == 'drift'] == ['health.provisioner_daemons.EPD01']


def test_forbidden_codes_alone_check_only_where_they_appear():
    assert outcomes(run({'health': {'forbidden_codes': ['EDB02', 'EACS04']}}, facts('health-warnings.json'))) == [
        ('health.database.EDB02', 'drift')]
    assert outcomes(run({'health': {'forbidden_codes': ['EACS04']}}, facts('health-healthy.json'))) == []


def test_a_coded_error_is_its_record_and_an_uncoded_section_error_its_section_record():
    result = run({'health': {'severity': 'ok'}}, facts('health-error.json'))
    by_key = dict((record['key'], record) for record in result.records)
    assert sorted(by_key) == ['health.access_url.EACS03', 'health.database', 'health.derp',
                              'health.provisioner_daemons.EPD01', 'health.websocket.EWS01', 'health.workspace_proxy']
    access = by_key['health.access_url.EACS03']
    assert (access['status'], access['severity'], access['actual']) == ('drift', 'high', 'error')
    assert access['description'].startswith('EACS03: get healthz endpoint: Get "https://coder.example.com/healthz"')
    assert access['description'].endswith('; see ' + DOCS + 'eacs03')
    # DERP is an error without any code (a node could not connect): the section's own record says so.
    assert (by_key['health.derp']['status'], by_key['health.derp']['actual']) == ('drift', 'error')
    assert 'docs_url' not in by_key['health.derp']


def test_a_section_dismissed_in_coder_is_waived_as_the_dashboard_shows_it():
    result = run({'health': {'severity': 'ok'}}, facts('health-dismissed.json'))
    by_key = dict((record['key'], record) for record in result.records)
    derp = by_key['health.derp.EDERP01']
    assert derp['status'] == 'waived'
    assert derp['waiver'] == dict(key='health.derp.EDERP01', reason='dismissed in Coder', expires=None, expired=False)
    assert derp['description'].endswith('(dismissed in Coder)')
    # Coder stores ProvisionerDaemons in the settings but never marks the section dismissed.
    assert by_key['health.provisioner_daemons.EPD01']['status'] == 'drift'
    assert result.summary['waived'] == 1 and result.outcome == 'drifted'


def test_a_dismissed_section_that_passes_stays_passed():
    health = facts('health-healthy.json')
    health['health']['sections']['database']['dismissed'] = True
    record = [record for record in run({'health': {'severity': 'ok'}}, health).records
              if record['key'] == 'health.database'][0]
    assert (record['status'], record['description']) == ('pass', 'dismissed in Coder')


def test_fail_on_high_stops_the_run_on_health_errors_only():
    assert run({'health': {'severity': 'ok'}}, facts('health-warnings.json'), fail_on='high').passed
    assert not run({'health': {'severity': 'ok'}}, facts('health-error.json'), fail_on='high').passed


def test_a_user_waiver_names_a_code_record_by_its_key():
    result = run({'health': {'severity': 'ok'}}, facts('health-warnings.json'),
                 waivers=[dict(key='health.database.EDB02', reason='slow disk, new one ordered', expires='2026-07-01')])
    assert dict(outcomes(result))['health.database.EDB02'] == 'waived'
    assert result.warnings == []


def test_what_a_newer_server_sends_is_kept_and_reported():
    health = facts('health-warnings.json')
    sections = health['health']['sections']
    sections['telemetry'] = dict(copy.deepcopy(sections['database']), warnings=[{'code': 'ETEL01', 'message': 'new'}])
    sections['websocket']['severity'] = 'critical'
    by_key = dict((record['key'], record) for record in run({'health': {'severity': 'ok'}}, health).records)
    assert by_key['health.telemetry.ETEL01']['status'] == 'drift'
    assert by_key['health.telemetry.ETEL01']['docs_url'] == DOCS + 'etel01'
    assert by_key['health.websocket']['status'] == 'error'
    assert by_key['health.websocket']['description'] == \
        'error: the server reports the severity "critical", which is none of ok, warning, error'


def test_health_is_gathered_only_when_the_document_has_a_health_section():
    plain = _desired.DesiredState.from_document({'update_check': {'current': True}})
    assert 'health' not in _desired.required_subsets(plain)
    assert 'health' in _desired.required_subsets(_desired.DesiredState.from_document({'health': {'severity': 'ok'}}))
    for name in ('recommended', 'hardened'):
        # Baselines stay runnable with an auditor's token, which may not read the health report.
        assert 'health' not in _desired.required_subsets(_desired.DesiredState.from_document(None, baseline=name))


@pytest.mark.parametrize('health, expected', [
    ({'sections': {'dearp': 'ok'}}, ["health.sections.dearp: unknown health section; did you mean 'derp'? expected "
                                     "one of: access_url, database, derp, provisioner_daemons, websocket, "
                                     "workspace_proxy"]),
    ({'sections': {'coffee': 'ok'}}, ['health.sections.coffee: unknown health section; expected one of: access_url, '
                                      'database, derp, provisioner_daemons, websocket, workspace_proxy']),
    ({'severity': 'fine'}, ["health.severity: must be one of ok, warning, error, got 'fine'"]),
    ({'max_severity': 'critical'}, ["health.max_severity: must be one of ok, warning, error, got 'critical'"]),
    ({'severity': {'in': ['ok', 'warn']}}, ["health.severity.in[1]: must be one of ok, warning, error, got 'warn'"]),
    ({'sections': {'derp': {'le': 'warning'}}}, ["health.sections.derp.le: unknown key; expected one of: eq, in, "
                                                 "max_severity"]),
    ({'severity': {'eq': 'ok', 'in': ['ok']}}, ['health.severity: needs exactly one of eq, in, max_severity']),
    ({'forbidden_codes': ['edb02']}, ['health.forbidden_codes[0]: must be a health code such as EDB02 (E and capital '
                                      'letters or digits)']),
    ({'sevrity': 'ok'}, ["health.sevrity: unknown key; did you mean 'severity'?"]),
    ({}, ['health: must be a mapping of severity, max_severity, sections, forbidden_codes']),
])
def test_bad_health_sections_are_refused_in_one_line_naming_the_valid_names(health, expected):
    assert problems({'health': health}) == expected


def test_reports_show_the_health_records():
    result = run({'health': {'severity': 'ok'}}, facts('health-dismissed.json'))
    report = _reports.build_report('https://coder.example.com', result.records, result.summary, result.passed)
    root = ElementTree.fromstring(_reports.render_junit(report).encode('utf-8'))
    cases = dict((case.get('name'), case) for case in root.iter('testcase'))
    assert cases['health.derp.EDERP01'].get('classname') == 'coder.health'
    assert cases['health.derp.EDERP01'].find('skipped').get('message') == 'waived: dismissed in Coder'
    assert 'docs: %sederp01' % DOCS in cases['health.derp.EDERP01'].find('skipped').text
    assert cases['health.provisioner_daemons.EPD01'].find('failure').get('message') == \
        '[high] expected eq "ok", actual "error"'
    markdown = _reports.render_markdown(report)
    assert ('| \U0001f515 waived | medium | `health.derp.EDERP01` | eq | `ok` | `warning` | desired | waived: '
            'dismissed in Coder; EDERP01: Node uses WebSockets') in markdown
