# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The small endpoints' value model (plugins/module_utils/_values.py) against the real wire bodies recorded in the simulator."""

import copy

import pytest
from coder_sim.examples import example as load

from ansible_collections.coder.coderd.plugins.module_utils._errors import ServerError
from ansible_collections.coder.coderd.plugins.module_utils._values import (
    KNOWN_EXPERIMENTS,
    normalize_api_root,
    normalize_build_info,
    normalize_experiments,
    normalize_ssh,
    normalize_stats,
    normalize_token_config,
    normalize_update_check,
    snake_case,
)


# --- small endpoints ---------------------------------------------------------------------------

def test_build_info():
    build = normalize_build_info(load('buildinfo.json'))
    assert build['version'] == 'v2.34.3+4653f32'
    assert build['version_info'] == {'major': 2, 'minor': 34, 'patch': 3, 'prerelease': '', 'build': '4653f32'}
    assert build['dashboard_url'] == 'https://coder.example.com'
    assert build['deployment_id'] == '8e3f6c2a-5b1d-4f0e-9a7c-2d4b6e8f0a13'
    assert build['telemetry'] is True
    assert build['workspace_proxy'] is False
    assert build['provisioner_api_version'] == '1.18'
    assert build['webpush_public_key'].startswith('B')


def test_build_info_fills_omitted_fields_with_typed_empty_values():
    raw = load('buildinfo.json')
    del raw['webpush_public_key']
    raw['upgrade_message'] = None
    raw['brand_new_field'] = 7
    build = normalize_build_info(raw)
    assert build['webpush_public_key'] == ''
    assert build['upgrade_message'] == ''
    assert build['brand_new_field'] == 7


def test_build_info_dev_build_is_a_prerelease():
    build = normalize_build_info(dict(load('buildinfo.json'), version='v0.0.0-devel+abc1234'))
    assert build['version_info']['prerelease'] == 'devel'
    assert build['version_info']['build'] == 'abc1234'


@pytest.mark.parametrize('raw, message', [
    ([], 'expected a JSON object, got an array'),
    ({'external_url': 'x'}, '"version", "dashboard_url", "workspace_proxy" are missing'),
    (dict(load('buildinfo.json'), version='nightly'), "'nightly'"),
    (dict(load('buildinfo.json'), version=None), '"version" is null, expected a string'),
    (dict(load('buildinfo.json'), telemetry='yes'), '"telemetry" is a string, expected a boolean'),
])
def test_build_info_rejects(raw, message):
    with pytest.raises(ServerError, match=message):
        normalize_build_info(raw)


def test_build_info_of_an_older_release():
    """v2.10 sends neither telemetry, provisioner_api_version nor deployment_id."""
    raw = load('buildinfo.json')
    for key in ('telemetry', 'provisioner_api_version', 'deployment_id', 'webpush_public_key'):
        del raw[key]
    raw['version'] = 'v2.10.3'
    build = normalize_build_info(raw)
    # Absent, not invented: a false telemetry or an empty deployment ID would be claims v2.10 never made.
    assert not set(build) & {'telemetry', 'provisioner_api_version', 'deployment_id', 'webpush_public_key'}
    raw['version'] = 'v2.21.0'
    assert normalize_build_info(raw)['webpush_public_key'] == ''  # omitempty from v2.21: no key


def test_ssh():
    assert normalize_ssh(load('deployment-ssh.json')) == {
        'hostname_prefix': 'coder.', 'hostname_suffix': 'coder', 'ssh_config_options': {}}


def test_ssh_keeps_option_names_and_fills_gaps():
    # Before v2.22 there is no hostname_suffix.
    ssh = normalize_ssh({'hostname_prefix': 'coder.', 'ssh_config_options': {'ForwardAgent': 'yes'}})
    assert ssh == {'hostname_prefix': 'coder.', 'ssh_config_options': {'ForwardAgent': 'yes'}}
    assert normalize_ssh({'hostname_prefix': 'coder.', 'ssh_config_options': None})['ssh_config_options'] == {}


def test_ssh_empty_values_are_not_shared_between_calls():
    older = {'hostname_prefix': 'coder.', 'ssh_config_options': None}
    first = normalize_ssh(older)
    first['ssh_config_options']['Injected'] = 'x'
    assert normalize_ssh(older)['ssh_config_options'] == {}


# Answers that are not the endpoint's: an error envelope, an empty object, nulls.
NOT_THE_ANSWER = [{}, {'message': 'Route not found.'}, {'message': 'x', 'detail': 'y'}]


@pytest.mark.parametrize('normalize, raw, missing', [
    (normalize_build_info, {'message': 'Route not found.', 'version': 'v2.34.3'},
     '"external_url", "dashboard_url", "workspace_proxy" are missing'),
    (normalize_ssh, {}, '"hostname_prefix", "ssh_config_options" are missing'),
    (normalize_ssh, {'hostname_prefix': None, 'ssh_config_options': {}}, '"hostname_prefix" is null'),
    (normalize_update_check, {'message': 'x'}, '"current", "version", "url" are missing'),
    (normalize_update_check, {'current': 'yes', 'version': '', 'url': ''}, '"current" is a string, expected a boolean'),
    (normalize_api_root, {}, '"message" is missing'),
    (normalize_api_root, {'message': None}, '"message" is null'),
    (normalize_stats, {'message': 'x'}, '"aggregated_from", "collected_at", "next_update_at", "workspaces", '
                                        '"session_count" are missing'),
    (normalize_stats, dict(load('deployment-stats.json'), workspaces=None), '"workspaces" is null'),
    (normalize_token_config, {'message': 'x'}, '"max_token_lifetime" is missing'),
])
def test_an_answer_without_the_endpoints_fields_is_refused(normalize, raw, missing):
    with pytest.raises(ServerError, match='^unexpected .* response: ' + missing):
        normalize(raw)


@pytest.mark.parametrize('raw', NOT_THE_ANSWER + [[], 'ok', None])
def test_no_small_endpoint_reads_an_answer_of_another_endpoint(raw):
    for normalize in (normalize_build_info, normalize_ssh, normalize_update_check, normalize_stats,
                      normalize_token_config):
        with pytest.raises(ServerError, match='^unexpected '):
            normalize(raw)


def test_update_check():
    assert normalize_update_check(load('updatecheck.json')) == {
        'current': True, 'version': 'v2.34.3', 'url': 'https://github.com/coder/coder/releases/tag/v2.34.3'}
    disabled = normalize_update_check(load('updatecheck-disabled.json'))
    assert disabled['version'] == 'v2.34.3+4653f32'
    assert disabled['current'] is True


def test_api_root():
    assert normalize_api_root(load('root.json')) == {'message': '\U0001f44b'}


def test_stats_lower_cases_go_field_names():
    stats = normalize_stats(load('deployment-stats.json'))
    assert stats['workspaces']['connection_latency_ms'] == {'p50': 32.56, 'p95': 15.23}
    assert stats['collected_at'] == '2023-03-06T19:12:55.211625Z'
    assert stats['workspaces']['rx_bytes'] == 15613513253
    assert stats['session_count']['reconnecting_pty'] == 15


def test_stats_swagger_shape_normalizes_the_same():
    raw = load('deployment-stats.json')
    swagger = copy.deepcopy(raw)
    swagger['workspaces']['connection_latency_ms'] = {'p50': 32.56, 'p95': 15.23}
    assert normalize_stats(swagger) == normalize_stats(raw)


@pytest.mark.parametrize('fixture, seconds, text', [
    ('tokenconfig.json', 3155760000, '876600h0m0s'),
    ('tokenconfig-owner.json', 604800, '168h0m0s'),
])
def test_token_config(fixture, seconds, text):
    raw = load(fixture)
    assert normalize_token_config(raw, 'alice') == {
        'user': 'alice',
        'max_token_lifetime_seconds': seconds,
        'max_token_lifetime': text,
        'max_token_lifetime_ns': raw['max_token_lifetime'],
    }


def test_token_config_defaults_to_me_and_rejects_garbage():
    assert normalize_token_config({'max_token_lifetime': 604800000000000})['user'] == 'me'
    with pytest.raises(ServerError, match='max_token_lifetime'):
        normalize_token_config({'max_token_lifetime': None})
    with pytest.raises(ServerError, match='max_token_lifetime'):
        normalize_token_config({'max_token_lifetime': True})


def test_experiments_real_shapes():
    assert normalize_experiments(load('experiments.json'), load('experiments-available.json')) == {
        'enabled': [], 'available': [], 'unknown': []}


def test_experiments_unknown_names():
    result = normalize_experiments(['oauth2', 'typo-x', 'safe-one', 'typo-x'], {'safe': ['safe-one']})
    assert result['enabled'] == ['oauth2', 'typo-x', 'safe-one', 'typo-x']
    assert result['available'] == ['safe-one']
    assert result['unknown'] == ['typo-x']


def test_experiments_array_shaped_available_from_older_docs():
    assert normalize_experiments(['x'], ['x']) == normalize_experiments(['x'], {'safe': ['x']})
    assert normalize_experiments(['x'], {'safe': []})['unknown'] == ['x']
    assert normalize_experiments(list(KNOWN_EXPERIMENTS), {'safe': []})['unknown'] == []


@pytest.mark.parametrize('enabled, available, message', [
    ({'enabled': []}, {'safe': []}, r'^unexpected /experiments response: expected an array of strings, got an object'),
    (None, {'safe': []}, r'^unexpected /experiments response: expected an array of strings, got null'),
    ([], {}, r'^unexpected /experiments/available response: "safe" is missing'),
    ([], {'message': 'Route not found.'}, r'^unexpected /experiments/available response: "safe" is missing'),
    ([], {'safe': None}, r'^unexpected /experiments/available response: "safe" is null, expected an array'),
    ([], None, r'^unexpected /experiments/available response: expected an array of strings, got null'),
])
def test_experiments_rejects_answers_of_another_shape(enabled, available, message):
    with pytest.raises(ServerError, match=message):
        normalize_experiments(enabled, available)


@pytest.mark.parametrize('key, snake', [
    ('DeploymentName', 'deployment_name'),
    ('SSHConfigOptions', 'ssh_config_options'),
    ('P50', 'p50'),
    ('deploymentName', 'deployment_name'),
    ('already_snake', 'already_snake'),
    ('csp-report', 'csp-report'),
])
def test_snake_case(key, snake):
    assert snake_case(key) == snake
