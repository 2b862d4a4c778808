# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE to the coder.coderd collection: may change in any release without notice.
"""Facts that the ``coder.coderd.deployments`` inventory holds for a host, reused by a drift check.

The freshness rule: a host's inventory facts stand in for requests only when the inventory read
them in this very run (``coder_from_cache`` false: facts served from the inventory cache were
gathered by an earlier run, at a moment nobody chose) and at most ``max_age`` seconds before the
check (``coder_gathered_at``, when the inventory started to read the deployment), and only for
the deployment the check is about (``coder_url``). Every subset the facts lack is requested.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

from ansible_collections.coder.coderd.plugins.module_utils._api import SUBSETS
from ansible_collections.coder.coderd.plugins.module_utils._errors import InputError

GATHERED_AT_FORMAT = '%Y-%m-%dT%H:%M:%SZ'
DEFAULT_MAX_AGE = 300
# The inventory's host variable of each facts key is its name with this prefix.
PREFIX = 'coder_'


def gathered_at(moment=None):
    """The ``gathered_at`` fact of facts whose reading started at ``moment`` (an aware UTC datetime), or now."""
    return (moment or datetime.datetime.now(datetime.timezone.utc)).strftime(GATHERED_AT_FORMAT)


def check_max_age(value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InputError('inventory_facts_max_age must be a whole number of seconds, 0 or more, got %r' % (value,))


def inventory_facts(variables, url, subsets, user, max_age, now):
    """(facts, reason): the subsets of ``subsets`` that the host's fresh inventory facts hold.

    ``variables`` are the host's variables, ``url`` the deployment the check talks to (without any
    password), ``now`` an aware UTC datetime. ``facts`` hold the usable subsets (and the options
    list with the config, when the inventory gathered it); ``reason`` says in one line why none
    were usable, else None. A token config of another user than the check's is not usable.
    """
    check_max_age(max_age)
    stamp = variables.get(PREFIX + 'gathered_at')
    if stamp is None:
        return {}, 'the host has no facts of the coder.coderd.deployments inventory (no coder_gathered_at)'
    if variables.get(PREFIX + 'from_cache'):
        return {}, 'the inventory facts were served from its cache (gathered at %s)' % stamp
    if variables.get(PREFIX + 'url') != url:
        return {}, 'the inventory facts are of %s, the check is of %s' % (variables.get(PREFIX + 'url'), url)
    try:
        moment = datetime.datetime.strptime(str(stamp), GATHERED_AT_FORMAT).replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        return {}, 'coder_gathered_at is %r, not a time like 2026-01-31T12:00:00Z' % (stamp,)
    age = (now - moment).total_seconds()
    if age > max_age:
        return {}, 'the inventory facts were gathered %ds ago, more than inventory_facts_max_age (%ds)' % (age, max_age)
    facts = dict((name, variables[PREFIX + name]) for name in SUBSETS
                 if name in subsets and variables.get(PREFIX + name) is not None)
    if 'token_config' in facts and (facts['token_config'] or {}).get('user', 'me') != user:
        del facts['token_config']
    if 'config' in facts and variables.get(PREFIX + 'options') is not None:
        facts['options'] = variables[PREFIX + 'options']
    if not facts:
        return {}, 'the inventory facts hold none of %s' % ', '.join(sorted(subsets))
    return facts, None
