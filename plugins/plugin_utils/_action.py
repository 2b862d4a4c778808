# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE to the coder.coderd collection: may change in any release without notice.
"""Action adapter: runs a coder.coderd module's work on the controller, in-process.

An API call made here costs a few milliseconds; the same call shipped as a module costs about a
quarter of a second (AnsiballZ, fork, interpreter start). The module itself is still executed when
the task really targets another host, because then the deployment may only be reachable from there.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.errors import UnsupportedError
from ansible.plugins.action import ActionBase

from ansible_collections.coder.coderd.plugins.module_utils._client import CoderError
from ansible_collections.coder.coderd.plugins.module_utils._connection import CONNECTION_ARGSPEC
from ansible_collections.coder.coderd.plugins.module_utils._tasks import TASKS, argument_error, run_task


class CoderAction(ActionBase):
    _supports_check_mode = True
    _supports_async = True
    _mutually_exclusive = ()

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super(CoderAction, self).run(tmp, task_vars)
        name = (self._task.resolved_action or self._task.action).rsplit('.', 1)[-1]
        args = self._with_connection_vars(dict(self._task.args), task_vars)
        if not self._runs_on_controller():
            result.update(self._execute_module(module_name='coder.coderd.' + name, module_args=args,
                                               task_vars=task_vars, wrap_async=self._task.async_val))
            return result
        validation = ArgumentSpecValidator(self._argument_spec(name),
                                           mutually_exclusive=self._mutually_exclusive).validate(args)
        if validation.error_messages:
            return dict(result, failed=True, msg=validation_failure(name, validation))
        warnings = []
        try:
            result.update(self._run_on_controller(name, validation.validated_parameters, warnings.append))
        except (CoderError, ValueError) as exc:
            result.update(failed=True, msg=str(exc))
            if isinstance(exc, CoderError):
                result['error'] = exc.to_dict()
        if warnings:
            result['warnings'] = result.get('warnings', []) + warnings
        result.setdefault('changed', False)
        return result

    def _argument_spec(self, name):
        """The options of module ``name``; an action plugin that does its own work names its own."""
        return TASKS[name].argument_spec

    def _run_on_controller(self, name, params, warn):
        """The module's work, in-process; subclasses with controller-side inputs extend it."""
        return run_task(name, params, warn, check_mode=bool(self._task.check_mode), environ=self._task_environment())

    def _runs_on_controller(self):
        # async tasks need the real module: the async wrapper runs modules, not in-process code.
        return getattr(self._connection, 'transport', None) == 'local' and not self._task.async_val

    def _with_connection_vars(self, args, task_vars):
        """``ansible_coder_<opt>`` vars fill options the task left unset (below the task, above env)."""
        for option in CONNECTION_ARGSPEC:
            var_name = 'ansible_coder_' + option
            if args.get(option) is None and var_name in task_vars:
                args[option] = self._templar.template(task_vars[var_name])
        return args

    def _task_environment(self):
        """The controller environment as this task sees it (task and play ``environment:`` applied)."""
        environ = dict(os.environ)
        for entry in self._task.environment or []:
            entry = self._templar.template(entry)
            if isinstance(entry, dict):
                environ.update((str(key), str(value)) for key, value in entry.items() if value is not None)
        return environ


def validation_failure(name, validation):
    """One line for every problem with the task's arguments, worded as the module itself would."""
    problems = []
    for error in validation.errors.errors:
        text = argument_error(error.msg)
        # The validator leaves out the words AnsibleModule puts before the names.
        problems.append('unsupported parameters: %s' % text if isinstance(error, UnsupportedError) else text)
    return '%s: %s' % (name, '; '.join(problems))
