# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import os

import yaml
from ansible.errors import AnsibleError
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase

from ansible_collections.coder.coderd.plugins.module_utils._client import CoderError
from ansible_collections.coder.coderd.plugins.module_utils._drift import assert_deployment
from ansible_collections.coder.coderd.plugins.module_utils._tasks import TASKS, run_task
from ansible_collections.coder.coderd.plugins.plugin_utils._action import CoderAction, validation_failure

_NAME = 'deployment_assert'
_EXCLUSIVE = (('desired', 'desired_file'), ('waivers', 'waivers_file'))


class _PlainDatesLoader(yaml.SafeLoader):
    """YAML without timestamp parsing: a waiver's ``expires: 2026-01-31`` stays the text it was written as."""


_PlainDatesLoader.add_constructor(u'tag:yaml.org,2002:timestamp', _PlainDatesLoader.construct_yaml_str)


class ActionModule(CoderAction):
    """Always on the controller: the desired state and waivers are controller files, and the check only reads."""

    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        # ActionBase's own run, not CoderAction's: that one ships the module to remote hosts and
        # always connects, while this check may have nothing to fetch (facts given).
        result = ActionBase.run(self, tmp, task_vars)
        args = self._with_connection_vars(dict(self._task.args), task_vars)
        validation = ArgumentSpecValidator(TASKS[_NAME].argument_spec, mutually_exclusive=_EXCLUSIVE).validate(args)
        if validation.error_messages:
            return dict(result, failed=True, msg=validation_failure(_NAME, validation))
        params = validation.validated_parameters
        warnings = []
        try:
            self._read_files(params)
            if params['facts'] is not None:
                result.update(assert_deployment(params))
            else:
                result.update(run_task(_NAME, params, warnings.append, check_mode=bool(self._task.check_mode),
                                       environ=self._task_environment()))
        except (CoderError, ValueError) as exc:
            result.update(failed=True, msg=str(exc))
            if isinstance(exc, CoderError):
                result['error'] = exc.to_dict()
        warnings = result.pop('warnings', []) + warnings
        if warnings:
            result['warnings'] = warnings
        result.setdefault('changed', False)
        return result

    def _read_files(self, params):
        """Replace desired_file / waivers_file by their parsed content, remembering where it came from."""
        if params['desired_file']:
            params['desired'] = self._load_yaml('desired_file', params['desired_file'])
            if params['desired'] is None:
                params['desired'] = {}
            params['desired_source'] = 'desired_file %s' % params['desired_file']
        if params['waivers_file']:
            params['waivers'] = self._load_yaml('waivers_file', params['waivers_file']) or []
            params['waivers_source'] = 'waivers_file %s' % params['waivers_file']
        params['waivers'] = _dates_as_text(params['waivers'])

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
            with open(found, encoding='utf-8') as stream:
                return yaml.load(stream, Loader=_PlainDatesLoader)
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
