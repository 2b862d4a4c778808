# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE to the coder.coderd collection: may change in any release without notice.
"""Waiting until a deployment answers (after a start or an upgrade), bounded by a total time."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.coder.coderd.plugins.module_utils._api import Deployment
from ansible_collections.coder.coderd.plugins.module_utils._client import CoderClient, CoderError, clip
from ansible_collections.coder.coderd.plugins.module_utils._errors import InputError
from ansible_collections.coder.coderd.plugins.module_utils._units import version_satisfies


def wait_for_deployment(settings, wait_timeout, sleep, version=None):
    """Poll the API root and /buildinfo until both answer (and the version meets ``version``).

    Returns ``{elapsed, version, attempts}``; raises CoderError naming the last problem once
    ``wait_timeout`` seconds have passed. Each request may take at most the time that is left.
    """
    if wait_timeout < 0:
        raise InputError('wait_timeout must be 0 or more seconds, got %r' % (wait_timeout,))
    if not sleep > 0:
        raise InputError('sleep must be more than 0 seconds, got %r' % (sleep,))
    if version:
        # Reject a bad constraint now rather than after waiting for the deployment.
        version_satisfies('0.0.0', version)
    started = time.monotonic()
    deadline = started + wait_timeout
    attempts, problem = 0, None
    while True:
        attempts += 1
        try:
            seen = _probe(settings, deadline)
        except CoderError as exc:
            # An attempt that ends past the deadline was cut short by wait_timeout (its timeout was
            # cut to the time left, down to 0.2s): the attempt before says more, if there was one.
            if problem is None or time.monotonic() < deadline:
                problem = exc
        else:
            if not version or version_satisfies(seen, version):
                return dict(elapsed=round(time.monotonic() - started, 3), version=seen, attempts=attempts)
            problem = CoderError('answers with version %s, which does not satisfy %r' % (clip(str(seen)), version),
                                 deployment=settings.url, path='/buildinfo')
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise CoderError('gave up after %gs (wait_timeout) and %d attempts: %s'
                             % (wait_timeout, attempts, problem.cause), deployment=problem.deployment,
                             method=problem.method, path=problem.path, status=problem.status,
                             message=problem.message, detail=problem.detail, validations=problem.validations)
        time.sleep(min(sleep, remaining))


def _probe(settings, deadline):
    """The version of a deployment whose API root and build info both answer before ``deadline``."""
    # The poll loop is the retry: urllib3's own retries and backoff would run past the deadline.
    # No warn callback: the task's own client has already said what there is to say about the settings.
    with CoderClient(settings.replace(retries=0), deadline=deadline) as client:
        deployment = Deployment(client)
        deployment.api_root()
        return deployment.build()['version']
