# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
from coder_sim.examples import example

from ansible.errors import AnsibleFilterError

from ansible_collections.coder.coderd.plugins.filter.option import FilterModule, option
from ansible_collections.coder.coderd.plugins.module_utils._values import DeploymentConfig


@pytest.fixture(scope='module')
def options():
    """The ``coder.options`` facts of the example deployment."""
    return DeploymentConfig(example('deployment-config.json')).options


@pytest.mark.parametrize('key', [
    'session_lifetime.max_token_lifetime',
    'CODER_MAX_TOKEN_LIFETIME',
    'coder_max_token_lifetime',
    'max-token-lifetime',
    '--max-token-lifetime',
    'networking.http.maxTokenLifetime',
    'Max Token Lifetime',
    'max token lifetime',
])
def test_every_key_form_finds_the_same_option(options, key):
    found = option(options, key)
    assert found['name'] == 'Max Token Lifetime'
    assert found['env'] == 'CODER_MAX_TOKEN_LIFETIME'
    assert found['value'] == 3155760000
    assert found['value_source'] == 'default'


def test_the_record_is_the_one_from_the_list(options):
    found = option(options, 'CODER_ACCESS_URL')
    assert any(found is record for record in options)
    assert found['value'] == 'https://coder.example.com'
    assert found['value_source'] == 'env'


def test_a_secret_reports_only_whether_it_is_set(options):
    assert option(options, 'CODER_PG_CONNECTION_URL')['value'] == {'set': True}


def test_an_unknown_key_fails_with_close_matches(options):
    with pytest.raises(AnsibleFilterError) as caught:
        option(options, 'CODER_ACESS_URL')
    assert str(caught.value).startswith(
        "coder.coderd.option: unknown deployment setting 'CODER_ACESS_URL'; did you mean: CODER_ACCESS_URL")


@pytest.mark.parametrize('given', [{'name': 'Access URL'}, 'CODER_ACCESS_URL', None, [1, 2]])
def test_the_input_must_be_an_options_list(given):
    with pytest.raises(AnsibleFilterError, match=r'^coder\.coderd\.option: expects the options list'):
        option(given, 'CODER_ACCESS_URL')


def test_the_filter_is_registered():
    assert FilterModule().filters() == {'option': option}
