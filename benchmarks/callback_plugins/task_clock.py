# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark helper, not part of the collection: when each task starts and when the play ends.

The wall time from one task's start to the next one's is everything Ansible spends on that task
(templating, queueing, the worker fork, the action, the result and its callbacks), which is what
a per-task overhead is. Writes {"starts": [...], "end": t} (time.perf_counter seconds) to the file
named by BENCH_TASK_CLOCK_PATH.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: task_clock
type: aggregate
short_description: Records task start times for benchmarks/run.py
description: Records when each task starts and when the playbook ends, for the per-task overhead benchmark.
requirements:
  - enabled in ANSIBLE_CALLBACKS_ENABLED, with BENCH_TASK_CLOCK_PATH set
'''

import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'task_clock'
    CALLBACK_NEEDS_ENABLED = True

    def v2_playbook_on_start(self, playbook):
        self._starts = []

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._starts.append(time.perf_counter())

    def v2_playbook_on_stats(self, stats):
        with open(os.environ['BENCH_TASK_CLOCK_PATH'], 'w') as stream:
            json.dump({'starts': self._starts, 'end': time.perf_counter()}, stream)
