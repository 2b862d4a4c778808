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


def _check(operator, value, severity, description, when=None):
    check = {operator: value, 'severity': severity, 'description': description}
    if when is not None:
        check['when'] = when
    return check


def _checks(*rows):
    """A section of a baseline, one check a row: (key, operator, value, severity, description[, when])."""
    return dict((key, _check(*check)) for key, *check in rows)


# Conditions of the checks that only make sense for some deployments.
_HTTPS_ACCESS_URL = {'key': 'CODER_ACCESS_URL', 'operator': 'regex', 'value': '^https://'}
_TLS_ENABLED = {'key': 'CODER_TLS_ENABLE', 'value': True}
_OIDC_CONFIGURED = {'key': 'CODER_OIDC_ISSUER_URL', 'operator': 'ne', 'value': ''}
_WILDCARD_ACCESS_URL = {'key': 'CODER_WILDCARD_ACCESS_URL', 'operator': 'ne', 'value': ''}
_PROMETHEUS_ENABLED = {'key': 'CODER_PROMETHEUS_ENABLE', 'value': True}
_LOOPBACK_ADDRESS = r'^(127\.|localhost:|\[::1\]:)'

RECOMMENDED = {
    'config': _checks(
        ('CODER_ACCESS_URL', 'set', True, 'high', 'Without an access URL, dashboard links and workspace agents cannot reach coderd.'),
        ('CODER_DANGEROUS_ALLOW_CORS_REQUESTS', 'eq', False, 'high', 'Allowing every CORS origin lets any web site call the API with a user\'s session.'),
        ('CODER_DANGEROUS_ALLOW_PATH_APP_SHARING', 'eq', False, 'high', 'Shared path-based apps run on the dashboard origin and can steal sessions.'),
        ('CODER_DANGEROUS_ALLOW_PATH_APP_SITE_OWNER_ACCESS', 'eq', False, 'high', 'Owners opening path-based apps expose their session to workspace code.'),
        ('CODER_DANGEROUS_OIDC_SKIP_ISSUER_CHECKS', 'eq', False, 'high', 'Skipping OIDC issuer checks accepts tokens minted for another issuer.'),
        ('CODER_DANGEROUS_DISABLE_RATE_LIMITS', 'eq', False, 'medium', 'Without rate limits one client can exhaust the API and brute-force logins.'),
        ('CODER_TLS_MIN_VERSION', 'in', ['tls12', 'tls13'], 'high', 'TLS 1.0 and 1.1 are broken; serve TLS 1.2 or newer.', _TLS_ENABLED),
        ('CODER_TLS_ALLOW_INSECURE_CIPHERS', 'eq', False, 'high', 'Insecure cipher suites allow downgrade and decryption attacks.'),
        ('CODER_SECURE_AUTH_COOKIE', 'eq', True, 'high',
         'Behind an https access URL the session cookie must never travel over plain http.', _HTTPS_ACCESS_URL),
        ('CODER_OAUTH2_GITHUB_ALLOW_EVERYONE', 'eq', False, 'high', 'Letting every GitHub user sign in opens the deployment to the whole internet.'),
        ('CODER_EMAIL_TLS_SKIPVERIFY', 'eq', False, 'medium', 'Unverified SMTP certificates let an attacker read notification mail.'),
        ('CODER_MAX_TOKEN_LIFETIME', 'le', '90d', 'medium', 'API tokens should expire within a quarter; the default allows about 100 years.'),
    ),
    'experiments': _checks(
        ('unknown', 'eq', [], 'medium', 'An experiment name coderd does not know is usually a typo that it enables silently.'),
    ),
    'update_check': _checks(
        ('current', 'eq', True, 'low', 'A newer Coder release exists; releases carry security fixes.'),
    ),
}

_HARDENED_EXTRA = {
    'version': _check('regex', r'^v\d+\.\d+\.\d+(\+|$)', 'medium', 'Run a release build, not a development build or a release candidate.'),
    'config': _checks(
        ('CODER_DISABLE_PASSWORD_AUTH', 'eq', True, 'high',
         'With OIDC in place, password logins bypass the identity provider\'s MFA and offboarding.', _OIDC_CONFIGURED),
        ('CODER_MAX_TOKEN_LIFETIME', 'le', '168h', 'high', 'API tokens should expire within 7 days.'),
        ('CODER_MAX_ADMIN_TOKEN_LIFETIME', 'le', '168h', 'high', 'Owner tokens should expire within 7 days.'),
        ('CODER_SESSION_DURATION', 'le', '24h', 'medium', 'Browser sessions should not outlive a working day.'),
        ('CODER_STRICT_TRANSPORT_SECURITY', 'ge', 15552000, 'medium',
         'HSTS (at least 180 days) stops browsers from being downgraded to http.', _HTTPS_ACCESS_URL),
        ('CODER_DISABLE_PATH_APPS', 'eq', True, 'medium',
         'With a wildcard access URL, subdomain apps are available and path apps only add risk.', _WILDCARD_ACCESS_URL),
        ('CODER_SWAGGER_ENABLE', 'eq', False, 'low', 'The Swagger UI advertises the whole API surface.'),
        ('CODER_PPROF_ENABLE', 'eq', False, 'low', 'pprof exposes memory contents and costs CPU; enable it only while debugging.'),
        ('CODER_TRACE_LOGS', 'eq', False, 'low', 'Logs captured into traces can carry personal data to the tracing backend.'),
        ('CODER_PROMETHEUS_ADDRESS', 'regex', _LOOPBACK_ADDRESS, 'info',
         'Metrics on every interface reveal internals; bind to loopback unless a scraper needs more.', _PROMETHEUS_ENABLED),
    ),
    'experiments': _checks(
        ('enabled', 'eq', [], 'medium', 'Experiments are not ready for production, says Coder itself.'),
    ),
    'update_check': _checks(
        ('current', 'eq', True, 'medium', 'A newer Coder release exists; a hardened deployment keeps up with security fixes.'),
    ),
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
