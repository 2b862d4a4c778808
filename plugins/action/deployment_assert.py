# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json
import os

import yaml
from ansible.errors import AnsibleError
from ansible.release import __version__ as ANSIBLE_CORE_VERSION

from ansible_collections.coder.coderd.plugins.module_utils._api import Deployment, gather
from ansible_collections.coder.coderd.plugins.module_utils._baselines import NAMES as BASELINE_NAMES
from ansible_collections.coder.coderd.plugins.module_utils._client import CoderError
from ansible_collections.coder.coderd.plugins.module_utils._connection import (
    CONNECTION_ARGSPEC, ConnectionOptions, display_url,
)
from ansible_collections.coder.coderd.plugins.module_utils._desired import (
    MAX_DEPTH, MAX_TEXT, DesiredState, parse_waivers, required_subsets,
)
from ansible_collections.coder.coderd.plugins.module_utils._desired_schema import DEFAULT_FAIL_ON, FAIL_ON_CHOICES
from ansible_collections.coder.coderd.plugins.module_utils._drift import evaluate
from ansible_collections.coder.coderd.plugins.module_utils._errors import CoderdError, InputError
from ansible_collections.coder.coderd.plugins.module_utils._inventory_facts import DEFAULT_MAX_AGE, inventory_facts
from ansible_collections.coder.coderd.plugins.module_utils._reports import (
    FORMATS as REPORT_FORMATS, ReportError, build_report, console_value, error_report, now_utc, shortened, timestamp,
    write_reports,
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
    inventory_facts=dict(type='bool', default=False),
    inventory_facts_max_age=dict(type='int', default=DEFAULT_MAX_AGE),
    processing_timeout=PROCESSING_TIMEOUT,
    waiver_warn_days=dict(type='int', default=14),
    fail=dict(type='bool', default=True),
)
# The folder of the collection this plugin belongs to (plugins/action/ is two levels below it).
_COLLECTION_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


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

    def run(self, tmp=None, task_vars=None):
        # The host's variables hold the inventory's facts (inventory_facts).
        self._host_variables = task_vars or {}
        return super(ActionModule, self).run(tmp, task_vars)

    def _runs_on_controller(self):
        return True

    def _argument_spec(self, name):
        return dict(CONNECTION_ARGSPEC, **OPTIONS)

    def _run_on_controller(self, name, params, warn):
        context = dict(desired=_document_name(params), baseline=params['baseline'],
                       collection_version=_collection_version(), ansible_core_version=ANSIBLE_CORE_VERSION,
                       started_at=timestamp(now_utc()), coder_version=None, token_role=None)
        try:
            return self._check(params, warn, context)
        except CoderdError as exc:
            # A check that cannot run still leaves reports, so that CI shows why instead of "no report".
            answer = dict(failed=True, msg=str(exc), outcome='error', reports={})
            if isinstance(exc, CoderError):
                answer['error'] = exc.to_dict()
                if exc.status == 403 and exc.path == '/deployment/config':
                    context['token_role'] = 'cannot read the deployment config (neither owner nor auditor)'
            if params['report_dir'] and not isinstance(exc, ReportError):
                context['finished_at'] = timestamp(now_utc())
                report = error_report(_deployment_name(params, exc, self._task_environment()), str(exc),
                                      params['fail_on'], params['baseline'], context)
                try:
                    answer['reports'] = write_reports(report, params['report_dir'], params['report_formats'])
                except InputError as unwritable:
                    answer['msg'] = '%s; no report either: %s' % (answer['msg'], unwritable)
            return answer

    def _check(self, params, warn, context):
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
        notes = {}
        facts, where, config_model = self._facts(params, subsets, desired.token_config_user, warn, notes, context)
        context.update(coder_version=(facts.get('build') or {}).get('version'), token_role=_token_role(facts),
                       health=(facts.get('health') or {}).get('severity'))
        result = evaluate(desired, facts, waivers, params['fail_on'], datetime.datetime.now(), config_model,
                          params['waiver_warn_days'])
        written = {}
        context.update(deployment=where, finished_at=timestamp(now_utc()))
        if params['report_dir']:
            report = build_report(where, result.records, result.summary, result.passed, baseline=params['baseline'],
                                  context=context)
            written = write_reports(report, params['report_dir'], params['report_formats'])
        for warning in result.console_warnings(where):
            warn(warning)
        answer = dict(notes, passed=result.passed, outcome=result.outcome, plan=result.plan(where), reports=written,
                      msg=result.message(where))
        if self._task.diff and result.drift:
            # The default callback shows the diff of a changed result only: under --diff a drift is the
            # change the desired state asks for; without --diff the check never reports a change.
            answer.update(diff=[_drift_diff(record) for record in result.drift], changed=True)
        if result.passed or not params['fail']:
            answer.update(summary=result.summary, drift=result.drift, records=result.records, subsets=subsets,
                          context=context)
        else:
            # Ansible prints a failed task's whole result: the plan, one line per failing check, is
            # what a person reads; the records are in the reports (and in the result with fail=false).
            answer.update(failed=True, _ansible_verbose_always=True)
        return answer

    def _facts(self, params, subsets, user, warn, notes, context):
        """(facts, where they come from, the deployment's own config model or None)."""
        if params['facts'] is not None:
            # Facts gathered earlier: nothing to fetch, so no connection at all.
            facts = params['facts']
            missing = [name for name in subsets if name not in facts]
            if missing:
                raise InputError('facts lack %s, which the desired state checks; gather them with deployment_info '
                                 '(gather_subset) or leave facts unset' % ', '.join(missing))
            given_user = (facts.get('token_config') or {}).get('user', 'me')
            if 'token_config' in subsets and given_user != user:
                raise InputError('facts hold the token_config of user %r, the desired state checks that of %r; '
                                 'gather them with deployment_info (user) or leave facts unset'
                                 % (given_user, user))
            return facts, facts.get('url') or 'the given facts', None
        known, url = self._inventory_facts(params, subsets, user, notes)
        missing = [name for name in subsets if name not in known]
        if known and not missing:
            return dict(known, url=url), url, None
        with connect(params, warn, self._task_environment()) as client:
            deployment = Deployment(client)
            # The build info (one small request) gives the reports the Coder version even when no check reads it.
            gathered = gather(deployment, sorted(set(missing) | ({'build'} - set(known))), user=user,
                              processing_timeout=params['processing_timeout'])
            facts = dict(gathered.facts, **known)
            # The report of a check that cannot run (a member's token refused the config) still names the release.
            context['coder_version'] = (facts.get('build') or {}).get('version')
            if gathered.failures:
                raise gathered.error()
            # Config keys resolve against the server's own options list, already fetched and normalized.
            return facts, deployment.url, deployment.config_model() if 'config' in missing else None

    def _inventory_facts(self, params, subsets, user, notes):
        """({subset: facts} the host's fresh inventory facts hold, the deployment's URL), with inventory_facts.

        What was used, or why nothing was, goes to ``notes`` (the task result's inventory_facts).
        """
        if not params['inventory_facts']:
            return {}, None
        try:
            url = display_url(ConnectionOptions.from_params(params, self._task_environment()).settings().url)
        except ValueError:
            return {}, None  # the connection says what is wrong with its options
        known, reason = inventory_facts(self._host_variables, url, set(subsets) | {'build'}, user,
                                        params['inventory_facts_max_age'], now_utc())
        notes['inventory_facts'] = dict(used=sorted(name for name in known if name in subsets), reason=reason)
        return known, url

    def _load_yaml(self, option, path):
        try:
            found = self._find_needle('files', path)
        except AnsibleError:
            # CI jobs name files relative to the checkout they run in, not to the playbook.
            if not os.path.isfile(path):
                raise InputError("%s: cannot find %s (looked in the role's files/, next to the playbook and in "
                                 "the current directory)" % (option, path))
            found = path
        try:
            with open(found, 'rb') as stream:
                content = stream.read(MAX_TEXT + 1)
            if len(content) > MAX_TEXT:
                raise InputError('%s %s: refused: larger than %d bytes' % (option, path, MAX_TEXT))
            return yaml.load(content.decode('utf-8'), Loader=_DocumentLoader)
        except _TooDeep as exc:
            raise InputError('%s %s: refused: nested more than %d levels deep (line %d)'
                             % (option, path, MAX_DEPTH, exc.problem_mark.line + 1))
        except yaml.YAMLError as exc:
            mark = getattr(exc, 'problem_mark', None)
            where = ' at line %d column %d' % (mark.line + 1, mark.column + 1) if mark else ''
            raise InputError('%s %s: invalid YAML%s: %s' % (option, path, where, getattr(exc, 'problem', None) or exc))
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError('%s %s: cannot read it: %s' % (option, path, getattr(exc, 'strerror', None) or exc))


def _document_name(params):
    """The desired document as the reports name it: its path relative to the working directory, or how it was given."""
    if params['desired_file']:
        return os.path.relpath(params['desired_file']) if os.path.isabs(params['desired_file']) \
            else params['desired_file']
    return 'inline' if params['desired'] is not None else 'none'


def _deployment_name(params, exc, environ):
    """The deployment a check that could not run was about, without any password, or what is known of it."""
    if isinstance(exc, CoderError) and exc.deployment:
        return display_url(exc.deployment)
    if params['facts'] is not None:
        return params['facts'].get('url') or 'the given facts'
    try:
        return display_url(ConnectionOptions.from_params(params, environ).settings().url)
    except ValueError:
        return display_url(params['url']) if params['url'] else 'unknown deployment'


def _token_role(facts):
    if 'config' in facts:
        return 'can read the deployment config (owner or auditor)'
    return None


def _collection_version():
    """The version of this collection: MANIFEST.json once installed, galaxy.yml in a source tree."""
    try:
        with open(os.path.join(_COLLECTION_ROOT, 'MANIFEST.json'), encoding='utf-8') as stream:
            return json.load(stream)['collection_info']['version']
    except (OSError, ValueError, KeyError):
        pass
    try:
        with open(os.path.join(_COLLECTION_ROOT, 'galaxy.yml'), encoding='utf-8') as stream:
            return str(yaml.safe_load(stream)['version'])
    except (OSError, yaml.YAMLError, KeyError, TypeError):
        return None


def _drift_diff(record):
    """One drifted check as Ansible shows a diff: before is the deployment, after the desired state."""
    key = shortened(record['key'], 80)
    return dict(before_header='%s (actual)' % key, after_header='%s (desired)' % key,
                before='%s\n' % shortened('%s: %s' % (key, console_value(record['actual'])), 170),
                after='%s\n' % shortened('%s: %s %s' % (key, record['operator'], console_value(record['expected'])),
                                         170))


def _dates_as_text(waivers):
    """Dates that a YAML parser upstream (playbook vars) turned into objects, back to YYYY-MM-DD."""
    if not isinstance(waivers, list):
        return waivers
    return [dict(waiver, expires=waiver['expires'].strftime('%Y-%m-%d'))
            if isinstance(waiver, dict) and isinstance(waiver.get('expires'), datetime.date) else waiver
            for waiver in waivers]
