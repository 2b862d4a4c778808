# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet report (plugins/module_utils/_fleet.py): worst first, 200 rows, escaping, JUnit against the XSD."""

import datetime
import json
from pathlib import Path
from xml.etree import ElementTree

import xmlschema

from ansible_collections.coder.coderd.plugins.module_utils import _fleet, _reports

XSD = Path(__file__).resolve().parents[2] / 'fixtures' / 'junit' / 'junit-10.xsd'
MOMENT = datetime.datetime(2026, 6, 1, 12, 30, tzinfo=datetime.timezone.utc)


def record(key, status, severity='medium'):
    return dict(key=key, resolved_as='config.' + key.lower(), expected=1, actual=2, operator='eq', severity=severity,
                status=status, source='desired')


def checked(url, *records, passed=None, version='v2.34.3+4653f32', fail_on='low'):
    """The report of a check that ran: ``records`` evaluated with ``fail_on``."""
    by_severity = dict.fromkeys(_reports.SEVERITIES, 0)
    for item in records:
        if item['status'] == 'drift':
            by_severity[item['severity']] += 1
    counts = dict((name, sum(item['status'] == name for item in records)) for name in ('pass', 'drift', 'waived', 'error'))
    summary = dict(counts, total=len(records), failing=counts['drift'] + counts['error'], fail_on=fail_on,
                   drift_by_severity=by_severity)
    if passed is None:
        passed = not summary['failing']
    return _reports.build_report(url, list(records), summary, passed, generated_at=MOMENT,
                                 context=dict(coder_version=version, desired='desired/prod.yml'))


def down(url, cause):
    return _reports.error_report(url, cause, 'low', context=dict(desired='desired/prod.yml'))


def fleet():
    """Five hosts given best first; host names that sort against the outcome."""
    return [
        _fleet.member('a-clean', checked('https://a.example.com', record('K1', 'pass')),
                      dict(json='a-clean/coder-drift.json')),
        _fleet.member('b-info', checked('https://b.example.com', record('K1', 'pass'), record('K2', 'drift', 'info'),
                                        passed=True)),
        _fleet.member('c-medium', checked('https://c.example.com', record('K1', 'drift', 'medium'),
                                          record('K2', 'drift', 'medium'))),
        _fleet.member('d-high', checked('https://d.example.com', record('K1', 'drift', 'high'))),
        _fleet.member('e-down', down('https://e.example.com', 'https://e.example.com: GET /api/v2/buildinfo: '
                                     'connection refused')),
    ]


def test_worst_first_errors_then_drift_by_severity_then_passed_with_warnings_then_clean():
    index = _fleet.build_index(fleet(), generated_at=MOMENT)
    assert [entry['host'] for entry in index['deployments']] == ['e-down', 'd-high', 'c-medium', 'b-info', 'a-clean']
    assert [entry['outcome'] for entry in index['deployments']] == ['error', 'drifted', 'drifted', 'passed', 'passed']
    assert index['counts'] == dict(deployments=5, error=1, drifted=2, passed=2, not_checked=0)
    assert index['drift_by_severity'] == dict(critical=0, high=1, medium=2, low=0, info=1)


def test_one_critical_drift_is_worse_than_many_high_ones():
    members = [_fleet.member('many', checked('https://m', *[record('K%d' % n, 'drift', 'high') for n in range(9)])),
               _fleet.member('one', checked('https://o', record('K', 'drift', 'critical')))]
    assert [entry['host'] for entry in _fleet.build_index(members)['deployments']] == ['one', 'many']


def test_the_json_index_names_each_deployment_its_counts_reports_and_errors():
    index = json.loads(_fleet.render_fleet(fleet(), ['f-later'], dict(limit='prod', job_id=None), MOMENT)['json'])
    assert index['generated_at'] == '2026-06-01T12:30:00Z'
    assert index['run'] == dict(limit='prod', job_id=None)
    assert index['not_checked'] == ['f-later'] and index['counts']['not_checked'] == 1
    error, drifted = index['deployments'][0], index['deployments'][2]
    assert error == dict(host='e-down', url='https://e.example.com', version=None, health=None, outcome='error',
                         counts=dict(total=1, error=1, failing=1, drift=0, waived=0, **{'pass': 0}),
                         drift_by_severity=dict.fromkeys(_reports.SEVERITIES, 0), fail_on='low',
                         checked_at=error['checked_at'], reports={},
                         errors=['https://e.example.com: GET /api/v2/buildinfo: connection refused'])
    assert (drifted['version'], drifted['drift_by_severity']['medium'], drifted['errors']) == ('v2.34.3+4653f32', 2, [])
    assert index['deployments'][-1]['reports'] == dict(json='a-clean/coder-drift.json')


def test_a_check_in_error_is_named_by_its_key_in_the_errors():
    report = checked('https://x', dict(record('CODER_TYPO', 'error'), description="unknown setting 'CODER_TYPO'"),
                     record('K', 'drift', 'low'))
    entry = _fleet.build_index([_fleet.member('x', report)])['deployments'][0]
    assert (entry['outcome'], entry['errors']) == ('error', ["CODER_TYPO: unknown setting 'CODER_TYPO'"])


def test_markdown_headline_counts_then_one_compact_row_per_deployment_worst_first():
    text = _fleet.render_fleet(fleet(), run=dict(limit='prod*'), generated_at=MOMENT)['markdown']
    lines = text.splitlines()
    assert lines[0] == '### Coder fleet drift check: 5 deployments'
    assert lines[2] == ('**1 \u26a0\ufe0f error \u00b7 2 \u274c drifted \u00b7 2 \u2705 passed** \u00b7 drifts: 1 high, '
                        '2 medium, 1 info \u00b7 2026-06-01T12:30:00Z')
    assert lines[4] == 'limit: prod*'
    assert lines[6:8] == ['| Outcome | Host | Deployment | Version | Drifts | Errors |', '|---|---|---|---|---|---|']
    # The error cell does not repeat the deployment's URL.
    assert lines[8] == ('| \u26a0\ufe0f error | e-down | https://e.example.com | \u2013 |  | '
                        'GET /api/v2/buildinfo: connection refused |')
    assert lines[9] == '| \u274c drifted | d-high | https://d.example.com | v2.34.3 | 1 high |  |'
    assert lines[11] == '| \u2705 passed | b-info | https://b.example.com | v2.34.3 | 1 info |  |'
    assert len(lines) == 13 and '<details>' not in text


def test_markdown_escapes_pipes_newlines_and_html_and_folds_long_errors():
    cause = 'proxy said <html><body>|bad gateway|</body></html>\nline two ' + 'x' * 300
    members = [_fleet.member('odd|host\nname', down('https://e.example.com/a|b', cause)),
               _fleet.member('two-errors', checked('https://t', dict(record('A', 'error'), description='first'),
                                                   dict(record('B', 'error'), description='second')))]
    lines = _fleet.render_fleet(members, generated_at=MOMENT)['markdown'].splitlines()
    header = lines[4]
    rows = [line for line in lines if line.startswith('| \u26a0')]
    assert len(rows) == 2
    for row in rows:
        # Exactly the header's cells: every pipe of the data is escaped, no line break splits a row.
        assert row.replace('\\|', '').count('|') == header.count('|'), row
        assert '<' not in row and '>' not in row
    # Two checks in error before one.
    assert rows[0].endswith('| A: first (+1 more) |')
    assert rows[1].startswith('| \u26a0\ufe0f error | odd\\|host name | https://e.example.com/a\\|b | \u2013 |  | '
                              'proxy said &lt;html&gt;&lt;body&gt;\\|bad gateway\\|')
    assert rows[1].endswith('x\u2026 |') and len(rows[1]) < 300
    folded = lines[lines.index('<details><summary>Errors in full (2 deployments)</summary>'):]
    assert folded[2:4] == ['- two-errors (https://t): A: first', '- two-errors (https://t): B: second']
    assert folded[4].startswith('- odd\\|host name (https://e.example.com/a\\|b): proxy said &lt;html&gt;')
    assert folded[4].endswith('x' * 300)
    assert folded[-1] == '</details>'


def test_two_hundred_deployments_stay_one_short_row_each():
    members = []
    for number in range(200):
        if number % 10 == 0:
            report = down('https://coder-%03d.example.com' % number,
                          'https://coder-%03d.example.com: GET /api/v2/buildinfo: ' % number + 'timed out ' * 40)
        elif number % 3 == 0:
            report = checked('https://coder-%03d.example.com' % number, record('K1', 'drift', 'critical'),
                             record('K2', 'drift', 'low'), record('K3', 'pass'))
        else:
            report = checked('https://coder-%03d.example.com' % number, record('K1', 'pass'))
        members.append(_fleet.member('coder-%03d' % number, report))
    text = _fleet.render_fleet(members, ['late-%d' % n for n in range(30)], generated_at=MOMENT)['markdown']
    lines = text.splitlines()
    rows = [line for line in lines if line.startswith('| ') and not line.startswith('| Outcome')]
    assert len(rows) == 200
    assert max(len(row) for row in rows) <= 250
    assert lines[2].startswith('**20 \u26a0\ufe0f error \u00b7 60 \u274c drifted \u00b7 120 \u2705 passed** \u00b7 '
                               'drifts: 60 critical, 60 low')
    assert lines[4] == '30 hosts not checked (yet): later batches, or the play ended before them'
    # The table comes before anything folded, and the whole summary is far below GitHub's 1 MiB per step.
    assert lines.index('| Outcome | Host | Deployment | Version | Drifts | Errors |') == 6
    assert lines.index('<details><summary>Errors in full (20 deployments)</summary>') > lines.index(rows[-1])
    assert lines[-3] == ', '.join(sorted('late-%d' % n for n in range(30)))
    assert len(text.encode('utf-8')) < 100 * 1024


def test_one_junit_file_with_one_suite_per_deployment_valid_for_the_xsd():
    members = fleet() + [_fleet.member('e-again', down('https://e.example.com', 'refused'))]
    text = _fleet.render_fleet(members, generated_at=MOMENT, formats=['junit'])['junit']
    xmlschema.XMLSchema(str(XSD)).validate(text)
    root = ElementTree.fromstring(text.encode('utf-8'))
    assert (root.get('name'), root.get('tests'), root.get('failures'), root.get('errors')) == (
        'coder.coderd fleet drift check', '8', '4', '2')
    suites = root.findall('testsuite')
    assert [suite.get('name') for suite in suites] == [
        'https://e.example.com (e-again)', 'https://e.example.com (e-down)', 'https://d.example.com',
        'https://c.example.com', 'https://b.example.com', 'https://a.example.com']
    # The very suite of the per-host file, plus the host.
    own = ElementTree.fromstring(_reports.render_junit(members[3]['report']).encode('utf-8')).find('testsuite')
    assert ElementTree.tostring(suites[2].find('testcase')) == ElementTree.tostring(own.find('testcase'))
    properties = dict((item.get('name'), item.get('value')) for item in suites[2].find('properties'))
    assert (properties['host'], properties['outcome'], properties['deployment']) == (
        'd-high', 'drifted', 'https://d.example.com')
    assert [case.get('name') for case in suites[3].findall('testcase')] == ['K1', 'K2']


def test_file_names_carry_the_suffix():
    assert _fleet.file_names() == dict(json='coder-fleet.json', junit='coder-fleet.junit.xml', markdown='coder-fleet.md')
    assert _fleet.file_names('-job42')['markdown'] == 'coder-fleet-job42.md'


def test_a_report_read_back_is_checked_for_what_the_fleet_needs():
    good = checked('https://x', record('K', 'pass'))
    assert _fleet.report_problem(json.loads(_reports.render_json(good))) is None
    assert _fleet.report_problem([]) == 'not a JSON object'
    assert _fleet.report_problem(dict(good, outcome='maybe')) == 'no outcome (passed, drifted or error)'
    assert _fleet.report_problem(dict(good, summary=dict(good['summary'], total='1'))).startswith('no summary')
    assert _fleet.report_problem(dict(good, records=None)) == 'no drift_by_severity or records'
    assert _fleet.report_problem(dict(good, context=None)) == 'no deployment or context'


def test_an_empty_fleet_says_so():
    text = _fleet.render_fleet([], ['a'], generated_at=MOMENT)['markdown']
    assert text.splitlines()[:3] == ['### Coder fleet drift check: 0 deployments', '',
                                     '**no deployment checked** \u00b7 2026-06-01T12:30:00Z']
    assert '| Outcome |' not in text


def test_a_health_column_appears_when_some_deployment_s_health_was_read():
    checked_health = checked('https://h.example.com', record('K1', 'pass'))
    checked_health['context']['health'] = 'warning'
    members = fleet() + [_fleet.member('f-health', checked_health),
                         _fleet.member('g-inventory', checked('https://g.example.com', record('K1', 'pass')),
                                       health='ok')]
    rendered = _fleet.render_fleet(members, generated_at=MOMENT)
    lines = rendered['markdown'].splitlines()
    assert lines[4:6] == ['| Outcome | Host | Deployment | Version | Health | Drifts | Errors |',
                          '|---|---|---|---|---|---|---|']
    assert '| \u2705 passed | f-health | https://h.example.com | v2.34.3 | \u26a0\ufe0f warning |  |  |' in lines
    assert '| \u2705 passed | g-inventory | https://g.example.com | v2.34.3 | \u2705 ok |  |  |' in lines
    assert '| \u26a0\ufe0f error | e-down | https://e.example.com | \u2013 | \u2013 |  | ' \
        'GET /api/v2/buildinfo: connection refused |' in lines
    index = json.loads(rendered['json'])
    assert dict((entry['host'], entry['health']) for entry in index['deployments'])['f-health'] == 'warning'
    assert 'Health' not in _fleet.render_fleet(fleet(), generated_at=MOMENT)['markdown']
