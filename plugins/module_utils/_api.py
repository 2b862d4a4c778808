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
from ansible_collections.coder.coderd.plugins.module_utils import _health, _values
from ansible_collections.coder.coderd.plugins.module_utils._config import (
    DeploymentConfig, catalog_release, newer_than_catalog,
)
from ansible_collections.coder.coderd.plugins.module_utils._errors import InputError, ServerError

SUBSETS = ('api_root', 'build', 'config', 'ssh', 'stats', 'experiments', 'update_check', 'token_config')
# Gathered only when named: health needs an owner's token and may take the server's whole check time.
EXTRA_SUBSETS = ('health',)
STATS_PROCESSING = 'Deployment stats are still processing!'
STATS_POLL_SECONDS = 1.0
# Longer than anyone waits for a fresh server's first stats; an infinite wait would be a hang.
MAX_PROCESSING_TIMEOUT = 86400
# coderd runs its health checks for at most this long (api.HealthcheckTimeout, not configurable);
# the health request waits HEALTH_TIMEOUT by default, enough for that and the answer.
HEALTH_CHECK_SECONDS = 30
HEALTH_TIMEOUT = 60.0
# "Healthcheck timed out." since v2.30, "Healthcheck is in progress and did not complete in time." before.
_TIMED_OUT = ('Healthcheck timed out', 'Healthcheck is in progress')
_NOT_FOUND = 'Resource not found or you do not have access to this resource'


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
        self._warned_newer = False
        self._health = {}

    def get(self, path, timeout=None):
        with self._lock:
            answer = self._answers.get(path)
            owner = answer is None
            if owner:
                answer = self._answers[path] = Future()
        if owner:
            try:
                answer.set_result(self.client.get(path, timeout=timeout))
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

    def check_release(self, build):
        """Warn (once) when the deployment runs a Coder release newer than the shipped option catalog."""
        if self._warned_newer or not newer_than_catalog(build.get('version')):
            return
        self._warned_newer = True
        self.client.warn('%s runs Coder %s, newer than the releases this collection knows (up to %s): its settings '
                         'are read through its own options list, and settings new in it have no type or path here'
                         % (self.url, build['version'], catalog_release()))

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
        try:
            available = self._normalized('/experiments/available', _values.available_experiments,
                                         self.get('/experiments/available'))
        except CoderError as exc:
            if exc.status != 404:
                raise
            # Coder before v2.4 has no such endpoint: its facts have no `available`, never an invented [].
            available = _values.NOT_SERVED
        return self._normalized('/experiments', _values.normalize_experiments, enabled, available)

    def update_check(self):
        return self._normalized('/updatecheck', _values.normalize_update_check, self.get('/updatecheck'))

    def token_config(self, user='me'):
        path = token_config_path(user)
        return self._normalized(path, _values.normalize_token_config, self.get(path), user)

    def health(self, force=False, timeout=HEALTH_TIMEOUT):
        """The health report (``_health.normalize_health``); ``force`` has the server run its checks now.

        The request may take ``timeout`` seconds whatever the connection's timeout: on a forced run,
        and whenever the server's cached report has expired, the server runs every check first, for
        up to HEALTH_CHECK_SECONDS.
        """
        check_health_timeout(timeout)
        path = _health.HEALTH_PATH + ('?force=true' if force else '')
        try:
            answer = self.get(path, timeout=timeout)
        except CoderError as exc:
            raise _health_refusal(exc)
        with self._lock:
            known = self._health.get(path)
        if known is None:
            known = self._normalized(path, _health.normalize_health, answer)
            unknown = _health.unknown_parts(known)
            if unknown:
                self.client.warn('%s: the health report has %s that this collection does not know (a newer Coder?); '
                                 'they are kept as sent' % (self.url, unknown))
            with self._lock:
                known = self._health.setdefault(path, known)
        return known

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


def check_health_timeout(value):
    if not (isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
            and 0 < value <= MAX_PROCESSING_TIMEOUT):
        raise InputError('health_timeout must be a number of seconds above 0 and up to %d, got %r'
                         % (MAX_PROCESSING_TIMEOUT, value))


def _health_refusal(exc):
    """``exc`` said as what it means for the health report: the owner role missing, the checks too slow."""
    if (exc.status == 403 and exc.message == 'Forbidden.') or (exc.status == 404 and exc.message == _NOT_FOUND):
        # Before v2.20 the server hid the endpoint from other roles behind a 404.
        return exc.with_cause('HTTP %s %s: the health report needs a token of a user with the owner role '
                              '(auditors, template admins and members may not read it)'
                              % (exc.status, 'Forbidden' if exc.status == 403 else 'not found'))
    if exc.status in (404, 503) and (exc.message or '').startswith(_TIMED_OUT):
        return exc.hinted("the server's health checks stop after %d s and then fill its cache: ask again "
                          "without force in a few seconds" % HEALTH_CHECK_SECONDS)
    return exc


def check_processing_timeout(value):
    if not (isinstance(value, (int, float)) and math.isfinite(value) and 0 <= value <= MAX_PROCESSING_TIMEOUT):
        raise InputError('processing_timeout must be a number of seconds from 0 to %d, got %r'
                         % (MAX_PROCESSING_TIMEOUT, value))


def expand_subsets(requested, option='gather_subset'):
    """``setup``-style selection: names, ``all``, and ``!name`` exclusions; ``option`` names it in errors."""
    requested = list(requested or ['all'])
    chosen = set()
    excluded = set()
    for item in requested:
        name = str(item).strip()
        negate = name.startswith('!')
        name = name.lstrip('!')
        if name == 'all':
            names = set(SUBSETS)
        elif name in SUBSETS + EXTRA_SUBSETS:
            names = {name}
        else:
            raise InputError('%s: unknown subset %r; choose from all, %s'
                             % (option, name, ', '.join(SUBSETS + EXTRA_SUBSETS)))
        (excluded if negate else chosen).update(names)
    if not chosen and excluded:
        chosen = set(SUBSETS)
    return [name for name in SUBSETS + EXTRA_SUBSETS if name in chosen and name not in excluded]


def gather_facts(deployment, subsets, **options):
    """The ``coder`` facts (``url`` and one key per chosen subset); any endpoint that fails fails them all."""
    gathered = gather(deployment, subsets, **options)
    if gathered.failures:
        raise gathered.error()
    return gathered.facts


class Gathered:
    """What one gathering got: the ``facts`` of the subsets that answered, the ``failures`` (subset → CoderError)
    of the others."""

    __slots__ = ('facts', 'failures', 'subsets')

    def __init__(self, facts, failures, subsets):
        self.facts = facts
        self.failures = failures
        self.subsets = subsets

    def error(self):
        """One CoderError for every failure, each cause said once with its endpoints; None without failures."""
        return _combine(list(self.failures.values()), self.subsets) if self.failures else None

    def reachable(self):
        """False only when the Coder API did not answer at all: nothing was read, and no endpoint sent a
        Coder error answer.

        A transport failure (refused, DNS, TLS, timeout) or a page that is not Coder's (a proxy's HTML)
        carries no Coder ``message``; a refusal by the API itself (401, 403, 404) does.
        """
        answers = [exc for exc in self.failures.values() if exc.message is not None]
        return not self.failures or len(self.facts) > 1 or bool(answers)

    def causes(self):
        """Subset → one line naming the endpoints that failed and why (the deployment is the facts' ``url``)."""
        return dict((name, '%s: %s' % (', '.join(exc.endpoints), exc.cause) if exc.endpoints else exc.cause)
                    for name, exc in self.failures.items())

    def endpoint_causes(self):
        """Endpoint (``/api/v2/...``) → why it failed, for every endpoint that failed."""
        return dict((endpoint, exc.cause) for exc in self.failures.values() for endpoint in exc.endpoints)


def gather(deployment, subsets, user='me', include_options=False, processing_timeout=30.0, executor=None):
    """A Gathered with the ``coder`` facts of the subsets that answered, every endpoint fetched concurrently.

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
        'health': deployment.health,
    }
    if 'stats' in subsets:
        # Now, not on the worker thread, so that the mistake is not reported as an endpoint failure.
        check_processing_timeout(processing_timeout)
    facts = {'url': deployment.url}
    if not subsets:
        return Gathered(facts, {}, subsets)
    if executor is None:
        with ThreadPoolExecutor(max_workers=workers_for(subsets)) as pool:
            pending = _submit(pool, deployment, subsets, readers)
    else:
        pending = _submit(executor, deployment, subsets, readers)
        # The caller closes the client next: no request of this deployment may still be running then.
        wait(pending.values())
    failures = {}
    for name in subsets:
        try:
            value = pending[name].result()
        except CoderError as exc:
            failures[name] = exc.hinted(_OWNER_OR_AUDITOR) if exc.status == 403 and name in ('config', 'stats') \
                else exc
            continue
        if name == 'config':
            facts['config'] = value.config
            if include_options:
                facts['options'] = value.options
        else:
            facts[name] = value
    if 'build' in facts:
        deployment.check_release(facts['build'])
    return Gathered(facts, failures, subsets)


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
