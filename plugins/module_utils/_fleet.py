# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE to the coder.coderd collection: may change in any release without notice.
"""The fleet report: one summary of the drift checks of many deployments (the hosts of a play).

Each deployment is its own drift report (the model of ``_reports``), so the fleet's JUnit file
holds the very test suites of the per-host files. Three files: Markdown for a CI job summary (a
headline with the counts, then one row per deployment, worst first), JUnit XML with one test
suite per deployment, and a JSON index naming each host's own report files.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from xml.etree import ElementTree

from ansible_collections.coder.coderd.plugins.module_utils._reports import (
    SEVERITIES, VERDICTS, add_junit_suite, counted, junit_counts, junit_text, now_utc, plain, render_json, shortened,
    timestamp,
)

OUTCOMES = ('error', 'drifted', 'passed')
_EXTENSIONS = {'json': '.json', 'junit': '.junit.xml', 'markdown': '.md'}
# An error cell of the Markdown table stays within this many characters (the full text is in the
# folded section below the table), so that 200 rows stay one screen line each.
MAX_ERROR_CELL = 120
_COUNTS = ('total', 'pass', 'drift', 'waived', 'error', 'failing')
_HEALTH = {'ok': '\u2705 ok', 'warning': '\u26a0\ufe0f warning', 'error': '\u274c error'}


def file_names(suffix=''):
    """{format: file name}: ``coder-fleet<suffix>.md`` and so on."""
    return dict((name, 'coder-fleet%s%s' % (suffix, extension)) for name, extension in _EXTENSIONS.items())


def member(host, report, reports=None, health=None):
    """One deployment of the fleet: its inventory host, its drift report, its own report files ({format: path})
    and its health severity when the check or the inventory read the health report (else the report's own)."""
    return dict(host=host, report=report, reports=dict(reports or {}),
                health=health or report['context'].get('health'))


def report_problem(report):
    """What makes ``report`` (a per-host JSON report as read back) unusable here, in a few words, or None."""
    if not isinstance(report, dict):
        return 'not a JSON object'
    summary = report.get('summary')
    if report.get('outcome') not in OUTCOMES:
        return 'no outcome (passed, drifted or error)'
    if not isinstance(summary, dict) or not all(isinstance(summary.get(name), int) for name in _COUNTS):
        return 'no summary with the counts %s' % ', '.join(_COUNTS)
    if not isinstance(summary.get('drift_by_severity'), dict) or not isinstance(report.get('records'), list):
        return 'no drift_by_severity or records'
    if not isinstance(report.get('deployment'), str) or not isinstance(report.get('context'), dict):
        return 'no deployment or context'
    return None


def errors_of(report):
    """One line per check in error: the run's own cause alone, any other check named by its key."""
    return [' '.join(str(record.get('description', '')).split()) if record.get('key') == 'drift check'
            else '%s: %s' % (record.get('key'), ' '.join(str(record.get('description', '')).split()))
            for record in report['records'] if record.get('status') == 'error']


def _worst_first(entry):
    summary = entry['report']['summary']
    by_severity = summary['drift_by_severity']
    return (OUTCOMES.index(entry['report']['outcome']), [-by_severity.get(name, 0) for name in SEVERITIES],
            -summary['error'], entry['host'])


def outcome_counts(members, not_checked=()):
    """How many deployments passed, drifted, are in error; how many in all; how many hosts not checked."""
    counts = dict((outcome, sum(entry['report']['outcome'] == outcome for entry in members)) for outcome in OUTCOMES)
    counts.update(deployments=len(members), not_checked=len(not_checked))
    return counts


def build_index(members, not_checked=(), run=None, generated_at=None):
    """The JSON index: the counts, then one entry per deployment, worst first."""
    ordered = sorted(members, key=_worst_first)
    counts = outcome_counts(ordered, not_checked)
    drift = dict((name, sum(entry['report']['summary']['drift_by_severity'].get(name, 0) for entry in ordered))
                 for name in SEVERITIES)
    deployments = []
    for entry in ordered:
        report = entry['report']
        summary = report['summary']
        deployments.append(dict(
            host=entry['host'], url=report['deployment'], version=report['context'].get('coder_version'),
            health=entry.get('health'),
            outcome=report['outcome'], counts=dict((name, summary[name]) for name in _COUNTS),
            drift_by_severity=dict((name, summary['drift_by_severity'].get(name, 0)) for name in SEVERITIES),
            fail_on=summary.get('fail_on'), checked_at=report['generated_at'], reports=entry['reports'],
            errors=errors_of(report)))
    return dict(generated_at=timestamp(generated_at or now_utc()), run=dict(run or {}), counts=counts,
                drift_by_severity=drift, deployments=deployments, not_checked=sorted(not_checked))


def render_fleet_junit(members):
    """One JUnit file, one test suite per deployment (as in its own report), worst first."""
    ordered = sorted(members, key=_worst_first)
    reports = [entry['report'] for entry in ordered]
    root = ElementTree.Element('testsuites', dict(junit_counts(reports), name='coder.coderd fleet drift check', time='0'))
    # A suite is named by its deployment as in the per-host file; the host tells apart two checks of one URL.
    seen = {}
    for report in reports:
        seen[report['deployment']] = seen.get(report['deployment'], 0) + 1
    for entry in ordered:
        deployment = entry['report']['deployment']
        name = deployment if seen[deployment] == 1 else '%s (%s)' % (deployment, entry['host'])
        add_junit_suite(root, entry['report'], name=name, properties=[('host', entry['host'])])
    return junit_text(root)


def _drifts(by_severity):
    return ', '.join('%d %s' % (by_severity[name], name) for name in SEVERITIES if by_severity.get(name))


def _run_line(run, not_checked):
    parts = []
    if run.get('limit'):
        parts.append('limit: %s' % run['limit'])
    if run.get('job_id') is not None:
        parts.append('AWX job %s' % run['job_id'])
    if run.get('workflow_job_id') is not None:
        parts.append('workflow job %s' % run['workflow_job_id'])
    if not_checked:
        parts.append('%s not checked (yet): later batches, or the play ended before them'
                     % counted(len(not_checked), 'host'))
    return plain('; '.join(parts))


def render_fleet_markdown(index):
    """A job summary: a headline with the counts, one compact row per deployment (worst first), long
    error texts and the hosts not checked folded away."""
    counts = index['counts']
    tally = ' \u00b7 '.join('%d %s' % (counts[outcome], VERDICTS[outcome]) for outcome in OUTCOMES if counts[outcome])
    headline = '**%s**' % (tally or 'no deployment checked')
    drifts = _drifts(index['drift_by_severity'])
    lines = ['### Coder fleet drift check: %s' % counted(counts['deployments'], 'deployment'), '',
             '%s%s \u00b7 %s' % (headline, ' \u00b7 drifts: %s' % drifts if drifts else '', index['generated_at']), '']
    run_line = _run_line(index['run'], index['not_checked'])
    if run_line:
        lines.extend([run_line, ''])
    # Health only when some deployment's health report was read (an owner's token, gather health).
    health = any(entry['health'] for entry in index['deployments'])
    if index['deployments']:
        lines.extend(['| Outcome | Host | Deployment | Version |%s Drifts | Errors |' % (' Health |' if health else ''),
                      '|---|---|---|---|%s---|---|' % ('---|' if health else '')])
    long_errors = []
    for entry in index['deployments']:
        # The row names the deployment already: its error cell need not start with its URL again.
        errors = [error[len(entry['url']) + 2:] if error.startswith(entry['url'] + ': ') else error
                  for error in entry['errors']]
        cell = ''
        if errors:
            cell = shortened(errors[0], MAX_ERROR_CELL) + (' (+%d more)' % (len(errors) - 1) if len(errors) > 1 else '')
            if len(errors) > 1 or cell != errors[0]:
                long_errors.append((entry, errors))
        version = (entry['version'] or '\u2013').split('+')[0]
        cells = [VERDICTS[entry['outcome']], plain(entry['host']), plain(entry['url']), plain(version)]
        if health:
            cells.append(_HEALTH.get(entry['health'], plain(entry['health'] or '\u2013')))
        cells.extend([_drifts(entry['drift_by_severity']), plain(cell)])
        lines.append('| %s |' % ' | '.join(cells))
    if long_errors:
        lines.extend(['', '<details><summary>Errors in full (%s)</summary>' % counted(len(long_errors), 'deployment'),
                      ''])
        for entry, errors in long_errors:
            lines.extend('- %s (%s): %s' % (plain(entry['host']), plain(entry['url']), plain(error)) for error in errors)
        lines.extend(['', '</details>'])
    if index['not_checked']:
        lines.extend(['', '<details><summary>%s not checked</summary>' % counted(len(index['not_checked']), 'host'),
                      '', plain(', '.join(index['not_checked'])), '', '</details>'])
    return '\n'.join(lines) + '\n'


def render_fleet(members, not_checked=(), run=None, generated_at=None, formats=None):
    """{format: text} of the fleet report of ``members`` (see member()); ``not_checked`` names the
    hosts of the play whose check has not run (yet); ``run`` says what ran (limit, AWX job ids)."""
    index = build_index(members, not_checked, run, generated_at)
    renderers = dict(json=lambda: render_json(index), junit=lambda: render_fleet_junit(members),
                     markdown=lambda: render_fleet_markdown(index))
    return dict((name, renderers[name]()) for name in (formats or _EXTENSIONS))
