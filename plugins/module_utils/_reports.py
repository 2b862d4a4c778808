# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE to the coder.coderd collection: may change in any release without notice.
"""Drift reports: JSON (for machines), JUnit XML (for CI test viewers), Markdown (for CI job summaries).

Every file is written atomically (a temporary file in the same folder, then ``os.replace``), so a
run that dies never leaves a half-written report for CI to publish.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json
import os
import tempfile
from xml.etree import ElementTree

from ansible_collections.coder.coderd.plugins.module_utils._errors import InputError

FORMATS = ('json', 'junit', 'markdown')
FILE_NAMES = {'json': 'coder-drift.json', 'junit': 'coder-drift.junit.xml', 'markdown': 'coder-drift.md'}
_STATUS_ORDER = ('error', 'drift', 'waived', 'skipped', 'pass')
SEVERITIES = ('critical', 'high', 'medium', 'low', 'info')
VERDICTS = {'passed': '\u2705 passed', 'drifted': '\u274c drifted', 'error': '\u26a0\ufe0f error'}
_STATUS_MARK = {'error': '\u26a0\ufe0f', 'drift': '\u274c', 'waived': '\U0001f515', 'skipped': '\u23ed\ufe0f',
                'pass': '\u2705'}


# A message lists at most MAX_LISTED items (problems, drifts, warnings), then says how many more;
# a value in a message is cut to MAX_SHOWN characters, a problem to MAX_PROBLEM. Records and
# reports keep every value whole.
MAX_LISTED = 20
MAX_SHOWN = 200
MAX_PROBLEM = 500
# A console line (a plan line, a warning, a diff line) stays within MAX_LINE characters, so that
# with what Ansible puts before it ("[WARNING]: ", a list's indent and quotes) no printed line
# passes 200; values are shortened with an ellipsis there, never in the records or the reports.
MAX_LINE = 180
_ELLIPSIS = '\u2026'


def counted(number, noun):
    """'1 check', '2 checks'."""
    return '%d %s%s' % (number, noun, '' if number == 1 else 's')


def skipped_count(summary):
    """', N skipped' for a summary with skipped checks (settings the deployment's release lacks), else ''."""
    return ', %d skipped' % summary['skipped'] if summary.get('skipped') else ''


def clipped(text, limit=MAX_SHOWN):
    """``text`` cut to ``limit`` characters, saying how long it was."""
    if len(text) <= limit:
        return text
    return '%s... (%d characters)' % (text[:limit], len(text))


def render_value(value):
    """A value as JSON text: unambiguous for "" vs nothing, "true" vs true."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(', ', ': '))


def shown_value(value):
    """A value as a message shows it: JSON text, cut to MAX_SHOWN characters."""
    return clipped(render_value(value))


def console_value(value):
    """A value as a console line shows it: YAML flow style, whose single quotes the JSON of
    Ansible's output does not escape; strings always quoted, so '' and 'true' stay told apart."""
    if isinstance(value, str):
        return "'%s'" % value.replace("'", "''")
    if isinstance(value, list):
        return '[%s]' % ', '.join(console_value(item) for item in value)
    if isinstance(value, dict):
        return '{%s}' % ', '.join('%s: %s' % (key, console_value(item)) for key, item in value.items())
    return render_value(value)


def shortened(text, limit):
    """``text`` within ``limit`` characters, its end replaced by an ellipsis when cut."""
    text = ' '.join(str(text).split())
    return text if len(text) <= limit else text[:max(limit - 1, 0)] + _ELLIPSIS


def console_line(record):
    """One line for a drift or an error: severity, key, expected and actual, within MAX_LINE."""
    key = shortened(record['key'], 60)
    if record['status'] == 'error':
        head = 'error %s: ' % key
        return head + shortened(record.get('description', ''), MAX_LINE - len(head))
    head = '[%s] %s: expected %s ' % (record['severity'], key, record['operator'])
    expected, actual = console_value(record['expected']), console_value(record['actual'])
    room = MAX_LINE - len(head) - len(', actual ')
    if len(expected) + len(actual) > room:
        # The shorter value keeps what it needs, up to half the room; the longer one gets the rest.
        short = min(len(expected), len(actual), room // 2)
        expected, actual = (shortened(expected, room - short if len(expected) >= len(actual) else short),
                            shortened(actual, room - short if len(actual) > len(expected) else short))
    return '%s%s, actual %s' % (head, expected, actual)


def now_utc():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def timestamp(moment):
    return moment.isoformat().replace('+00:00', 'Z')


def outcome_of(records, passed):
    """passed, drifted or error: a check that could not be evaluated makes the run an error."""
    if any(record['status'] == 'error' for record in records):
        return 'error'
    return 'passed' if passed else 'drifted'


def build_report(deployment, records, summary, passed, baseline=None, generated_at=None, context=None):
    """The report every format renders: plain JSON-able data.

    ``context`` says what was checked and how (versions, desired document, times); its missing
    facts are null.
    """
    moment = generated_at or now_utc()
    return dict(deployment=deployment, generated_at=timestamp(moment), baseline=baseline or 'none',
                passed=passed, outcome=outcome_of(records, passed), summary=summary, records=records,
                context=dict(context or {}, deployment=deployment))


def error_report(deployment, problem, fail_on, baseline=None, context=None):
    """The report of a check that could not run: one record in error saying why."""
    record = dict(key='drift check', resolved_as=None, expected=None, actual=None, operator='run',
                  severity='critical', status='error', source='run', description=problem)
    summary = dict(total=1, failing=1, fail_on=fail_on, drift_by_severity=dict.fromkeys(SEVERITIES, 0),
                   error=1, **dict.fromkeys(('pass', 'drift', 'waived', 'skipped'), 0))
    return build_report(deployment, [record], summary, False, baseline=baseline, context=context)


def _ordered(records):
    return sorted(records, key=lambda record: (_STATUS_ORDER.index(record['status']),
                                               SEVERITIES.index(record['severity'])))


def render_json(report):
    return json.dumps(report, ensure_ascii=False, indent=2, sort_keys=True) + '\n'


def _testcase_names(records):
    """A test case is named by its key, plus the operator when the key has several checks (and the
    source when even that repeats): editing an expected value keeps the test's history."""
    def count(names):
        counts = {}
        for name in names:
            counts[name] = counts.get(name, 0) + 1
        return counts
    by_key = count(str(record['key']) for record in records)
    names = ['%s %s' % (record['key'], record['operator']) if by_key[str(record['key'])] > 1 else str(record['key'])
             for record in records]
    by_name = count(names)
    return ['%s (%s)' % (name, record['source']) if by_name[name] > 1 else name
            for name, record in zip(names, records)]


def _details(record):
    lines = ['%s: %s' % (name, render_value(record.get(name)))
             for name in ('key', 'resolved_as', 'operator', 'expected', 'actual', 'severity', 'source')]
    if record.get('description'):
        lines.append('description: %s' % record['description'])
    if record.get('docs_url'):
        lines.append('docs: %s' % record['docs_url'])
    if record.get('waiver'):
        lines.append('waiver: %s' % render_value(record['waiver']))
    return '\n'.join(lines) + '\n'


def waiver_text(waiver):
    """How a report says why a record is waived: until when and why, or only why when it never expires
    (a health section dismissed in Coder)."""
    if waiver['expires'] is None:
        return 'waived: %s' % waiver['reason']
    return '%s %s: %s' % ('waiver expired after' if waiver['expired'] else 'waived until', waiver['expires'],
                          waiver['reason'])


def render_junit(report):
    """One testsuite for the deployment, one testcase per check (Jenkins/Surefire JUnit schema).

    That schema has no properties per test case: expected, actual and severity are in the message
    and the details text of each case, the run's context in the suite's properties.
    """
    root = ElementTree.Element('testsuites', dict(junit_counts([report]), name='coder.coderd drift check', time='0'))
    add_junit_suite(root, report)
    return junit_text(root)


def junit_counts(reports):
    """The tests, failures and errors of ``reports`` together, as the JUnit attributes say them."""
    return dict((name, str(sum(report['summary'][key] for report in reports)))
                for name, key in (('tests', 'total'), ('failures', 'drift'), ('errors', 'error')))


def junit_text(root):
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(root, encoding='unicode') + '\n'


def add_junit_suite(root, report, name=None, properties=()):
    """The testsuite of one report under ``root``: named ``name`` (default: the deployment), with
    ``properties`` (name, value) before the report's own."""
    summary = report['summary']
    suite = ElementTree.SubElement(root, 'testsuite', dict(
        junit_counts([report]), name=name or report['deployment'],
        skipped=str(summary['waived'] + summary.get('skipped', 0)), time='0',
        timestamp=report['generated_at']))
    items = ElementTree.SubElement(suite, 'properties')
    for key, value in list(properties) + [
            ('deployment', report['deployment']), ('baseline', report['baseline']), ('fail_on', summary['fail_on']),
            ('passed', render_value(report['passed'])), ('outcome', report['outcome'])] + _context_items(report):
        ElementTree.SubElement(items, 'property', dict(
            name=key, value=value if isinstance(value, str) else render_value(value)))
    for record, case_name in zip(report['records'], _testcase_names(report['records'])):
        # The part of the facts the check read groups the test cases; an unresolvable key has none.
        section = record['resolved_as'].split('.')[0] if record['resolved_as'] else 'unresolved'
        case = ElementTree.SubElement(suite, 'testcase', dict(classname='coder.' + section, name=case_name, time='0'))
        if record['status'] == 'drift':
            outcome = ElementTree.SubElement(case, 'failure', dict(
                type='drift', message='[%s] expected %s %s, actual %s' % (
                    record['severity'], record['operator'], render_value(record['expected']),
                    render_value(record['actual']))))
        elif record['status'] == 'error':
            outcome = ElementTree.SubElement(case, 'error', dict(type='error', message=record.get('description', '')))
        elif record['status'] == 'waived':
            outcome = ElementTree.SubElement(case, 'skipped', dict(type='waived', message=waiver_text(record['waiver'])))
        elif record['status'] == 'skipped':
            outcome = ElementTree.SubElement(case, 'skipped', dict(type='skipped', message=record.get('description', '')))
        else:
            outcome = ElementTree.SubElement(case, 'system-out')
        outcome.text = _details(record)


def _context_items(report):
    """The context the report does not say elsewhere, known facts only."""
    return [(name, value) for name, value in sorted(report['context'].items())
            if name not in ('deployment', 'baseline') and value is not None]


def _cell(value):
    """A table cell: inline code that survives pipes, backticks and line breaks."""
    text = render_value(value) if not isinstance(value, str) or value == '' else value
    text = ' '.join(text.split()).replace('|', '\\|')
    fence = '``' if '`' in text else '`'
    padding = ' ' if fence == '``' else ''
    return '%s%s%s%s%s' % (fence, padding, text, padding, fence)


def plain(text):
    """Text for a Markdown table cell: one line, its pipes escaped, no HTML (a server's error page
    quoted in a message must not open a tag that swallows the rest of the summary)."""
    text = ' '.join(str(text).split())
    return text.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;').replace('|', '\\|')


def _table(records):
    lines = ['| Status | Severity | Key | Operator | Expected | Actual | Source | Note |',
             '|---|---|---|---|---|---|---|---|']
    for record in records:
        note = record.get('description', '')
        if record.get('waiver'):
            note = waiver_text(record['waiver']) + ('; ' + note if note else '')
        lines.append('| %s %s | %s | %s | %s | %s | %s | %s | %s |' % (
            _STATUS_MARK[record['status']], record['status'], record['severity'],
            _cell(record['key']), record['operator'], _cell(record['expected']), _cell(record['actual']),
            plain(record['source']), plain(note)))
    return lines


def render_markdown(report):
    """A job summary: verdict, counts, the table of what needs attention, passed checks folded away."""
    summary = report['summary']
    verdict = VERDICTS[report['outcome']]
    lines = [
        '### Coder drift check: %s' % plain(report['deployment']),
        '',
        '**%s**: %s, %d passed, %d drifted, %d waived, %s%s (fails on %s and above; baseline: %s; %s)' % (
            verdict, counted(summary['total'], 'check'), summary['pass'], summary['drift'], summary['waived'],
            counted(summary['error'], 'error'), skipped_count(summary), summary['fail_on'], report['baseline'],
            report['generated_at']),
        '',
        plain(', '.join('%s: %s' % (name.replace('_', ' '), value) for name, value in _context_items(report))),
        '',
    ]
    records = _ordered(report['records'])
    attention = [record for record in records if record['status'] != 'pass']
    passing = [record for record in records if record['status'] == 'pass']
    if attention:
        lines.extend(_table(attention))
        lines.append('')
    if passing:
        lines.extend(['<details><summary>%s passed</summary>' % counted(len(passing), 'check'), ''])
        lines.extend(_table(passing))
        lines.extend(['', '</details>', ''])
    return '\n'.join(lines)


_RENDERERS = {'json': render_json, 'junit': render_junit, 'markdown': render_markdown}


def atomic_write(path, text):
    """Write ``text`` to ``path`` so that readers see the old file or the whole new one, never a part."""
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(prefix='.' + os.path.basename(path) + '.', dir=directory)
    try:
        with os.fdopen(handle, 'w', encoding='utf-8') as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


class ReportError(InputError):
    """The reports could not be written (an error report would fail the same way)."""


def chosen_formats(formats):
    """The formats to write (all when none are named); InputError for one this module cannot write."""
    chosen = list(formats) if formats else list(FORMATS)
    unknown = [name for name in chosen if name not in _RENDERERS]
    if unknown:
        raise InputError('report_formats: unknown format %s; choose from %s' % (', '.join(unknown), ', '.join(FORMATS)))
    return chosen


def write_texts(directory, texts, file_names, what='reports'):
    """Write each format's text into ``directory`` (created if missing) under its name in
    ``file_names``; returns {format: path}. Render everything before calling: a rendering failure
    then leaves no partial set behind."""
    try:
        os.makedirs(directory, exist_ok=True)
        written = {}
        for name, text in texts.items():
            path = os.path.join(directory, file_names[name])
            atomic_write(path, text)
            written[name] = path
    except OSError as exc:
        raise ReportError('report_dir %s: cannot write the %s: %s' % (directory, what, exc.strerror or exc))
    return written


def write_reports(report, directory, formats=None):
    """Write the chosen formats into ``directory`` (created if missing); returns {format: path}."""
    texts = dict((name, _RENDERERS[name](report)) for name in chosen_formats(formats))
    return write_texts(directory, texts, FILE_NAMES)
