"""Callback of the reliability suite: how long each task took on each host."""

import json
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = r"""
name: case_clock
type: aggregate
short_description: Write the duration of every task result to a JSON lines file
description:
  - Appends one line per task result to O(path) with the task name, the host and the seconds
    from the moment the task was handed to a worker until its result arrived.
  - Test helper of the coder.coderd reliability suite; not part of the collection.
options:
  path:
    description: File the lines are appended to.
    type: path
    required: true
    env:
      - name: CASE_CLOCK_PATH
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "case_clock"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self._started = {}

    def v2_runner_on_start(self, host, task):
        self._started[(host.get_name(), task._uuid)] = time.monotonic()

    def _finished(self, result):
        # Public since ansible-core 2.19; before, _host and _task.
        host, task = getattr(result, "host", None) or result._host, getattr(result, "task", None) or result._task
        started = self._started.pop((host.get_name(), task._uuid), None)
        if started is None:
            return
        line = json.dumps({"task": task.get_name(), "host": host.get_name(),
                           "seconds": round(time.monotonic() - started, 3)})
        with open(self.get_option("path"), "a", encoding="utf-8") as clock:
            clock.write(line + "\n")

    def v2_runner_on_ok(self, result):
        self._finished(result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._finished(result)

    def v2_runner_on_skipped(self, result):
        self._finished(result)

    def v2_runner_on_unreachable(self, result):
        self._finished(result)
