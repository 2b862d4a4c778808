# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The freshness rule of the inventory's facts in drift checks (plugins/module_utils/_inventory_facts.py)."""

import datetime

import pytest

from ansible_collections.coder.coderd.plugins.module_utils._errors import InputError
from ansible_collections.coder.coderd.plugins.module_utils._inventory_facts import gathered_at, inventory_facts

URL = 'https://coder.example.com'
GATHERED = datetime.datetime(2026, 1, 31, 12, 0, 0, tzinfo=datetime.timezone.utc)
BUILD = {'version': 'v2.34.3+4653f32'}
CONFIG = {'access_url': 'https://coder.example.com'}
OPTIONS = [{'name': 'Access URL'}]


def host(**overrides):
    """A host's variables as the inventory sets them, read in this run at GATHERED."""
    variables = dict(coder_url=URL, coder_reachable=True, coder_from_cache=False, coder_gathered_at=gathered_at(GATHERED),
                     coder_build=BUILD, coder_config=CONFIG, coder_options=OPTIONS, coder_ssh={'hostname_prefix': 'coder.'},
                     coder_token_config={'user': 'me', 'max_token_lifetime': '168h'})
    variables.update(overrides)
    return variables


def later(seconds):
    return GATHERED + datetime.timedelta(seconds=seconds)


def test_gathered_at_is_utc_to_the_second():
    assert gathered_at(GATHERED) == '2026-01-31T12:00:00Z'


@pytest.mark.parametrize('age', [0, 1, 299, 300])
def test_fresh_facts_give_the_subsets_asked_for_with_the_options_list(age):
    facts, reason = inventory_facts(host(), URL, {'build', 'config', 'stats'}, 'me', 300, later(age))
    assert reason is None
    # No stats in the inventory's facts: the check requests them.
    assert facts == {'build': BUILD, 'config': CONFIG, 'options': OPTIONS}


@pytest.mark.parametrize('age, max_age', [(301, 300), (1, 0), (86400, 3600)])
def test_facts_older_than_max_age_are_not_used(age, max_age):
    facts, reason = inventory_facts(host(), URL, {'build'}, 'me', max_age, later(age))
    assert facts == {}
    assert reason == 'the inventory facts were gathered %ds ago, more than inventory_facts_max_age (%ds)' % (age, max_age)


def test_facts_served_from_the_cache_are_not_used_however_young():
    facts, reason = inventory_facts(host(coder_from_cache=True), URL, {'build'}, 'me', 300, later(0))
    assert facts == {}
    assert reason == 'the inventory facts were served from its cache (gathered at 2026-01-31T12:00:00Z)'


def test_a_host_without_inventory_facts_uses_none():
    facts, reason = inventory_facts({'coder_url': URL, 'coder_build': BUILD}, URL, {'build'}, 'me', 300, later(0))
    assert facts == {}
    assert reason == 'the host has no facts of the coder.coderd.deployments inventory (no coder_gathered_at)'


def test_facts_of_another_deployment_are_not_used():
    facts, reason = inventory_facts(host(), 'https://other.example.com', {'build'}, 'me', 300, later(0))
    assert facts == {}
    assert reason == 'the inventory facts are of %s, the check is of https://other.example.com' % URL


def test_an_unreadable_timestamp_uses_none():
    facts, reason = inventory_facts(host(coder_gathered_at='yesterday'), URL, {'build'}, 'me', 300, later(0))
    assert facts == {}
    assert reason == "coder_gathered_at is 'yesterday', not a time like 2026-01-31T12:00:00Z"


def test_the_token_config_of_another_user_is_requested():
    facts, reason = inventory_facts(host(), URL, {'build', 'token_config'}, 'alice', 300, later(0))
    assert (facts, reason) == ({'build': BUILD}, None)
    facts, reason = inventory_facts(host(), URL, {'token_config'}, 'me', 300, later(0))
    assert facts == {'token_config': {'user': 'me', 'max_token_lifetime': '168h'}}


def test_config_without_an_options_list_is_mapped_by_the_catalog():
    variables = host()
    del variables['coder_options']
    facts, reason = inventory_facts(variables, URL, {'config'}, 'me', 300, later(0))
    assert (facts, reason) == ({'config': CONFIG}, None)


def test_facts_that_hold_none_of_the_subsets_say_so():
    facts, reason = inventory_facts(host(), URL, {'stats', 'update_check'}, 'me', 300, later(0))
    assert facts == {}
    assert reason == 'the inventory facts hold none of stats, update_check'


@pytest.mark.parametrize('max_age', [-1, 1.5, '300', True, None])
def test_a_max_age_that_is_no_whole_number_of_seconds_is_refused(max_age):
    with pytest.raises(InputError, match=r'^inventory_facts_max_age must be a whole number of seconds, 0 or more, got '):
        inventory_facts(host(), URL, {'build'}, 'me', max_age, later(0))
