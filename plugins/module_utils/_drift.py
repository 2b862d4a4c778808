# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE to the coder.coderd collection: may change in any release without notice.
"""The drift evaluation: the checks of a desired state against a deployment's facts.

``evaluate`` is pure (no request, no file, the date given): it resolves every check's key in the
facts (config keys through the value model), compares with ``_compare``, applies waivers and
returns a ``Result``. ``_desired`` compiles the documents into checks; the ``deployment_assert``
action plugin reads files, gathers facts, writes reports and shapes the task result.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import difflib

from ansible_collections.coder.coderd.plugins.module_utils import _health, _reports
from ansible_collections.coder.coderd.plugins.module_utils._api import join_capped
from ansible_collections.coder.coderd.plugins.module_utils._compare import OPERATORS, ComparisonError, compare
from ansible_collections.coder.coderd.plugins.module_utils._config import DeploymentConfig, UnknownKeyError
from ansible_collections.coder.coderd.plugins.module_utils._desired_schema import HEALTH_LEVELS, SEVERITIES
from ansible_collections.coder.coderd.plugins.module_utils._errors import InputError
from ansible_collections.coder.coderd.plugins.module_utils._paths import find_path
from ansible_collections.coder.coderd.plugins.module_utils._units import format_go_duration

STATUSES = ('pass', 'drift', 'waived', 'error', 'skipped')
# Severity ranks: a higher number is more severe; 'never' is above everything, so nothing reaches it.
_RANK = dict((name, len(SEVERITIES) - index) for index, name in enumerate(SEVERITIES))
_RANK['never'] = len(SEVERITIES) + 1

# Units of facts outside `config` (inside it, the value model knows each setting's type).
_KINDS = {
    'build.version': 'version',
    'build.dashboard_url': 'url',
    'build.external_url': 'url',
    'update_check.version': 'version',
    'update_check.url': 'url',
    'token_config.max_token_lifetime': 'duration',
    'token_config.max_token_lifetime_seconds': 'duration',
}


class _Target:
    """Where a check's key led: the canonical path in the facts, the value there and its unit."""

    __slots__ = ('resolved_as', 'value', 'kind', 'secret')

    def __init__(self, resolved_as, value, kind, secret=False):
        self.resolved_as = resolved_as
        self.value = value
        self.kind = kind
        self.secret = secret


# --- where a key leads ----------------------------------------------------------------------------

def _fact_value(mapping, path, section):
    """The value at dotted ``path`` in a section of the facts; InputError says what is there instead."""
    found, value = find_path(mapping, path)
    if found:
        return value
    parts = path.split('.')
    reached = max(depth for depth in range(len(parts)) if find_path(mapping, parts[:depth])[0])
    node = find_path(mapping, parts[:reached])[1]
    missing = parts[reached]
    where = '.'.join([section] + parts[:reached])
    known = sorted(str(key) for key in node) if isinstance(node, dict) else []
    close = difflib.get_close_matches(missing, known, n=3)
    if close:
        hint = 'did you mean: ' + ', '.join(close)
    elif known:
        hint = 'known: ' + join_capped(known, ', ', _reports.MAX_LISTED)
    else:
        hint = '%s is not a mapping' % where
    raise InputError('%s has no %s; %s' % (where, _reports.clipped(repr(missing)), hint))


class _NotInRelease(InputError):
    """A config key that names a setting of another Coder release than the deployment's."""


class _Resolver:
    """Finds what a key addresses in one deployment's facts (config through the value model)."""

    def __init__(self, facts, config_model=None):
        self.facts = facts
        build = facts.get('build')
        self.version = build.get('version') if isinstance(build, dict) else None
        if config_model is not None:
            self.config = config_model
        elif isinstance(facts.get('config'), dict):
            # Facts are already normalized: read as they are; the deployment's own options list maps the
            # keys when the facts carry it (include_options), else the shipped option catalog.
            self.config = DeploymentConfig.from_facts(facts['config'], facts.get('options'))
        else:
            self.config = None

    def find(self, section, path):
        if section == 'config':
            if self.config is None:
                raise InputError('no config facts to check %r against' % path)
            try:
                setting = self.config.resolve(path)
            except InputError:
                missing = self.config.missing_setting(path, self.version)
                if missing:
                    raise _NotInRelease(missing)
                raise
            return _Target('config.' + setting.resolved_as, setting.value, setting.type, setting.type == 'secret')
        if section not in self.facts:
            raise InputError('no %s facts to check %r against' % (section, path))
        resolved_as = '%s.%s' % (section, path)
        return _Target(resolved_as, _fact_value(self.facts[section], path, section), _KINDS.get(resolved_as))


# --- one check --------------------------------------------------------------------------------------

def _shown(value, kind):
    """The actual value as a record shows it: durations in Go's spelling, like the desired side."""
    if kind == 'duration' and isinstance(value, (int, float)) and not isinstance(value, bool):
        return format_go_duration(value)
    return value


def _condition_holds(condition, resolver):
    target = resolver.find(condition.section, condition.path)
    return compare(condition.operator, target.value, condition.value, target.kind)


def _condition_text(condition):
    return '%s %s %s' % (condition.key, condition.operator, _reports.shown_value(condition.value))


def _literal_mismatch(check, target):
    """A mapping compared as a plain value against a setting that is no mapping is nearly always a typo."""
    if check.operator != 'eq' or not isinstance(check.expected, dict) or isinstance(target.value, dict):
        return None
    hints = []
    for name in list(check.expected)[:_reports.MAX_LISTED]:
        hints.extend(match for match in difflib.get_close_matches(str(name), OPERATORS, n=2) if match not in hints)
    hint = ('did you mean the operator %s?' % ' or '.join(hints)) if hints else \
        'use one of the operators %s' % ', '.join(OPERATORS)
    return 'expected value is a mapping but the setting is not; %s' % hint


def _record(check, resolved_as, actual, status, description=None):
    record = dict(key=check.key, resolved_as=resolved_as, expected=check.expected, actual=actual,
                  operator=check.operator, severity=check.severity, status=status, source=check.source)
    text = description if description is not None else check.description
    if text:
        record['description'] = text
    return record


def _error_record(check, resolved_as, problem):
    text = 'error: %s' % _reports.clipped(problem, _reports.MAX_PROBLEM)
    if check.description:
        text = '%s (%s)' % (text, check.description)
    return _record(check, resolved_as, None, 'error', text)


def _evaluate_check(check, resolver):
    try:
        target = resolver.find(check.section, check.path)
    except (_NotInRelease, UnknownKeyError) as exc:
        if check.source == 'desired':
            return None, _error_record(check, None, str(exc))
        # Baselines follow the newest Coder; a setting an older server lacks cannot be set wrong there.
        reason = str(exc) if isinstance(exc, _NotInRelease) else 'this deployment has no setting %r' % check.path
        return None, _record(check, None, None, 'skipped', 'skipped: %s' % reason)
    except ValueError as exc:
        return None, _error_record(check, None, str(exc))
    actual = _shown(target.value, target.kind)
    if target.secret and check.operator != 'set':
        return target, _error_record(check, target.resolved_as, 'this is a secret the server never returns; '
                                                                'only set: true or set: false can check it')
    mismatch = _literal_mismatch(check, target)
    if mismatch:
        return target, _error_record(check, target.resolved_as, mismatch)
    try:
        if check.when and not _condition_holds(check.when, resolver):
            note = 'not applicable: %s does not hold' % _condition_text(check.when)
            if check.description:
                note = '%s (%s)' % (check.description, note)
            return target, _record(check, target.resolved_as, actual, 'pass', note)
        holds = compare(check.operator, target.value, check.expected, target.kind)
    except (ComparisonError, ValueError) as exc:
        return target, _error_record(check, target.resolved_as, str(exc))
    return target, _record(check, target.resolved_as, actual, 'pass' if holds else 'drift')


def _expiry_notice(waiver, today, warn_days):
    """A warning about a waiver that has expired or soon will, or None."""
    left = (waiver.expires_date - today).days
    if left < 0:
        return "waiver for '%s' expired on %s: its drift counts again (%s)" % (
            _reports.clipped(waiver.key, 60), waiver.expires_date.isoformat(), _reports.clipped(waiver.reason, 60))
    if left <= warn_days:
        return "waiver for '%s' expires %s (%s): %s" % (
            _reports.clipped(waiver.key, 60), 'today' if left == 0 else 'in %s' % _reports.counted(left, 'day'),
            waiver.expires_date.isoformat(), _reports.clipped(waiver.reason, 60))
    return None


def _apply_waivers(records, waivers, resolver, today, warnings, warn_days):
    # Indexed, not searched per waiver: thousands of waivers and checks take linear time.
    by_key, by_path = {}, {}
    for index, record in enumerate(records):
        by_key.setdefault(record['key'], []).append(index)
        if record['resolved_as']:
            by_path.setdefault(record['resolved_as'], []).append(index)
    for waiver in waivers:
        try:
            waived_path = resolver.find(waiver.section, waiver.path).resolved_as
        except ValueError:
            waived_path = None
        matches = [records[index] for index in sorted(set(by_key.get(waiver.key, []) + by_path.get(waived_path, [])))]
        if not matches:
            warnings.append("waiver for '%s' matches no check" % _reports.clipped(waiver.key))
            continue
        expired = today > waiver.expires_date
        notice = _expiry_notice(waiver, today, warn_days)
        if notice:
            warnings.append(notice)
        drifted = [record for record in matches if record['status'] in ('drift', 'waived')]
        if not drifted:
            warnings.append("waiver for '%s' is not needed: its check does not drift" % _reports.clipped(waiver.key))
        for record in drifted:
            if record['status'] == 'waived':
                continue
            record['waiver'] = waiver.public(expired)
            if not expired:
                record['status'] = 'waived'


# --- the health report -----------------------------------------------------------------------------------

DISMISSED_REASON = 'dismissed in Coder'
# How much a health drift weighs: as bad as the section's own severity (fail_on: high stops a run on
# errors only); a code the desired state forbids weighs high wherever it appears.
_HEALTH_WEIGHT = {'ok': 'low', 'warning': 'medium', 'error': 'high'}
_FORBIDDEN_WEIGHT = 'high'


def _section_findings(section):
    """{code or None: ["CODE: message", ...]} of a section, in order: its warnings, then the lines of its
    error, which Coder starts with the code (several proxy errors are joined by newlines; some have none)."""
    findings = {}
    for warning in section.get('warnings') or ():
        code = warning.get('code') or None
        findings.setdefault(code, []).append('%s: %s' % (code, warning.get('message')) if code
                                             else str(warning.get('message')))
    for line in str(section.get('error') or '').splitlines():
        if line.strip():
            codes = _health.error_codes(line)
            findings.setdefault(codes[0] if codes else None, []).append(line.strip())
    return findings


def _finding_text(code, messages, dismissed):
    """What a health record's description says: the code's messages (how often), the docs link."""
    text = '; '.join(dict.fromkeys(messages))
    if len(messages) > 1:
        text += ' (%d times)' % len(messages)
    if code:
        text = '%s; see %s' % (text, _health.docs_url(code))
    if dismissed:
        text = ('%s (%s)' % (text, DISMISSED_REASON)) if text else DISMISSED_REASON
    return _reports.clipped(text, _reports.MAX_PROBLEM)


def _section_records(spec, name, section):
    """The records of one section of the health report: one per code found in it, else one for the section."""
    rule = spec.rule(name)
    findings = _section_findings(section)
    forbidden = [code for code in findings if code in spec.forbidden_codes]
    if rule is None and not forbidden:
        return []
    base = 'health.' + name
    level = section.get('severity')
    if level not in HEALTH_LEVELS:
        # A newer server's severity: reported, not guessed at.
        return [dict(key=base, resolved_as=base, expected=rule.expected if rule else None, actual=level,
                     operator=rule.operator if rule else 'not_in', severity=_FORBIDDEN_WEIGHT, status='error',
                     source=spec.source, description='error: the server reports the severity %s, which is none of %s'
                     % (_reports.shown_value(level), ', '.join(HEALTH_LEVELS)))]
    dismissed = section.get('dismissed') is True
    records = []
    for code, messages in (findings or {None: []}).items():
        key = '%s.%s' % (base, code) if code else base
        if code in forbidden:
            record = dict(operator='not_in', expected=list(spec.forbidden_codes), actual=code,
                          severity=_FORBIDDEN_WEIGHT, status='drift')
        elif rule is None:
            continue
        else:
            record = dict(operator=rule.operator, expected=rule.expected, actual=level, severity=_HEALTH_WEIGHT[level],
                          status='pass' if level in rule.allowed else 'drift')
        record.update(key=key, resolved_as=key, source=spec.source)
        text = _finding_text(code, messages, dismissed)
        if text:
            record['description'] = text
        if code:
            record['docs_url'] = _health.docs_url(code)
        if dismissed and record['status'] == 'drift':
            # As the dashboard shows it: a dismissed section does not count against the deployment.
            record.update(status='waived', waiver=dict(key=key, reason=DISMISSED_REASON, expires=None, expired=False))
        records.append(record)
    return records


def _health_records(spec, facts):
    """One record per code (or per section without one) of the health report the facts hold."""
    sections = (facts.get('health') or {}).get('sections') if isinstance(facts.get('health'), dict) else None
    if not isinstance(sections, dict):
        return [dict(key='health', resolved_as=None, expected=None, actual=None, operator='eq',
                     severity=_FORBIDDEN_WEIGHT, status='error', source=spec.source,
                     description='error: no health report in the facts to check the health section against')]
    records = []
    for name in sorted(sections):
        if isinstance(sections[name], dict):
            records.extend(_section_records(spec, name, sections[name]))
    return records


# --- the whole evaluation -----------------------------------------------------------------------------

class Result:
    """Records and summary of one evaluation; ``passed`` applies ``fail_on``."""

    def __init__(self, records, fail_on, warnings):
        self.records = records
        self.fail_on = fail_on
        self.warnings = warnings
        self.failing = [record for record in records if record['status'] == 'error' or (
            record['status'] == 'drift' and _RANK[record['severity']] >= _RANK[fail_on])]
        self.passed = not self.failing

    @property
    def drift(self):
        return [record for record in self.records if record['status'] == 'drift']

    @property
    def summary(self):
        counts = dict((status, 0) for status in STATUSES)
        by_severity = dict((severity, 0) for severity in SEVERITIES)
        for record in self.records:
            counts[record['status']] += 1
            if record['status'] == 'drift':
                by_severity[record['severity']] += 1
        return dict(total=len(self.records), failing=len(self.failing), fail_on=self.fail_on,
                    drift_by_severity=by_severity, **counts)

    @property
    def outcome(self):
        return _reports.outcome_of(self.records, self.passed)

    def message(self, deployment):
        """One line: the verdict, the counts and the deployment (the plan lists the checks)."""
        summary = self.summary
        counts = '%s: %d passed, %d drifted, %d waived, %s%s' % (
            _reports.counted(summary['total'], 'check'), summary['pass'], summary['drift'], summary['waived'],
            _reports.counted(summary['error'], 'error'), _reports.skipped_count(summary))
        return 'drift check %s on %s (%s; fail_on: %s)' % (
            'passed' if self.passed else 'failed', _reports.shortened(deployment, 60), counts, self.fail_on)

    def plan(self, deployment):
        """The console view: one line per check that fails the run, errors then drifts by severity, then the verdict."""
        lines = [_reports.console_line(record) for record in _by_severity(self.failing)]
        if len(lines) > _reports.MAX_LISTED:
            lines[_reports.MAX_LISTED:] = ['and %d more (see the records or the reports)' % (len(lines) - _reports.MAX_LISTED)]
        return lines + [self.message(deployment)]

    def console_warnings(self, deployment):
        """Drifts below fail_on (then the verdict, when it passed) and waiver notices, one line each:
        what does not fail the run but needs a look."""
        failing = set(id(record) for record in self.failing)
        below = [record for record in _by_severity(self.drift) if id(record) not in failing]
        lines = ['not failing (fail_on: %s): %s' % (self.fail_on, _reports.console_line(record))
                 for record in below[:_reports.MAX_LISTED]]
        if len(below) > _reports.MAX_LISTED:
            lines.append('and %d more drifts below fail_on %s' % (len(below) - _reports.MAX_LISTED, self.fail_on))
        if below and self.passed:
            lines.append(self.message(deployment))
        return lines + [_reports.shortened(warning, _reports.MAX_LINE) for warning in self.warnings]


def _by_severity(records):
    return sorted(records, key=lambda record: (record['status'] != 'error', -_RANK[record['severity']]))


def evaluate(desired, facts, waivers, fail_on, now, config_model=None, waiver_warn_days=14):
    """The Result of the checks of ``desired`` (a DesiredState) against ``facts`` (the ``coder`` facts).

    ``waivers``: parsed Waivers; ``now``: the date (or date and time) whose day decides whether a
    waiver has expired; ``config_model``: the value model of the deployment's own options list, when
    the config was fetched in this task (else the shipped option catalog maps config keys);
    ``waiver_warn_days``: a waiver that expires within this many days is warned about.
    """
    resolver = _Resolver(facts, config_model)
    records = []
    claimed = set()
    for check in desired.checks:
        target, record = _evaluate_check(check, resolver)
        records.append(record)
        if target is not None:
            claimed.add(target.resolved_as)
    for check in desired.baseline_checks:
        target, record = _evaluate_check(check, resolver)
        # The user's own check of a setting replaces the baseline's checks of it.
        if target is None or target.resolved_as not in claimed:
            records.append(record)
    if desired.health is not None:
        records.extend(_health_records(desired.health, facts))
    warnings = []
    today = now.date() if isinstance(now, datetime.datetime) else now
    _apply_waivers(records, waivers, resolver, today, warnings, waiver_warn_days)
    if len(warnings) > _reports.MAX_LISTED:
        # Each warning is a line of its own: the rest are counted in one more.
        warnings[_reports.MAX_LISTED:] = ['and %d more warnings about waivers' % (len(warnings) - _reports.MAX_LISTED)]
    return Result(records, fail_on, warnings)
