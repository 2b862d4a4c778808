# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Drift reports (plugins/module_utils/_reports.py): JUnit against the shipped XSD, Markdown, JSON, atomic writes."""

import datetime
import json
import os
from pathlib import Path
from xml.etree import ElementTree

import pytest
import xmlschema

from ansible_collections.coder.coderd.plugins.module_utils import _reports

XSD = Path(__file__).resolve().parents[2] / 'fixtures' / 'junit' / 'junit-10.xsd'
MOMENT = datetime.datetime(2026, 6, 1, 12, 30, tzinfo=datetime.timezone.utc)


def record(key, status, severity='medium', expected=1, actual=2, **extra):
    base = dict(key=key, resolved_as='config.' + key.lower(), expected=expected, actual=actual, operator='eq',
                severity=severity, status=status, source='desired')
    base.update(extra)
    return base


RECORDS = [
    record('CODER_PASSING', 'pass', 'low', expected='a|b', actual='a|b'),
    record('CODER_DRIFTED', 'drift', 'high', expected=['tls12', 'tls13'], actual='tls10', operator='in',
           description='Modern TLS <only> & "nothing" older.'),
    record('CODER_WAIVED', 'waived', 'critical',
           waiver=dict(key='CODER_WAIVED', reason='migration', expires='2026-12-31', expired=False)),
    dict(record('CODER_TYPO', 'error', expected='x', actual=None), resolved_as=None,
         description="error: unknown deployment setting 'CODER_TYPO'"),
    record('CODER_EXPIRED', 'drift', 'info', expected='`tick`', actual='',
           waiver=dict(key='CODER_EXPIRED', reason='old', expires='2026-01-31', expired=True)),
]
SUMMARY = dict(total=5, drift=2, waived=1, error=1, failing=2, fail_on='low',
               drift_by_severity=dict(critical=0, high=1, medium=0, low=0, info=1), **{'pass': 1})


@pytest.fixture
def report():
    return _reports.build_report('https://coder.example.com', RECORDS, SUMMARY, False, baseline='hardened',
                                 generated_at=MOMENT, context=dict(coder_version='v2.34.3', desired='inline'))


def test_junit_report_is_valid_for_the_junit_xsd(report):
    xmlschema.XMLSchema(str(XSD)).validate(_reports.render_junit(report))


def test_junit_has_one_testcase_per_check_with_its_outcome(report):
    root = ElementTree.fromstring(_reports.render_junit(report).encode('utf-8'))
    assert (root.tag, root.get('tests'), root.get('failures'), root.get('errors')) == ('testsuites', '5', '2', '1')
    suite = root.find('testsuite')
    assert (suite.get('name'), suite.get('skipped'), suite.get('timestamp')) == (
        'https://coder.example.com', '1', '2026-06-01T12:30:00Z')
    cases = suite.findall('testcase')
    assert [case.get('name') for case in cases] == [
        'CODER_PASSING', 'CODER_DRIFTED', 'CODER_WAIVED', 'CODER_TYPO', 'CODER_EXPIRED']
    assert [case.get('classname') for case in cases] == ['coder.config'] * 3 + ['coder.unresolved', 'coder.config']
    outcomes = [[child.tag for child in case] for case in cases]
    assert outcomes == [['system-out'], ['failure'], ['skipped'], ['error'], ['failure']]
    failure = cases[1].find('failure')
    assert failure.get('message') == '[high] expected in ["tls12", "tls13"], actual "tls10"'
    assert 'description: Modern TLS <only> & "nothing" older.' in failure.text
    assert cases[2].find('skipped').get('message') == 'waived until 2026-12-31: migration'
    assert cases[3].find('error').get('message') == "error: unknown deployment setting 'CODER_TYPO'"
    assert '"expired": true' in cases[4].find('failure').text
    properties = dict((item.get('name'), item.get('value')) for item in suite.find('properties'))
    assert properties == {'deployment': 'https://coder.example.com', 'baseline': 'hardened', 'fail_on': 'low',
                          'passed': 'false', 'outcome': 'error', 'coder_version': 'v2.34.3', 'desired': 'inline'}


def test_junit_names_are_keys_plus_operator_when_a_key_repeats_and_never_the_expected_value():
    records = [record('CODER_A', 'pass', expected=1), record('CODER_B', 'drift', expected=5, operator='ge'),
               record('CODER_B', 'pass', expected=9, operator='le'),
               record('CODER_B', 'pass', expected=9, operator='le', source='baseline:hardened')]
    names = [case.get('name') for case in ElementTree.fromstring(_reports.render_junit(
        _reports.build_report('X', records, SUMMARY, False)).encode('utf-8')).iter('testcase')]
    assert names == ['CODER_A', 'CODER_B ge', 'CODER_B le (desired)', 'CODER_B le (baseline:hardened)']
    changed = [dict(item, expected='other') for item in records]
    assert names == [case.get('name') for case in ElementTree.fromstring(_reports.render_junit(
        _reports.build_report('X', changed, SUMMARY, False)).encode('utf-8')).iter('testcase')]


def test_the_outcome_tells_drift_from_a_check_that_could_not_run():
    drifted = [record('CODER_A', 'drift')]
    assert _reports.build_report('X', drifted, SUMMARY, False)['outcome'] == 'drifted'
    assert _reports.build_report('X', drifted, SUMMARY, True)['outcome'] == 'passed'
    broken = _reports.error_report('https://coder.example.com', 'https://coder.example.com: connection refused',
                                   'low', context=dict(desired='desired/prod.yml'))
    assert (broken['outcome'], broken['passed'], broken['summary']['error']) == ('error', False, 1)
    case = ElementTree.fromstring(_reports.render_junit(broken).encode('utf-8')).find('testsuite/testcase')
    assert (case.get('name'), case.find('error').get('message')) == (
        'drift check', 'https://coder.example.com: connection refused')
    assert _reports.render_markdown(broken).splitlines()[2].startswith('**\u26a0\ufe0f error**: 1 check, 0 passed')


def test_console_lines_stay_short_and_quote_like_yaml():
    long = record('CODER_ACCESS_URL', 'drift', expected=['https://%05d.example.com' % index for index in range(500)],
                  actual='https://coder.example.com', operator='in')
    line = _reports.console_line(long)
    assert len(line) == _reports.MAX_LINE
    assert line.endswith("\u2026, actual 'https://coder.example.com'")
    assert _reports.console_line(record('K', 'drift', expected={'a': "it's"}, actual=[None, True])) == (
        "[medium] K: expected eq {a: 'it''s'}, actual [null, true]")
    assert _reports.console_line(record('K', 'error', description='error: ' + 'x' * 500)).endswith('x\u2026')


def test_markdown_is_a_table_of_what_needs_attention_with_passes_folded(report):
    text = _reports.render_markdown(report)
    lines = text.splitlines()
    assert lines[0] == '### Coder drift check: https://coder.example.com'
    assert lines[2] == ('**\u26a0\ufe0f error**: 5 checks, 1 passed, 2 drifted, 1 waived, 1 error (fails on low and above; '
                        'baseline: hardened; 2026-06-01T12:30:00Z)')
    header = '| Status | Severity | Key | Operator | Expected | Actual | Source | Note |'
    assert lines[4] == 'coder version: v2.34.3, desired: inline'
    assert lines[6] == header and lines[7] == '|---|---|---|---|---|---|---|---|'
    # Errors first, then drift by severity, then waived; every row has the header's 8 cells.
    rows = lines[8:12]
    assert [row.split(' | ')[2] for row in rows] == ['`CODER_TYPO`', '`CODER_DRIFTED`', '`CODER_EXPIRED`',
                                                     '`CODER_WAIVED`']
    for row in rows + [lines[17]]:
        assert row.replace('\\|', '').count('|') == header.count('|'), row
    assert rows[2] == ('| \u274c drift | info | `CODER_EXPIRED` | eq | `` `tick` `` | `""` | desired | '
                       'waiver expired after 2026-01-31: old |')
    assert rows[3].endswith('| waived until 2026-12-31: migration |')
    assert lines[13] == '<details><summary>1 check passed</summary>'
    assert lines[17] == '| \u2705 pass | low | `CODER_PASSING` | eq | `a\\|b` | `a\\|b` | desired |  |'
    assert lines[-1] == '</details>'


def test_json_report_round_trips(report):
    assert json.loads(_reports.render_json(report)) == report


def test_write_reports_writes_each_format_atomically(report, tmp_path):
    target = tmp_path / 'nested' / 'reports'
    written = _reports.write_reports(report, str(target), ['junit', 'markdown'])
    assert written == {'junit': str(target / 'coder-drift.junit.xml'), 'markdown': str(target / 'coder-drift.md')}
    assert sorted(os.listdir(str(target))) == ['coder-drift.junit.xml', 'coder-drift.md']
    assert (target / 'coder-drift.md').read_text(encoding='utf-8') == _reports.render_markdown(report)


def test_a_failed_write_keeps_the_old_report_and_leaves_no_temporary_file(report, tmp_path, monkeypatch):
    path = tmp_path / 'coder-drift.json'
    path.write_text('old', encoding='utf-8')

    def refuse(source, destination):
        raise OSError(28, 'No space left on device')

    monkeypatch.setattr(_reports.os, 'replace', refuse)
    with pytest.raises(ValueError) as caught:
        _reports.write_reports(report, str(tmp_path), ['json'])
    assert str(caught.value) == 'report_dir %s: cannot write the reports: No space left on device' % tmp_path
    assert path.read_text(encoding='utf-8') == 'old'
    assert os.listdir(str(tmp_path)) == ['coder-drift.json']


def test_unknown_format_is_refused(report, tmp_path):
    with pytest.raises(ValueError, match='unknown format pdf'):
        _reports.write_reports(report, str(tmp_path), ['json', 'pdf'])
    assert os.listdir(str(tmp_path)) == []


def test_markdown_plain_cells_hold_no_html(report):
    # The drifted check's description is 'Modern TLS <only> & "nothing" older.'
    row = [line for line in _reports.render_markdown(report).splitlines() if '`CODER_DRIFTED`' in line][0]
    assert row.endswith('| Modern TLS &lt;only&gt; &amp; "nothing" older. |')
    broken = _reports.error_report('https://x', 'proxy answered <html><details><summary>502</summary>', 'low')
    text = _reports.render_markdown(broken)
    assert '<details>' not in text and '&lt;details&gt;&lt;summary&gt;502&lt;/summary&gt;' in text
