# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE to the coder.coderd collection: may change in any release without notice.
"""Module adapter: the same work as the action adapter, when the task runs on a remote host."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.coder.coderd.plugins.module_utils._client import CoderError, REQUESTS_IMPORT_ERROR
from ansible_collections.coder.coderd.plugins.module_utils._connection import url_password
from ansible_collections.coder.coderd.plugins.module_utils._errors import TRACE_KEY, InternalError, reportable
from ansible_collections.coder.coderd.plugins.module_utils._tasks import TASKS, argument_error, run_task


class _CoderModule(AnsibleModule):
    """AnsibleModule whose failures never show Python class reprs (its argument checks embed them)."""

    def fail_json(self, msg, **kwargs):
        super(_CoderModule, self).fail_json(msg=argument_error(msg), **kwargs)


def run_module(name):
    module = _CoderModule(argument_spec=TASKS[name].argument_spec, supports_check_mode=True)
    # A module echoes its arguments in its result (invocation.module_args):
    # Ansible masks no_log values there, and a password inside the url is one.
    password = url_password(module.params.get('url'))
    if password:
        module.no_log_values.add(password)
    if REQUESTS_IMPORT_ERROR is not None:
        module.fail_json(msg=missing_required_lib('requests'))
    try:
        result = run_task(name, module.params, module.warn, check_mode=module.check_mode)
    except Exception as exc:  # pylint: disable=broad-except
        error = reportable(exc)
        if isinstance(error, CoderError):
            module.fail_json(msg=str(error), error=error.to_dict())
        # The action plugin shows the traceback at -vvv.
        module.fail_json(msg=str(error), **({TRACE_KEY: error.trace} if isinstance(error, InternalError) else {}))
    module.exit_json(**result)
