# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

from ansible.errors import AnsibleError
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase

from ansible_collections.coder.coderd.plugins.module_utils._connection import display_url
from ansible_collections.coder.coderd.plugins.module_utils._desired_schema import DEFAULT_FAIL_ON, FAIL_ON_CHOICES
from ansible_collections.coder.coderd.plugins.module_utils._fleet import (
    file_names, member, outcome_counts, render_fleet, report_problem,
)
from ansible_collections.coder.coderd.plugins.module_utils._reports import (
    FORMATS, build_report, chosen_formats, counted, error_report, write_texts,
)
from ansible_collections.coder.coderd.plugins.plugin_utils._action import validation_failure
from ansible_collections.coder.coderd.plugins.plugin_utils._plugin import failure_text

# plugins/modules/fleet_report.py documents them.
OPTIONS = dict(
    report_dir=dict(type='path', required=True),
    report_formats=dict(type='list', elements='str', default=list(FORMATS), choices=list(FORMATS)),
    suffix=dict(type='str'),
    fail_on=dict(type='str', default=DEFAULT_FAIL_ON, choices=list(FAIL_ON_CHOICES)),
    result_var=dict(type='str', default='deployment_check_result'),
    hosts=dict(type='list', elements='str'),
)
# AWX (and Ansible Tower before it) gives every job these extra variables; a job that runs in a
# workflow (every slice of a sliced job does) also gets its workflow job's id.
_JOB_ID_VARS = ('awx_job_id', 'tower_job_id')
_WORKFLOW_JOB_ID_VARS = ('awx_workflow_job_id', 'tower_workflow_job_id')
# A drift report this large is not one the check wrote: it is refused rather than read into memory.
_MAX_REPORT = 64 * 1024 * 1024


class ActionModule(ActionBase):
    """Always on the controller: it reads the play's hosts' results and their report files there.

    One entry per host of the play: its JSON drift report when its check ran, an error when the
    host failed or was unreachable before its check, nothing but its name when its check has not
    run yet (a later ``serial`` batch).
    """

    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super(ActionModule, self).run(tmp, task_vars)
        validation = ArgumentSpecValidator(OPTIONS).validate(self._task.args)
        if validation.error_messages:
            return dict(result, failed=True, msg=validation_failure('fleet_report', validation))
        try:
            result.update(self._summarize(validation.validated_parameters, task_vars))
        except AnsibleError:
            raise
        except Exception as exc:  # pylint: disable=broad-except
            result.update(failed=True, msg=failure_text(exc))
        result['changed'] = False
        return result

    def _summarize(self, params, task_vars):
        hostvars = task_vars.get('hostvars', {})
        hosts = params['hosts'] if params['hosts'] is not None else task_vars.get('ansible_play_hosts_all', [])
        # Hosts that failed or were unreachable are no longer among the play's hosts.
        active = set(task_vars.get('ansible_play_hosts', hosts))
        directory = params['report_dir']
        members, not_checked = [], []
        for host in hosts:
            variables = hostvars[host] if host in hostvars else {}
            outcome = _variable(variables, params['result_var'])
            if isinstance(outcome, dict) and not outcome.get('skipped'):
                members.append(_checked(host, outcome, variables, params['fail_on'], directory))
            elif host in active or isinstance(outcome, dict):
                not_checked.append(host)
                continue
            else:
                cause = _variable(variables, 'coder_error')
                members.append(member(host, error_report(
                    _deployment(host, variables), 'the drift check did not run: %s' % (
                        cause or 'the host failed or was unreachable before it'), params['fail_on'])))
            # The inventory's health report (gather: [all, health]) when the check read none.
            inventory_health = _variable(variables, 'coder_health')
            if not members[-1]['health'] and isinstance(inventory_health, dict):
                members[-1]['health'] = inventory_health.get('severity')
        run = dict(limit=_variable(task_vars, 'ansible_limit'), hosts=len(hosts),
                   job_id=_first(task_vars, _JOB_ID_VARS), workflow_job_id=_first(task_vars, _WORKFLOW_JOB_ID_VARS))
        suffix = params['suffix'] if params['suffix'] is not None else _job_suffix(run)
        run['suffix'] = suffix
        formats = chosen_formats(params['report_formats'])
        texts = render_fleet(members, not_checked, run, formats=formats)
        written = write_texts(directory, texts, file_names(suffix), what='fleet report')
        counts = outcome_counts(members, not_checked)
        msg = 'fleet report of %s: %d error, %d drifted, %d passed%s; in %s' % (
            counted(counts['deployments'], 'deployment'), counts['error'], counts['drifted'], counts['passed'],
            ', %s not checked (yet)' % counted(len(not_checked), 'host') if not_checked else '', directory)
        return dict(reports=written, counts=counts, msg=msg)


def _job_suffix(run):
    """Jobs of one workflow (the slices of a sliced AWX job) may share the folder: each names its
    files after its own job id. A job of its own keeps the plain names."""
    if run['workflow_job_id'] is not None and run['job_id'] is not None:
        return '-job%s' % run['job_id']
    return ''


def _variable(variables, name):
    """The templated value of ``name``, or None when it is unset or cannot be templated."""
    try:
        return variables[name] if name in variables else None
    except AnsibleError:
        return None


def _first(variables, names):
    for name in names:
        value = _variable(variables, name)
        if value is not None and value != '':
            return str(value)
    return None


def _deployment(host, variables):
    """What a report names a host's deployment by when its check did not say: its URL, else the host."""
    url = _variable(variables, 'ansible_coder_url') or _variable(variables, 'coder_url')
    return display_url(str(url)) if url else host


def _checked(host, outcome, variables, fail_on, directory):
    """A host whose check ran: its JSON report read back, else the records of its registered result
    (fail=false returns them all), else its failure."""
    files = dict((name, path) for name, path in (outcome.get('reports') or {}).items() if isinstance(path, str))
    shown = dict((name, _relative(path, directory)) for name, path in files.items())
    if 'json' in files:
        report, problem = _read_report(files['json'])
        if report is not None:
            return member(host, report, shown)
        cause = 'cannot read its report %s: %s' % (files['json'], problem)
    elif all(name in outcome for name in ('records', 'summary', 'passed', 'context')):
        context = dict(outcome['context'])
        report = build_report(context.get('deployment') or _deployment(host, variables), outcome['records'],
                              outcome['summary'], outcome['passed'], baseline=context.get('baseline'), context=context)
        problem = report_problem(report)
        if not problem:
            return member(host, report, shown)
        cause = 'its registered result is not a drift check result: %s' % problem
    else:
        cause = outcome.get('msg') or 'its check left neither a JSON report nor records'
    return member(host, error_report(_deployment(host, variables), cause, fail_on), shown)


def _read_report(path):
    """(report, None) or (None, the problem in a few words)."""
    try:
        with open(path, 'rb') as stream:
            data = stream.read(_MAX_REPORT + 1)
        if len(data) > _MAX_REPORT:
            return None, 'larger than %d bytes' % _MAX_REPORT
        report = json.loads(data.decode('utf-8'))
    except OSError as exc:
        return None, exc.strerror or str(exc)
    except ValueError as exc:
        return None, 'invalid JSON: %s' % exc
    problem = report_problem(report)
    return (None, problem) if problem else (report, None)


def _relative(path, directory):
    """A per-host report's path as the index gives it: relative to the fleet report's folder when it
    is inside it (the folder is what CI keeps as an artifact), else as the check wrote it."""
    relative = os.path.relpath(os.path.abspath(path), os.path.abspath(directory))
    return path if relative.startswith(os.pardir) else relative
