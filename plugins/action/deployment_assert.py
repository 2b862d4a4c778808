# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import os

import yaml
from ansible.errors import AnsibleError

from ansible_collections.coder.coderd.plugins.module_utils._api import Deployment, gather_facts
from ansible_collections.coder.coderd.plugins.module_utils._baselines import NAMES as BASELINE_NAMES
from ansible_collections.coder.coderd.plugins.module_utils._connection import CONNECTION_ARGSPEC
from ansible_collections.coder.coderd.plugins.module_utils._desired import (
    MAX_DEPTH, MAX_TEXT, DesiredState, parse_waivers, required_subsets,
)
from ansible_collections.coder.coderd.plugins.module_utils._desired_schema import DEFAULT_FAIL_ON, FAIL_ON_CHOICES
from ansible_collections.coder.coderd.plugins.module_utils._drift import evaluate
from ansible_collections.coder.coderd.plugins.module_utils._reports import (
    FORMATS as REPORT_FORMATS, build_report, write_reports,
)
from ansible_collections.coder.coderd.plugins.module_utils._tasks import PROCESSING_TIMEOUT, connect
from ansible_collections.coder.coderd.plugins.plugin_utils._action import CoderAction

# The options besides the connection ones; plugins/modules/deployment_assert.py documents them.
OPTIONS = dict(
    desired=dict(type='dict'),
    desired_file=dict(type='path'),
    waivers=dict(type='list', elements='dict'),
    waivers_file=dict(type='path'),
    baseline=dict(type='str', default='none', choices=list(BASELINE_NAMES)),
    fail_on=dict(type='str', default=DEFAULT_FAIL_ON, choices=list(FAIL_ON_CHOICES)),
    report_dir=dict(type='path'),
    report_formats=dict(type='list', elements='str', default=list(REPORT_FORMATS), choices=list(REPORT_FORMATS)),
    facts=dict(type='dict'),
    processing_timeout=PROCESSING_TIMEOUT,
)


class _TooDeep(yaml.YAMLError):
    def __init__(self, mark):
        super().__init__()
        self.problem_mark = mark


class _DocumentLoader(yaml.SafeLoader):
    """Safe YAML with two changes: a waiver's ``expires: 2026-01-31`` stays the text it was written
    as (no timestamp parsing), and nesting stops at MAX_DEPTH while composing, where PyYAML recurses.
    Alias expansion is bounded after loading, when the document is compiled."""

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):
        if self._depth >= MAX_DEPTH and self.check_event(yaml.SequenceStartEvent, yaml.MappingStartEvent):
            raise _TooDeep(self.peek_event().start_mark)
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


_DocumentLoader.add_constructor('tag:yaml.org,2002:timestamp', _DocumentLoader.construct_yaml_str)


class ActionModule(CoderAction):
    """Always on the controller: the desired state and waivers are controller files, and the check only reads.

    Reads the files, compiles the documents, gathers the facts the checks need (or takes the given
    ones), evaluates, writes the reports and shapes the task result.
    """

    _supports_async = False
    _mutually_exclusive = (('desired', 'desired_file'), ('waivers', 'waivers_file'))

    def _runs_on_controller(self):
        return True

    def _argument_spec(self, name):
        return dict(CONNECTION_ARGSPEC, **OPTIONS)

    def _run_on_controller(self, name, params, warn):
        desired, desired_source = params['desired'], 'desired state'
        if params['desired_file']:
            desired = self._load_yaml('desired_file', params['desired_file'])
            desired, desired_source = desired or {}, 'desired_file %s' % params['desired_file']
        waivers, waivers_source = params['waivers'], 'waivers'
        if params['waivers_file']:
            waivers = self._load_yaml('waivers_file', params['waivers_file']) or []
            waivers_source = 'waivers_file %s' % params['waivers_file']
        desired = DesiredState.from_document(desired, desired_source, params['baseline'])
        waivers = parse_waivers(_dates_as_text(waivers), waivers_source)
        subsets = required_subsets(desired)
        facts, where, config_model = self._facts(params, subsets, desired.token_config_user, warn)
        result = evaluate(desired, facts, waivers, params['fail_on'], datetime.datetime.now(), config_model)
        written = {}
        if params['report_dir']:
            report = build_report(where, result.records, result.summary, result.passed, baseline=params['baseline'])
            written = write_reports(report, params['report_dir'], params['report_formats'])
        for warning in result.warnings:
            warn(warning)
        answer = dict(passed=result.passed, summary=result.summary, drift=result.drift, records=result.records,
                      reports=written, msg=result.message(where), subsets=subsets)
        if not result.passed:
            answer['failed'] = True
        return answer

    def _facts(self, params, subsets, user, warn):
        """(facts, where they come from, the deployment's own config model or None)."""
        if params['facts'] is not None:
            # Facts gathered earlier: nothing to fetch, so no connection at all.
            facts = params['facts']
            missing = [name for name in subsets if name not in facts]
            if missing:
                raise ValueError('facts lack %s, which the desired state checks; gather them with deployment_info '
                                 '(gather_subset) or leave facts unset' % ', '.join(missing))
            given_user = (facts.get('token_config') or {}).get('user', 'me')
            if 'token_config' in subsets and given_user != user:
                raise ValueError('facts hold the token_config of user %r, the desired state checks that of %r; '
                                 'gather them with deployment_info (user) or leave facts unset'
                                 % (given_user, user))
            return facts, facts.get('url') or 'the given facts', None
        with connect(params, warn, self._task_environment()) as client:
            deployment = Deployment(client)
            facts = gather_facts(deployment, subsets, user, processing_timeout=params['processing_timeout'])
            # Config keys resolve against the server's own options list, already fetched and normalized.
            return facts, deployment.url, deployment.config_model() if 'config' in subsets else None

    def _load_yaml(self, option, path):
        try:
            found = self._find_needle('files', path)
        except AnsibleError:
            # CI jobs name files relative to the checkout they run in, not to the playbook.
            if not os.path.isfile(path):
                raise ValueError("%s: cannot find %s (looked in the role's files/, next to the playbook and in "
                                 "the current directory)" % (option, path))
            found = path
        try:
            with open(found, 'rb') as stream:
                content = stream.read(MAX_TEXT + 1)
            if len(content) > MAX_TEXT:
                raise ValueError('%s %s: refused: larger than %d bytes' % (option, path, MAX_TEXT))
            return yaml.load(content.decode('utf-8'), Loader=_DocumentLoader)
        except _TooDeep as exc:
            raise ValueError('%s %s: refused: nested more than %d levels deep (line %d)'
                             % (option, path, MAX_DEPTH, exc.problem_mark.line + 1))
        except yaml.YAMLError as exc:
            mark = getattr(exc, 'problem_mark', None)
            where = ' at line %d column %d' % (mark.line + 1, mark.column + 1) if mark else ''
            raise ValueError('%s %s: invalid YAML%s: %s' % (option, path, where, getattr(exc, 'problem', None) or exc))
        except (OSError, UnicodeDecodeError) as exc:
            raise ValueError('%s %s: cannot read it: %s' % (option, path, getattr(exc, 'strerror', None) or exc))


def _dates_as_text(waivers):
    """Dates that a YAML parser upstream (playbook vars) turned into objects, back to YYYY-MM-DD."""
    if not isinstance(waivers, list):
        return waivers
    return [dict(waiver, expires=waiver['expires'].strftime('%Y-%m-%d'))
            if isinstance(waiver, dict) and isinstance(waiver.get('expires'), datetime.date) else waiver
            for waiver in waivers]
