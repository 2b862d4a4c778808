# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
from coder_sim.examples import example

from ansible.errors import AnsibleFilterError

from ansible_collections.coder.coderd.plugins.filter.option import FilterModule, option
from ansible_collections.coder.coderd.plugins.module_utils._config import DeploymentConfig


@pytest.fixture(scope='module')
def options():
    """The ``coder.options`` facts of the example deployment."""
    return DeploymentConfig(example('deployment-config.json')).options


# Every key form of find_option is tested in test_config.py; the filter passes the key on.
@pytest.mark.parametrize('key', [
    'session_lifetime.max_token_lifetime', 'coder_max_token_lifetime', '--max-token-lifetime', 'max token lifetime'])
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


@pytest.mark.parametrize('given, got', [
    ({'name': 'Access URL'}, 'got an object'),
    ('CODER_ACCESS_URL', 'got a string'),
    (None, 'got null'),
])
def test_the_input_must_be_an_options_list(given, got):
    with pytest.raises(AnsibleFilterError) as caught:
        option(given, 'CODER_ACCESS_URL')
    assert str(caught.value) == ('coder.coderd.option: options: expected the options list of '
                                 'coder.coderd.deployment_info (include_options: true), ' + got)


@pytest.mark.parametrize('given, problem', [
    ([1, 2], 'item 1 is a number, expected an object'),
    ([{'name': 'Access URL'}, [1]], 'item 2 is an array, expected an object'),
    ([{'name': 1}], 'item 1 "name" is a number, expected a string'),
    ([{'env': ['CODER_ACCESS_URL']}], 'item 1 "env" is an array, expected a string'),
    ([{'flag': {'a': 1}}], 'item 1 "flag" is an object, expected a string'),
])
def test_each_item_must_be_an_option_record(given, problem):
    with pytest.raises(AnsibleFilterError) as caught:
        option(given, 'CODER_ACCESS_URL')
    assert str(caught.value) == 'coder.coderd.option: options: ' + problem


@pytest.mark.parametrize('key, got', [(5, 'a number'), (None, 'null'), (['CODER_ACCESS_URL'], 'an array'), ('  ', "'  '")])
def test_the_key_must_be_a_string(options, key, got):
    with pytest.raises(AnsibleFilterError) as caught:
        option(options, key)
    assert str(caught.value) == ('coder.coderd.option: invalid deployment setting key: expected a non-empty string, '
                                 'got ' + got)


def test_the_filter_is_registered():
    assert FilterModule().filters() == {'option': option}
