# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The snapshot core (plugins/plugin_utils/_snapshot.py): facts built from the real wire bodies in, YAML out."""

import copy
import datetime
import json
import random
from pathlib import Path

import pytest
import yaml
from coder_sim.examples import example as load

from ansible_collections.coder.coderd.plugins.plugin_utils import _snapshot
from ansible_collections.coder.coderd.plugins.module_utils._config import DeploymentConfig
from ansible_collections.coder.coderd.plugins.module_utils._units import version_satisfies
from ansible_collections.coder.coderd.plugins.module_utils._values import (
    normalize_build_info, normalize_experiments, normalize_ssh,
)
# The drift engine, for the self-check: a deployment checked against its own snapshot.
from ansible_collections.coder.coderd.plugins.module_utils._desired import DesiredState
from ansible_collections.coder.coderd.plugins.module_utils._drift import evaluate

REPO = Path(__file__).resolve().parents[4]
ALL = list(_snapshot.SECTIONS)
TODAY = datetime.date(2026, 6, 1)

# The recorded deployment (the simulator's example answers): nine settings set through env, two of them secrets.
RECORDED_TEXT = '''\
# yaml-language-server: $schema=https://raw.githubusercontent.com/coder-coderd/coder.coderd/main/docs/desired-state.schema.json
# Desired state of https://coder.example.com, written by coder.coderd.deployment_snapshot.
# Check it with coder.coderd.deployment_assert (desired_file); edit it to what the deployment should be.

version: ~2.34

experiments: []

ssh:
  hostname_prefix: coder.
  hostname_suffix: coder

config:
  CODER_ACCESS_URL: https://coder.example.com  # Access URL
  CODER_HTTP_ADDRESS: 0.0.0.0:3000  # HTTP Address
  CODER_OIDC_CLIENT_ID: coder  # OIDC Client ID
  CODER_OIDC_CLIENT_SECRET: {set: true}  # OIDC Client Secret (secret: only whether it is set)
  CODER_OIDC_ISSUER_URL: https://idp.example.com/realms/coder  # OIDC Issuer URL
  CODER_PG_CONNECTION_URL: {set: true}  # Postgres Connection URL (secret: only whether it is set)
  CODER_PROMETHEUS_ADDRESS: 0.0.0.0:2112  # Prometheus Address
  CODER_PROMETHEUS_ENABLE: true  # Prometheus Enable
  CODER_WILDCARD_ACCESS_URL: '*.coder.example.com'  # Wildcard Access URL
'''


def raw_config(**changes):
    """The recorded /deployment/config body with options changed by flag: {flag: {field: value}}."""
    raw = load('deployment-config.json')
    by_flag = dict((option.get('flag'), option) for option in raw['options'])
    for flag, fields in changes.items():
        by_flag[flag.replace('_', '-')].update(fields)
    return raw


def facts_of(raw=None, version='v2.34.3+4653f32', experiments=(), ssh=None):
    model = DeploymentConfig(raw or load('deployment-config.json'))
    return dict(
        url='https://coder.example.com',
        build=normalize_build_info(dict(load('buildinfo.json'), version=version)),
        config=model.config,
        options=model.options,
        ssh=normalize_ssh(ssh or load('deployment-ssh.json')),
        experiments=normalize_experiments(list(experiments), load('experiments-available.json')),
    )


def self_check(snapshot, facts):
    """(drifts, errors) of ``facts`` checked against the document as a file would give it back."""
    # Config keys resolve through the options list, as deployment_assert resolves them against a live server.
    model = DeploymentConfig.from_facts(facts['config'], facts['options'])
    result = evaluate(DesiredState.from_document(yaml.safe_load(snapshot.text)), facts, [], 'low', TODAY, model)
    return result.drift, [record for record in result.records if record['status'] == 'error']


def config_lines(text):
    lines = text.splitlines()
    return lines[lines.index('config:') + 1:]


def test_the_recorded_deployment_gives_the_expected_file():
    snapshot = _snapshot.take_snapshot(facts_of(), ALL)
    assert snapshot.text == RECORDED_TEXT
    assert snapshot.counts == dict(settings=9, secrets=2, experiments=0, ssh=2)
    assert list(snapshot.document) == ['version', 'experiments', 'ssh', 'config']
    assert yaml.safe_load(snapshot.text) == snapshot.document


def test_values_are_written_in_the_units_a_person_writes():
    raw = raw_config(
        max_token_lifetime=dict(value=2592000000000000, value_source='flag'),
        session_duration=dict(value=1500000000, value_source='yaml'),
        derp_server_stun_addresses=dict(value=['stun.example.com:3478'], value_source='env'),
        postgres_auth=dict(value={'Choices': ['password', 'awsiamrds'], 'Value': 'awsiamrds'}, value_source='env'),
        oidc_auth_url_params=dict(value={'prompt': 'login'}, value_source='env'),
        oidc_group_mapping=dict(value={'set': 'setters', 'eng': 'engineering'}, value_source='env'),
        api_rate_limit=dict(value=100, value_source='env'),
    )
    facts = facts_of(raw)
    config = _snapshot.take_snapshot(facts, ALL).document['config']
    assert config['CODER_MAX_TOKEN_LIFETIME'] == '720h0m0s'
    assert config['CODER_SESSION_DURATION'] == '1.5s'
    assert config['CODER_DERP_SERVER_STUN_ADDRESSES'] == ['stun.example.com:3478']
    assert config['CODER_PG_AUTH'] == 'awsiamrds'
    assert config['CODER_OIDC_AUTH_URL_PARAMS'] == {'prompt': 'login'}
    # 'set' is an operator: without eq the mapping would be read as a check of presence.
    assert config['CODER_OIDC_GROUP_MAPPING'] == {'eq': {'eng': 'engineering', 'set': 'setters'}}
    assert config['CODER_API_RATE_LIMIT'] == 100
    assert self_check(_snapshot.take_snapshot(facts, ALL), facts) == ([], [])


def test_only_settings_an_operator_configured_are_written():
    raw = raw_config(docs_url=dict(value_source='default'), api_rate_limit=dict(value=512, value_source='yaml'),
                     cache_dir=dict(value_source=None), update_check=dict(value=False, value_source='flag'))
    config = _snapshot.take_snapshot(facts_of(raw), ['config']).document['config']
    # A value from the YAML file or a flag counts even when it equals the default.
    assert config['CODER_API_RATE_LIMIT'] == 512
    assert config['CODER_UPDATE_CHECK'] is False
    assert 'CODER_DOCS_URL' not in config and 'CODER_CACHE_DIRECTORY' not in config
    assert len(config) == 11


def test_a_secret_is_written_as_set_and_its_value_never():
    raw = raw_config(postgres_url=dict(value='postgres://coder:leaked-pw@db/coder'),
                     scim_auth_header=dict(value='leaked-scim', value_source='env'))
    # A buggy server may send a secret in `config` too; the value model drops it.
    raw['config']['pg_connection_url'] = 'postgres://coder:leaked-pw@db/coder'
    facts = facts_of(raw)
    snapshot = _snapshot.take_snapshot(facts, ALL)
    assert snapshot.document['config']['CODER_PG_CONNECTION_URL'] == {'set': True}
    assert snapshot.document['config']['CODER_SCIM_AUTH_HEADER'] == {'set': True}
    assert 'leaked' not in snapshot.text and 'leaked' not in json.dumps(snapshot.document)
    assert snapshot.counts['secrets'] == 3
    assert self_check(snapshot, facts) == ([], [])


def test_a_deprecated_alias_appears_once_under_the_current_env_name():
    raw = raw_config(aibridge_openai_key=dict(value_source='env'), ai_gateway_openai_key=dict(value_source='env'),
                     telemetry_enable=dict(value=False, value_source='env'),
                     telemetry=dict(value=False, value_source='env'))
    facts = facts_of(raw)
    config = _snapshot.take_snapshot(facts, ['config']).document['config']
    assert config['CODER_AI_GATEWAY_OPENAI_KEY'] == {'set': True}
    assert config['CODER_TELEMETRY_ENABLE'] is False
    assert 'CODER_AIBRIDGE_OPENAI_KEY' not in config and 'CODER_TELEMETRY' not in config
    assert len(config) == 11


def test_a_setting_without_env_name_is_keyed_by_its_flag():
    providers = [{'id': 'github', 'type': 'github', 'client_id': 'abc'}]
    raw = raw_config(external_auth_providers=dict(value=providers, value_source='yaml'))
    # An option newer than the collection's catalog: no JSON path known, and here no env either.
    raw['options'].append({'name': 'Future Knob', 'flag': 'future-knob', 'value': 'on', 'value_source': 'flag'})
    facts = facts_of(raw)
    snapshot = _snapshot.take_snapshot(facts, ['config'])
    assert snapshot.document['config']['external-auth-providers'] == providers
    assert snapshot.document['config']['future-knob'] == 'on'
    assert "  future-knob: 'on'  # Future Knob" in config_lines(snapshot.text)
    assert self_check(snapshot, facts) == ([], [])


def test_every_setting_is_one_line_with_its_option_name_whatever_its_text():
    raw = raw_config(cli_upgrade_message=dict(value='line one\nline two # not a comment', value_source='env'),
                     oidc_sign_in_text=dict(value='yes', value_source='env'),
                     support_links=dict(value=[{'name': 'Hilfe \u2013 Anleitung', 'target': 'https://x.example/#a',
                                                'icon': ''}], value_source='yaml'))
    facts = facts_of(raw)
    snapshot = _snapshot.take_snapshot(facts, ALL)
    lines = config_lines(snapshot.text)
    model = DeploymentConfig(raw)
    assert len(lines) == len(snapshot.document['config'])
    for line, key in zip(lines, snapshot.document['config']):
        assert line.startswith('  %s: ' % key)
        assert line.endswith('  # ' + model.resolve(key).name + (
            ' (secret: only whether it is set)' if model.resolve(key).secret else ''))
    assert yaml.safe_load(snapshot.text) == snapshot.document
    assert snapshot.document['config']['CODER_OIDC_SIGN_IN_TEXT'] == 'yes'
    assert self_check(snapshot, facts) == ([], [])


@pytest.mark.parametrize('version, pin, expected, outside', [
    ('v2.34.3+4653f32', 'minor', '~2.34', ['v2.35.0', 'v2.33.9', 'v2.35.0-rc.1']),
    ('v2.34.3+4653f32', 'major', '>=2.34,<3', ['v3.0.0', 'v3.0.0-rc.1', 'v2.33.9']),
    ('v2.34.3+4653f32', 'exact', '==2.34.3', ['v2.34.2', 'v2.34.4']),
    ('v2.35.0-rc.1+9f8e7d6', 'minor', '>=2.35.0-rc.1,<2.36', ['v2.35.0-rc.0', 'v2.36.0-rc.1', 'v2.34.9']),
    ('v2.35.0-rc.1+9f8e7d6', 'major', '>=2.35.0-rc.1,<3', ['v2.35.0-rc.0', 'v3.0.0']),
    ('v2.35.0-rc.1+9f8e7d6', 'exact', '==2.35.0-rc.1', ['v2.35.0', 'v2.35.0-rc.2']),
    ('v0.0.0-devel+abc1234', 'minor', '>=0.0.0-devel,<0.1', ['v0.1.0']),
])
def test_the_version_pin_admits_the_running_version_and_no_other_release_line(version, pin, expected, outside):
    assert _snapshot.version_constraint(version, pin) == expected
    assert version_satisfies(version, expected)
    for other in outside:
        assert not version_satisfies(other, expected), other


def test_sections_chosen_and_the_endpoints_they_need():
    assert _snapshot.chosen_sections() == ALL
    assert _snapshot.chosen_sections(include=['config', 'version']) == ['version', 'config']
    assert _snapshot.chosen_sections(exclude=['ssh'], version_pin='none') == ['experiments', 'config']
    assert _snapshot.required_subsets(['version', 'experiments', 'ssh', 'config']) == [
        'build', 'experiments', 'ssh', 'config']
    with pytest.raises(ValueError, match='leave no section to snapshot'):
        _snapshot.chosen_sections(include=['version'], version_pin='none')
    document = _snapshot.take_snapshot(facts_of(experiments=['oauth2']), ['experiments', 'config']).document
    assert list(document) == ['experiments', 'config']


def test_the_same_deployment_gives_the_same_bytes_whatever_the_order_of_the_answers():
    ssh = {'hostname_prefix': 'dev.', 'hostname_suffix': 'dev',
           'ssh_config_options': {'ServerAliveInterval': '30', 'ForwardAgent': 'yes'}}
    raw = raw_config(oidc_group_mapping=dict(value={'b': 'x', 'a': 'y'}, value_source='env'))
    first = _snapshot.take_snapshot(facts_of(raw, experiments=['web-push', 'oauth2'], ssh=ssh), ALL)
    shuffled = copy.deepcopy(raw)
    random.Random(7).shuffle(shuffled['options'])
    shuffled['config'] = dict(reversed(list(shuffled['config'].items())))
    for option in shuffled['options']:
        if option.get('flag') == 'oidc-group-mapping':
            option['value'] = {'a': 'y', 'b': 'x'}
    reordered_ssh = dict(ssh, ssh_config_options={'ForwardAgent': 'yes', 'ServerAliveInterval': '30'})
    second = _snapshot.take_snapshot(facts_of(shuffled, experiments=['oauth2', 'web-push'], ssh=reordered_ssh), ALL)
    assert second.text == first.text
    assert '  ssh_config_options: {ForwardAgent: \'yes\', ServerAliveInterval: \'30\'}' in first.text.splitlines()
    assert 'experiments: [oauth2, web-push]' in first.text.splitlines()


def test_ssh_settings_follow_what_the_server_sends():
    older = _snapshot.take_snapshot(facts_of(ssh={'hostname_prefix': 'coder.', 'ssh_config_options': None}), ['ssh'])
    assert older.document == {'ssh': {'hostname_prefix': 'coder.'}}
    assert older.counts['ssh'] == 1


def test_the_schema_comment_names_the_shipped_schema():
    shipped = REPO / _snapshot.SCHEMA_URL.split('/main/', 1)[1]
    assert shipped.is_file()
    assert RECORDED_TEXT.splitlines()[0] == '# yaml-language-server: $schema=' + _snapshot.SCHEMA_URL
