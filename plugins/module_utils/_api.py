# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE to the coder.coderd collection: may change in any release without notice.
"""The General endpoints of one deployment, each fetched at most once, normalized by the value model."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait

from ansible_collections.coder.coderd.plugins.module_utils._client import API_PREFIX, CoderError, encode_path_segment
from ansible_collections.coder.coderd.plugins.module_utils._connection import display_url
from ansible_collections.coder.coderd.plugins.module_utils import _values
from ansible_collections.coder.coderd.plugins.module_utils._config import DeploymentConfig
from ansible_collections.coder.coderd.plugins.module_utils._errors import InputError, ServerError

SUBSETS = ('api_root', 'build', 'config', 'ssh', 'stats', 'experiments', 'update_check', 'token_config')
STATS_PROCESSING = 'Deployment stats are still processing!'
STATS_POLL_SECONDS = 1.0
# Longer than anyone waits for a fresh server's first stats; an infinite wait would be a hang.
MAX_PROCESSING_TIMEOUT = 86400


def token_config_path(user):
    return '/users/%s/keys/tokens/tokenconfig' % encode_path_segment(user)


class Deployment:
    """Memoizes every GET of one task, so concurrent and repeated readers share one request."""

    def __init__(self, client):
        self.client = client
        self.url = display_url(client.base_url)
        self._lock = threading.Lock()
        self._answers = {}
        self._config_model = None

    def get(self, path):
        with self._lock:
            answer = self._answers.get(path)
            owner = answer is None
            if owner:
                answer = self._answers[path] = Future()
        if owner:
            try:
                answer.set_result(self.client.get(path))
            except Exception as exc:  # the waiting readers get the same error, re-raised below
                answer.set_exception(exc)
        return answer.result()

    def _normalized(self, path, normalize, *answers):
        """``normalize(answers...)``; an answer the value model cannot read fails naming its endpoint."""
        try:
            return normalize(*answers)
        except ServerError as exc:
            raise CoderError(str(exc), deployment=self.client.base_url, path=path)

    def api_root(self):
        return self._normalized('/', _values.normalize_api_root, self.get('/'))

    def build(self):
        return self._normalized('/buildinfo', _values.normalize_build_info, self.get('/buildinfo'))

    def config_model(self):
        # Normalizing every option is the costliest step of a task: facts and drift checks share one model.
        if self._config_model is None:
            self._config_model = self._normalized('/deployment/config', DeploymentConfig,
                                                  self.get('/deployment/config'))
        return self._config_model

    def ssh(self):
        return self._normalized('/deployment/ssh', _values.normalize_ssh, self.get('/deployment/ssh'))

    def experiments(self):
        enabled = self.get('/experiments')
        available = self._normalized('/experiments/available', _values.available_experiments,
                                     self.get('/experiments/available'))
        return self._normalized('/experiments', _values.normalize_experiments, enabled, available)

    def update_check(self):
        return self._normalized('/updatecheck', _values.normalize_update_check, self.get('/updatecheck'))

    def token_config(self, user='me'):
        path = token_config_path(user)
        return self._normalized(path, _values.normalize_token_config, self.get(path), user)

    def stats(self, processing_timeout=30.0):
        """Stats, waiting (bounded) while a freshly started server has not computed them yet."""
        check_processing_timeout(processing_timeout)
        deadline = time.monotonic() + processing_timeout
        while True:
            try:
                return self._normalized('/deployment/stats', _values.normalize_stats, self.get('/deployment/stats'))
            except CoderError as exc:
                if exc.status != 400 or exc.message != STATS_PROCESSING:
                    raise
                if time.monotonic() + STATS_POLL_SECONDS > deadline:
                    raise CoderError('deployment stats still processing after waiting %gs (processing_timeout)'
                                     % processing_timeout, deployment=exc.deployment, path=exc.path,
                                     status=400, message=exc.message)
                with self._lock:
                    self._answers.pop('/deployment/stats', None)
                time.sleep(STATS_POLL_SECONDS)


def check_processing_timeout(value):
    if not (isinstance(value, (int, float)) and math.isfinite(value) and 0 <= value <= MAX_PROCESSING_TIMEOUT):
        raise InputError('processing_timeout must be a number of seconds from 0 to %d, got %r'
                         % (MAX_PROCESSING_TIMEOUT, value))


def expand_subsets(requested):
    """``setup``-style selection: names, ``all``, and ``!name`` exclusions."""
    requested = list(requested or ['all'])
    chosen = set()
    excluded = set()
    for item in requested:
        name = str(item).strip()
        negate = name.startswith('!')
        name = name.lstrip('!')
        if name == 'all':
            names = set(SUBSETS)
        elif name in SUBSETS:
            names = {name}
        else:
            raise InputError('gather_subset: unknown subset %r; choose from all, %s' % (name, ', '.join(SUBSETS)))
        (excluded if negate else chosen).update(names)
    if not chosen and excluded:
        chosen = set(SUBSETS)
    return [name for name in SUBSETS if name in chosen and name not in excluded]


def gather_facts(deployment, subsets, user='me', include_options=False, processing_timeout=30.0, executor=None):
    """The ``coder`` facts (``url`` and one key per chosen subset), every endpoint fetched concurrently.

    ``executor`` runs the requests when given (one shared by the deployments of a fleet, see
    ``workers_for``); else a pool of this call's own does.
    """
    readers = {
        'api_root': deployment.api_root,
        'build': deployment.build,
        'config': deployment.config_model,
        'ssh': deployment.ssh,
        'stats': lambda: deployment.stats(processing_timeout),
        'experiments': deployment.experiments,
        'update_check': deployment.update_check,
        'token_config': lambda: deployment.token_config(user),
    }
    if 'stats' in subsets:
        # Now, not on the worker thread, so that the mistake is not reported as an endpoint failure.
        check_processing_timeout(processing_timeout)
    facts = {'url': deployment.url}
    if not subsets:
        return facts
    if executor is None:
        with ThreadPoolExecutor(max_workers=workers_for(subsets)) as pool:
            pending = _submit(pool, deployment, subsets, readers)
    else:
        pending = _submit(executor, deployment, subsets, readers)
        # The caller closes the client next: no request of this deployment may still be running then.
        wait(pending.values())
    errors = []
    for name in subsets:
        try:
            value = pending[name].result()
        except CoderError as exc:
            errors.append(exc.hinted(_OWNER_OR_AUDITOR) if exc.status == 403 and name in ('config', 'stats')
                          else exc)
            continue
        if name == 'config':
            facts['config'] = value.config
            if include_options:
                facts['options'] = value.options
        else:
            facts[name] = value
    if errors:
        raise _combine(errors, subsets)
    return facts


def workers_for(subsets):
    """Threads that fetch ``subsets`` of one deployment all at once: one more than subsets, so that the
    experiments prefetch delays no other subset."""
    return len(subsets) + 1


def _submit(pool, deployment, subsets, readers):
    """{subset: future of its reader}, plus the experiments prefetch under its path."""
    pending = {}
    if 'experiments' in subsets:
        # Two requests behind one subset: start the second now instead of after the first.
        pending['/experiments/available'] = pool.submit(deployment.get, '/experiments/available')
    pending.update((name, pool.submit(readers[name])) for name in subsets)
    return pending


# Said alike for both, so that a member's token, refused both, gets one line for the two.
_OWNER_OR_AUDITOR = ("only an owner's or an auditor's token may read the deployment config and stats: use one, "
                     "or leave them out with gather_subset: ['all', '!config', '!stats'] (the inventory's option is "
                     "gather)")


def join_capped(items, separator, limit):
    """At most ``limit`` of ``items`` joined, then "and N more": one bounded line whatever a server sends."""
    items = list(items)
    if len(items) <= limit:
        return separator.join(items)
    return '%s%sand %d more' % (separator.join(items[:limit]), separator, len(items) - limit)


def _combine(errors, subsets):
    """One CoderError for the endpoints that failed; each cause said once, with its endpoints.

    A deployment that is down, refuses the TLS handshake or the token fails every endpoint for one
    reason: the line says that reason once instead of once per endpoint.
    """
    if len(errors) == 1:
        return errors[0]
    by_cause = {}
    for exc in errors:
        by_cause.setdefault(exc.cause, []).append(API_PREFIX + (exc.path or ''))
    if len(by_cause) == 1:
        cause, endpoints = next(iter(by_cause.items()))
        text = '%s%d endpoints (%s) failed: %s' % ('all ' if len(errors) == len(subsets) else '', len(errors),
                                                   ', '.join(endpoints), cause)
    else:
        text = '%d endpoints failed: %s' % (len(errors), join_capped(
            ('%s %s' % (', '.join(endpoints), cause) for cause, endpoints in by_cause.items()), '; ', 3))
    first = errors[0]
    return CoderError(text, deployment=first.deployment, path=None,
                      status=_shared(exc.status for exc in errors),
                      message=_shared(exc.message for exc in errors) or (cause if len(by_cause) == 1 else None),
                      detail=_shared(exc.detail for exc in errors),
                      endpoints=[endpoint for endpoints in by_cause.values() for endpoint in endpoints])


def _shared(values):
    """The one value all ``values`` have, else None."""
    values = set(values)
    return values.pop() if len(values) == 1 else None
