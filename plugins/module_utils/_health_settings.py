# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE to the coder.coderd collection: may change in any release without notice.
"""The dismissed health checks of a deployment (``GET|PUT /api/v2/debug/health/settings``) as code.

The list is the whole state: ``apply`` reads it, compares it with the wanted list as a set (Coder
keeps the order it was given, which means nothing) and replaces it only when they differ.

Standard library only: it also runs inside modules on remote hosts.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.coder.coderd.plugins.module_utils._client import API_PREFIX, CoderError
from ansible_collections.coder.coderd.plugins.module_utils._errors import InputError
from ansible_collections.coder.coderd.plugins.module_utils._health import SETTING_NAMES
from ansible_collections.coder.coderd.plugins.module_utils._values import json_type

SETTINGS_PATH = '/debug/health/settings'
FIELD = 'dismissed_healthchecks'
# Coder's names (case-sensitive on the server), and the section names of the health facts for them.
NAMES = tuple(SETTING_NAMES[section] for section in sorted(SETTING_NAMES))
_SPELLINGS = dict([(name, name) for name in NAMES] + list(SETTING_NAMES.items()))
_FORBIDDEN = 'Forbidden.'
_NOT_FOUND = 'Resource not found or you do not have access to this resource'
_ROUTE_NOT_FOUND = 'Route not found.'
_OWNER_ONLY = ("the health settings need a token of a user with the owner role (auditors, template admins and "
               "members may neither read nor change them)")


def wanted_names(names):
    """The health sections to dismiss, in Coder's names, each once; InputError names any unknown one."""
    unknown = [str(name) for name in names if name not in _SPELLINGS]
    if unknown:
        raise InputError('dismissed: unknown health section %s; valid: %s (or the section names of the health facts: '
                         '%s)' % (', '.join(repr(name) for name in unknown), ', '.join(NAMES),
                                  ', '.join(sorted(SETTING_NAMES))))
    return list(dict.fromkeys(_SPELLINGS[name] for name in names))


def _dismissed(client, method, answer):
    """The list a settings answer holds; a body of another shape fails naming the field."""
    names = answer.get(FIELD) if isinstance(answer, dict) else answer
    if names is None:
        # A fresh deployment stores nothing; Coder answers [] then, and echoes null for a PUT without the key.
        return []
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        field = '"%s" is %s' % (FIELD, json_type(names)) if isinstance(answer, dict) else \
            'the answer is %s' % json_type(answer)
        raise CoderError('unexpected response: %s, expected {"%s": [section names]}' % (field, FIELD),
                         deployment=client.base_url, method=method, path=SETTINGS_PATH)
    return names


def _refusal(exc):
    """``exc`` said as what it means for the health settings: the owner role missing, or no such endpoint."""
    if (exc.status == 403 and exc.message == _FORBIDDEN) or (exc.status == 404 and exc.message == _NOT_FOUND):
        # Before v2.20 the server hid the /debug endpoints from other roles behind a 404.
        return exc.with_cause('HTTP %s %s: %s' % (exc.status, 'Forbidden' if exc.status == 403 else 'not found',
                                                  _OWNER_ONLY))
    if exc.status == 403:
        return exc.hinted('changing the health settings needs the owner role (deployment_config:update)')
    if exc.status == 404 and exc.message == _ROUTE_NOT_FOUND:
        return exc.hinted('this Coder release has no health settings (they came with v2.5)')
    return exc


def _diff(before, after):
    """Before and after as Ansible shows them: one name a line, sorted, so that order changes show nothing."""
    where = API_PREFIX + SETTINGS_PATH
    return dict(before_header=where + ' (dismissed, before)', after_header=where + ' (dismissed, after)',
                before=''.join('%s\n' % name for name in sorted(before)),
                after=''.join('%s\n' % name for name in sorted(after)))


def apply(deployment, names, check_mode):
    """Make the dismissed health checks ``names``; the module's result."""
    wanted = wanted_names(names)
    client = deployment.client
    try:
        before = _dismissed(client, 'GET', deployment.get(SETTINGS_PATH))
        changed = set(before) != set(wanted)
        after = before
        if changed and check_mode:
            after = wanted
        elif changed:
            answer = client.request('PUT', SETTINGS_PATH, json_body={FIELD: wanted})
            # 204 (no body): the server already held exactly this list, stored by someone else meanwhile.
            after = wanted if answer is None else _dismissed(client, 'PUT', answer)
    except CoderError as exc:
        raise _refusal(exc)
    return dict(changed=changed, dismissed=after, previous=before, diff=_diff(before, after))
