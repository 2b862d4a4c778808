"""Callback of the integration tests: every task result as one JSON line, for assertions."""

import json
import time

from ansible.module_utils.common.json import AnsibleJSONEncoder
from ansible.plugins.callback import CallbackBase
from ansible.vars.clean import strip_internal_keys

DOCUMENTATION = r"""
name: capture
type: aggregate
short_description: Write every task result to a JSON lines file
description:
  - Appends one line per task result to O(path) with the task name, the host, the status
    (V(ok), V(failed), V(skipped) or V(unreachable)) and the result as registered.
  - Test helper of the coder.coderd integration tests; not part of the collection.
options:
  path:
    description: File the lines are appended to.
    type: path
    required: true
    env:
      - name: CAPTURE_RESULTS_PATH
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "capture"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._started = {}

    def v2_runner_on_start(self, host, task):
        self._started[(host.get_name(), task._uuid)] = time.monotonic()

    def _record(self, result, status):
        # ansible-core 2.19 made the task result's host, task and result public; before, they had a
        # leading underscore.
        host, task, fields = (getattr(result, name, None) or getattr(result, "_" + name)
                              for name in ("host", "task", "result"))
        started = self._started.pop((host.get_name(), task._uuid), None)
        line = json.dumps(
            {
                "task": task.get_name(),
                "host": host.get_name(),
                "status": status,
                "result": strip_internal_keys(dict(fields)),
                # Seconds the task itself ran: timing assertions must not include playbook start-up.
                "duration": None if started is None else time.monotonic() - started,
            },
            cls=AnsibleJSONEncoder,
            sort_keys=True,
        )
        with open(self.get_option("path"), "a", encoding="utf-8") as capture:
            capture.write(line + "\n")

    def v2_runner_on_ok(self, result):
        self._record(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, "failed")

    def v2_runner_on_skipped(self, result):
        self._record(result, "skipped")

    def v2_runner_on_unreachable(self, result):
        self._record(result, "unreachable")
