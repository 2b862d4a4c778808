# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE to the coder.coderd collection: may change in any release without notice.
"""Built-in baselines of the drift check, as desired-state documents.

``recommended`` holds what every deployment should do; ``hardened`` adds what a security review
asks for and tightens some limits. Each check has a severity and a one-line rationale (its
description). A user's own check of a setting replaces the baseline's. Telemetry is deliberately
absent: it is the operator's choice, not a security property.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.coder.coderd.plugins.module_utils._errors import InputError

_HTTPS_ACCESS_URL = {'key': 'CODER_ACCESS_URL', 'operator': 'regex', 'value': '^https://'}

RECOMMENDED = {
    'config': {
        'CODER_ACCESS_URL': {
            'set': True, 'severity': 'high',
            'description': 'Without an access URL, dashboard links and workspace agents cannot reach coderd.'},
        'CODER_DANGEROUS_ALLOW_CORS_REQUESTS': {
            'eq': False, 'severity': 'high',
            'description': 'Allowing every CORS origin lets any web site call the API with a user\'s session.'},
        'CODER_DANGEROUS_ALLOW_PATH_APP_SHARING': {
            'eq': False, 'severity': 'high',
            'description': 'Shared path-based apps run on the dashboard origin and can steal sessions.'},
        'CODER_DANGEROUS_ALLOW_PATH_APP_SITE_OWNER_ACCESS': {
            'eq': False, 'severity': 'high',
            'description': 'Owners opening path-based apps expose their session to workspace code.'},
        'CODER_DANGEROUS_OIDC_SKIP_ISSUER_CHECKS': {
            'eq': False, 'severity': 'high',
            'description': 'Skipping OIDC issuer checks accepts tokens minted for another issuer.'},
        'CODER_DANGEROUS_DISABLE_RATE_LIMITS': {
            'eq': False, 'severity': 'medium',
            'description': 'Without rate limits one client can exhaust the API and brute-force logins.'},
        'CODER_TLS_MIN_VERSION': {
            'in': ['tls12', 'tls13'], 'severity': 'high',
            'when': {'key': 'CODER_TLS_ENABLE', 'value': True},
            'description': 'TLS 1.0 and 1.1 are broken; serve TLS 1.2 or newer.'},
        'CODER_TLS_ALLOW_INSECURE_CIPHERS': {
            'eq': False, 'severity': 'high',
            'description': 'Insecure cipher suites allow downgrade and decryption attacks.'},
        'CODER_SECURE_AUTH_COOKIE': {
            'eq': True, 'severity': 'high', 'when': _HTTPS_ACCESS_URL,
            'description': 'Behind an https access URL the session cookie must never travel over plain http.'},
        'CODER_OAUTH2_GITHUB_ALLOW_EVERYONE': {
            'eq': False, 'severity': 'high',
            'description': 'Letting every GitHub user sign in opens the deployment to the whole internet.'},
        'CODER_EMAIL_TLS_SKIPVERIFY': {
            'eq': False, 'severity': 'medium',
            'description': 'Unverified SMTP certificates let an attacker read notification mail.'},
        'CODER_MAX_TOKEN_LIFETIME': {
            'le': '90d', 'severity': 'medium',
            'description': 'API tokens should expire within a quarter; the default allows about 100 years.'},
    },
    'experiments': {
        'unknown': {
            'eq': [], 'severity': 'medium',
            'description': 'An experiment name coderd does not know is usually a typo that it enables silently.'},
    },
    'update_check': {
        'current': {
            'eq': True, 'severity': 'low',
            'description': 'A newer Coder release exists; releases carry security fixes.'},
    },
}

_HARDENED_EXTRA = {
    'version': {
        'regex': r'^v\d+\.\d+\.\d+(\+|$)', 'severity': 'medium',
        'description': 'Run a release build, not a development build or a release candidate.'},
    'config': {
        'CODER_DISABLE_PASSWORD_AUTH': {
            'eq': True, 'severity': 'high',
            'when': {'key': 'CODER_OIDC_ISSUER_URL', 'operator': 'ne', 'value': ''},
            'description': 'With OIDC in place, password logins bypass the identity provider\'s MFA and offboarding.'},
        'CODER_MAX_TOKEN_LIFETIME': {
            'le': '168h', 'severity': 'high',
            'description': 'API tokens should expire within 7 days.'},
        'CODER_MAX_ADMIN_TOKEN_LIFETIME': {
            'le': '168h', 'severity': 'high',
            'description': 'Owner tokens should expire within 7 days.'},
        'CODER_SESSION_DURATION': {
            'le': '24h', 'severity': 'medium',
            'description': 'Browser sessions should not outlive a working day.'},
        'CODER_STRICT_TRANSPORT_SECURITY': {
            'ge': 15552000, 'severity': 'medium', 'when': _HTTPS_ACCESS_URL,
            'description': 'HSTS (at least 180 days) stops browsers from being downgraded to http.'},
        'CODER_DISABLE_PATH_APPS': {
            'eq': True, 'severity': 'medium',
            'when': {'key': 'CODER_WILDCARD_ACCESS_URL', 'operator': 'ne', 'value': ''},
            'description': 'With a wildcard access URL, subdomain apps are available and path apps only add risk.'},
        'CODER_SWAGGER_ENABLE': {
            'eq': False, 'severity': 'low',
            'description': 'The Swagger UI advertises the whole API surface.'},
        'CODER_PPROF_ENABLE': {
            'eq': False, 'severity': 'low',
            'description': 'pprof exposes memory contents and costs CPU; enable it only while debugging.'},
        'CODER_TRACE_LOGS': {
            'eq': False, 'severity': 'low',
            'description': 'Logs captured into traces can carry personal data to the tracing backend.'},
        'CODER_PROMETHEUS_ADDRESS': {
            'regex': r'^(127\.|localhost:|\[::1\]:)', 'severity': 'info',
            'when': {'key': 'CODER_PROMETHEUS_ENABLE', 'value': True},
            'description': 'Metrics on every interface reveal internals; bind to loopback unless a scraper needs more.'},
    },
    'experiments': {
        'enabled': {
            'eq': [], 'severity': 'medium',
            'description': 'Experiments are not ready for production, says Coder itself.'},
    },
    'update_check': {
        'current': {
            'eq': True, 'severity': 'medium',
            'description': 'A newer Coder release exists; a hardened deployment keeps up with security fixes.'},
    },
}


def _merged(base, extra):
    """``base`` with the sections of ``extra`` laid over it, key by key."""
    result = copy.deepcopy(base)
    for section, checks in extra.items():
        if isinstance(checks, dict) and section != 'version':
            result.setdefault(section, {}).update(copy.deepcopy(checks))
        else:
            result[section] = copy.deepcopy(checks)
    return result


BASELINES = {
    'recommended': RECOMMENDED,
    'hardened': _merged(RECOMMENDED, _HARDENED_EXTRA),
}
NAMES = ('none',) + tuple(sorted(BASELINES))


def baseline(name):
    """The desired-state document of a built-in baseline (a copy the caller may change)."""
    if name not in BASELINES:
        raise InputError('baseline: unknown baseline %r; choose from %s' % (name, ', '.join(NAMES)))
    return copy.deepcopy(BASELINES[name])
