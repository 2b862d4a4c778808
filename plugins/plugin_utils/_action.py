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
import re

from ansible.errors import AnsibleError
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.errors import UnsupportedError
from ansible.plugins.action import ActionBase

from ansible_collections.coder.coderd.plugins.module_utils._client import CoderError
from ansible_collections.coder.coderd.plugins.module_utils._connection import with_variables
from ansible_collections.coder.coderd.plugins.module_utils._errors import TRACE_KEY
from ansible_collections.coder.coderd.plugins.module_utils._tasks import TASKS, argument_error, run_task
from ansible_collections.coder.coderd.plugins.plugin_utils._plugin import failure_text, show_trace, variable_template


class CoderAction(ActionBase):
    _supports_check_mode = True
    _supports_async = True
    _mutually_exclusive = ()

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super(CoderAction, self).run(tmp, task_vars)
        name = (self._task.resolved_action or self._task.action).rsplit('.', 1)[-1]
        # The ansible_coder_* vars go with the arguments: a module on a remote host has no vars.
        args = with_variables(self._task.args, task_vars, variable_template(self._templar))
        problem = control_character_problem(self._argument_spec(name), args)
        if problem:
            # Checked before the module is shipped too: a module logs its arguments to syslog, which
            # fails on a NUL with Ansible's own message, naming neither the option nor the deployment.
            return dict(result, failed=True, msg='%s: %s' % (name, problem))
        if not self._runs_on_controller():
            result.update(self._execute_module(module_name='coder.coderd.' + name, module_args=args,
                                               task_vars=task_vars, wrap_async=self._task.async_val))
            trace = result.pop(TRACE_KEY, None)
            if trace:
                show_trace(trace)
            return result
        validation = ArgumentSpecValidator(self._argument_spec(name),
                                           mutually_exclusive=self._mutually_exclusive).validate(args)
        if validation.error_messages:
            return dict(result, failed=True, msg=validation_failure(name, validation))
        warnings = []
        try:
            result.update(self._run_on_controller(name, validation.validated_parameters, warnings.append))
        except AnsibleError:
            raise
        except Exception as exc:  # pylint: disable=broad-except
            result.update(failed=True, msg=failure_text(exc))
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

    def _task_environment(self):
        """The controller environment as this task sees it (task and play ``environment:`` applied)."""
        environ = dict(os.environ)
        for entry in self._task.environment or []:
            entry = self._templar.template(entry)
            if isinstance(entry, dict):
                environ.update((str(key), str(value)) for key, value in entry.items() if value is not None)
        return environ


_CONTROL_CHARACTER = re.compile(r'[\x00-\x1f\x7f]')


def control_character_problem(spec, args):
    """The first text option (str or path, not no_log) holding a control character, said in one line.

    No user name, URL, path, key or version has one; no_log options are left to their own checks,
    which never echo the value.
    """
    for option, value in sorted(args.items()):
        kind = spec.get(option, {})
        if kind.get('type', 'str') in ('str', 'path') and not kind.get('no_log') and isinstance(value, str):
            found = _CONTROL_CHARACTER.search(value)
            if found:
                return '%s holds the control character U+%04X, which no value of this option has' \
                    % (option, ord(found.group()))
    return None


def validation_failure(name, validation):
    """One line for every problem with the task's arguments, worded as the module itself would."""
    problems = []
    for error in validation.errors.errors:
        text = argument_error(error.msg)
        # The validator leaves out the words AnsibleModule puts before the names.
        problems.append('unsupported parameters: %s' % text if isinstance(error, UnsupportedError) else text)
    return '%s: %s' % (name, '; '.join(problems))
