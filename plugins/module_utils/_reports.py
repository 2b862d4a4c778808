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
_STATUS_ORDER = ('error', 'drift', 'waived', 'pass')
_SEVERITY_ORDER = ('critical', 'high', 'medium', 'low', 'info')
_STATUS_MARK = {'error': '\u26a0\ufe0f', 'drift': '\u274c', 'waived': '\U0001f515', 'pass': '\u2705'}


# A message lists at most MAX_LISTED items (problems, drifts, warnings), then says how many more;
# a value in a message is cut to MAX_SHOWN characters, a problem to MAX_PROBLEM. Records and
# reports keep every value whole.
MAX_LISTED = 20
MAX_SHOWN = 200
MAX_PROBLEM = 500


def counted(number, noun):
    """'1 check', '2 checks'."""
    return '%d %s%s' % (number, noun, '' if number == 1 else 's')


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


def build_report(deployment, records, summary, passed, baseline=None, generated_at=None):
    """The report every format renders: plain JSON-able data."""
    moment = generated_at or datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    return dict(deployment=deployment, generated_at=moment.isoformat().replace('+00:00', 'Z'),
                baseline=baseline or 'none', passed=passed, summary=summary, records=records)


def _ordered(records):
    return sorted(records, key=lambda record: (_STATUS_ORDER.index(record['status']),
                                               _SEVERITY_ORDER.index(record['severity'])))


def render_json(report):
    return json.dumps(report, ensure_ascii=False, indent=2, sort_keys=True) + '\n'


def _testcase_name(record):
    return '%s %s %s' % (record['key'], record['operator'], render_value(record['expected']))


def _details(record):
    lines = ['%s: %s' % (name, render_value(record.get(name)))
             for name in ('key', 'resolved_as', 'operator', 'expected', 'actual', 'severity', 'source')]
    if record.get('description'):
        lines.append('description: %s' % record['description'])
    if record.get('waiver'):
        lines.append('waiver: %s' % render_value(record['waiver']))
    return '\n'.join(lines) + '\n'


def render_junit(report):
    """One testsuite for the deployment, one testcase per check (Jenkins/Surefire JUnit schema)."""
    summary = report['summary']
    counts = dict(tests=str(summary['total']), failures=str(summary['drift']), errors=str(summary['error']))
    root = ElementTree.Element('testsuites', dict(counts, name='coder.coderd drift check', time='0'))
    suite = ElementTree.SubElement(root, 'testsuite', dict(
        counts, name=report['deployment'], skipped=str(summary['waived']), time='0',
        timestamp=report['generated_at']))
    properties = ElementTree.SubElement(suite, 'properties')
    for name, value in (('deployment', report['deployment']), ('baseline', report['baseline']),
                        ('fail_on', summary['fail_on']), ('passed', render_value(report['passed']))):
        ElementTree.SubElement(properties, 'property', dict(name=name, value=str(value)))
    for record in report['records']:
        # The part of the facts the check read groups the test cases; an unresolvable key has none.
        section = record['resolved_as'].split('.')[0] if record['resolved_as'] else 'unresolved'
        case = ElementTree.SubElement(suite, 'testcase', dict(
            classname='coder.' + section, name=_testcase_name(record), time='0'))
        if record['status'] == 'drift':
            outcome = ElementTree.SubElement(case, 'failure', dict(
                type='drift', message='[%s] expected %s %s, actual %s' % (
                    record['severity'], record['operator'], render_value(record['expected']),
                    render_value(record['actual']))))
        elif record['status'] == 'error':
            outcome = ElementTree.SubElement(case, 'error', dict(type='error', message=record.get('description', '')))
        elif record['status'] == 'waived':
            waiver = record['waiver']
            outcome = ElementTree.SubElement(case, 'skipped', dict(
                type='waived', message='waived until %s: %s' % (waiver['expires'], waiver['reason'])))
        else:
            outcome = ElementTree.SubElement(case, 'system-out')
        outcome.text = _details(record)
    text = ElementTree.tostring(root, encoding='unicode')
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + text + '\n'


def _cell(value):
    """A table cell: inline code that survives pipes, backticks and line breaks."""
    text = render_value(value) if not isinstance(value, str) or value == '' else value
    text = ' '.join(text.split()).replace('|', '\\|')
    fence = '``' if '`' in text else '`'
    padding = ' ' if fence == '``' else ''
    return '%s%s%s%s%s' % (fence, padding, text, padding, fence)


def _plain(text):
    return ' '.join(str(text).split()).replace('|', '\\|')


def _table(records):
    lines = ['| Status | Severity | Key | Operator | Expected | Actual | Source | Note |',
             '|---|---|---|---|---|---|---|---|']
    for record in records:
        note = record.get('description', '')
        if record.get('waiver'):
            waiver = record['waiver']
            note = '%s %s: %s' % ('waiver expired after' if waiver['expired'] else 'waived until',
                                  waiver['expires'], waiver['reason'])
        lines.append('| %s %s | %s | %s | %s | %s | %s | %s | %s |' % (
            _STATUS_MARK[record['status']], record['status'], record['severity'],
            _cell(record['key']), record['operator'], _cell(record['expected']), _cell(record['actual']),
            _plain(record['source']), _plain(note)))
    return lines


def render_markdown(report):
    """A job summary: verdict, counts, the table of what needs attention, passed checks folded away."""
    summary = report['summary']
    verdict = '\u2705 passed' if report['passed'] else '\u274c failed'
    lines = [
        '### Coder drift check: %s' % _plain(report['deployment']),
        '',
        '**%s**: %s, %d passed, %d drifted, %d waived, %s (fails on %s and above; baseline: %s; %s)' % (
            verdict, counted(summary['total'], 'check'), summary['pass'], summary['drift'], summary['waived'],
            counted(summary['error'], 'error'), summary['fail_on'], report['baseline'], report['generated_at']),
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


def write_reports(report, directory, formats=None):
    """Write the chosen formats into ``directory`` (created if missing); returns {format: path}."""
    chosen = list(formats) if formats else list(FORMATS)
    unknown = [name for name in chosen if name not in _RENDERERS]
    if unknown:
        raise InputError('report_formats: unknown format %s; choose from %s' % (', '.join(unknown), ', '.join(FORMATS)))
    # Render everything before writing anything: a rendering failure leaves no partial set behind.
    texts = dict((name, _RENDERERS[name](report)) for name in chosen)
    try:
        os.makedirs(directory, exist_ok=True)
        written = {}
        for name in chosen:
            path = os.path.join(directory, FILE_NAMES[name])
            atomic_write(path, texts[name])
            written[name] = path
    except OSError as exc:
        raise InputError('report_dir %s: cannot write the reports: %s' % (directory, exc.strerror or exc))
    return written
