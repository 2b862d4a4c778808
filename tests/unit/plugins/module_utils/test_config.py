# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The deployment config (plugins/module_utils/_config.py) against the real wire body recorded in the simulator."""

import copy
import importlib.util
import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from coder_sim import DEFAULT_TOKENS
from coder_sim.examples import example as load

from ansible_collections.coder.coderd.plugins.module_utils import _option_catalog
from ansible_collections.coder.coderd.plugins.module_utils._config import (
    SECRET_MASK,
    DeploymentConfig,
    Setting,
    UnknownKeyError,
    find_option,
    mask_deployment_config,
    newer_than_catalog,
)
from ansible_collections.coder.coderd.plugins.module_utils._errors import InputError, ServerError
from ansible_collections.coder.coderd.plugins.module_utils._values import snake_case

REPO = Path(__file__).resolve().parents[4]


@pytest.fixture(scope='module')
def config_body():
    return load('deployment-config.json')


@pytest.fixture(scope='module')
def deployment(config_body):
    return DeploymentConfig(copy.deepcopy(config_body))


def object_state(item):
    """json.dumps fallback that exposes what an object holds."""
    if isinstance(item, (set, frozenset, tuple)):
        return sorted(item, key=repr)
    if hasattr(item, '__slots__'):
        return dict((name, getattr(item, name)) for name in item.__slots__)
    return vars(item)


def walk_values(node, path=''):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk_values(value, path + '.' + key if path else key)
    yield path, node


# --- deployment config: config -----------------------------------------------------------------

def test_config_values_are_normalized(deployment):
    config = deployment.config
    assert config['access_url'] == 'https://coder.example.com'
    assert config['http_address'] == '0.0.0.0:3000'
    assert config['tls']['address'] == '127.0.0.1:3443'
    assert config['session_lifetime']['max_token_lifetime'] == 3155760000
    assert config['session_lifetime']['max_admin_token_lifetime'] == 604800
    assert config['healthcheck']['threshold_database'] == 0.015
    assert config['tls']['min_version'] == 'tls12'
    assert config['pg_auth'] == 'password'
    assert config['tls']['cert_file'] == []
    assert config['oidc']['auth_url_params'] == {'access_type': 'offline'}
    assert config['support']['links'] == []
    assert config['external_auth'] == []


def test_config_secrets_report_presence_only(deployment):
    config = deployment.config
    assert config['pg_connection_url'] == {'set': True}
    assert config['oidc']['client_secret'] == {'set': True}
    assert config['oauth2']['github']['client_secret'] == {'set': False}
    assert config['scim_api_key'] == {'set': False}
    assert config['external_token_encryption_keys'] == {'set': False}


def test_config_go_field_names_become_snake_case(deployment, config_body):
    assert config_body['config']['config_ssh'] == {'DeploymentName': 'coder.', 'SSHConfigOptions': None}
    assert deployment.config['config_ssh'] == {'deployment_name': 'coder.', 'ssh_config_options': []}


def test_config_fills_omitted_top_level_zero_values(deployment, config_body):
    for key in ('verbose', 'experiments', 'browser_only', 'write_config', 'disable_password_auth'):
        assert key not in config_body['config']
    config = deployment.config
    assert config['verbose'] is False
    assert config['experiments'] == []
    assert config['browser_only'] is False
    assert config['disable_password_auth'] is False
    assert config['cli_upgrade_message'] == ''
    assert config['strict_transport_security'] == 0


def test_config_has_no_null_and_every_duration_in_seconds(deployment):
    durations = set(_path for _name, _flag, _env, _yaml, kind, _path, *_rest in _option_catalog.OPTIONS
                    if kind == 'duration')
    assert 'session_lifetime.max_token_lifetime' in durations
    for path, value in walk_values(deployment.config):
        assert value is not None, path
        if path in durations:
            # No Coder duration is 1000 years long: a value this large would still be nanoseconds.
            assert isinstance(value, (int, float)) and value < 3.2e10, path


def test_config_is_json_able_and_keeps_the_wire_nesting(deployment, config_body):
    assert json.loads(json.dumps(deployment.config)) == deployment.config
    assert set(snake_case(key) for key in config_body['config']) <= set(deployment.config)
    assert set(deployment.config['ai']['bridge']) == set(config_body['config']['ai']['bridge'])


# --- deployment config: options ----------------------------------------------------------------

def test_options_records(deployment):
    options = deployment.options
    assert len(options) == 281
    by_flag = dict((option['flag'], option) for option in options)
    assert by_flag['max-token-lifetime'] == {
        'name': 'Max Token Lifetime',
        'env': 'CODER_MAX_TOKEN_LIFETIME',
        'flag': 'max-token-lifetime',
        'yaml_path': 'networking.http.maxTokenLifetime',
        'json_path': 'session_lifetime.max_token_lifetime',
        'type': 'duration',
        'value': 3155760000,
        'value_source': 'default',
        'secret': False,
        'hidden': False,
        'description': 'The maximum lifetime duration users can specify when creating an API token.',
    }
    assert by_flag['postgres-auth']['value'] == 'password'
    assert by_flag['postgres-auth']['type'] == 'enum'
    assert by_flag['samesite-auth-cookie']['value'] == 'lax'
    assert by_flag['postgres-url']['value'] == {'set': True}
    assert by_flag['postgres-url']['value_source'] == 'env'
    assert by_flag['scim-auth-header']['value'] == {'set': False}
    assert by_flag['experiments']['value'] == []
    assert by_flag['verbose']['value_source'] == ''
    assert by_flag['address']['hidden'] is True


def test_options_yaml_paths_follow_the_group_ancestry(deployment):
    catalog_yaml = dict((record[1], record[3]) for record in _option_catalog.OPTIONS)
    for option in deployment.options:
        assert option['yaml_path'] == catalog_yaml[option['flag']], option['flag']


def test_shipped_catalog_is_the_newest_release_then_the_options_it_dropped(coder_sim_factory):
    """The catalog lists Coder v2.36's options in the server's order, then the ones older releases had."""
    sim = coder_sim_factory(state={'coder_version': 'v2.36.1'})
    body = requests.get(sim.url + '/api/v2/deployment/config', timeout=10,
                        headers={'Coder-Session-Token': DEFAULT_TOKENS['owner']}).json()
    records = [dict(zip(_option_catalog.FIELDS, record)) for record in _option_catalog.OPTIONS]
    assert _option_catalog.CODER_VERSION == 'v2.36'
    current = [record for record in records if not record['removed']]
    assert [record['flag'] for record in current] == [option['flag'] for option in body['options']]
    assert [(record['flag'], record['removed']) for record in records if record['removed']] == [
        ('provisioner-daemons-echo', 'v2.11'), ('in-memory', 'v2.25')]
    secret_flags = set(option['flag'] for option in body['options']
                       if (option.get('annotations') or {}).get('secret') == 'true')
    assert secret_flags == set(record['flag'] for record in current if record['secret'])
    assert len(secret_flags) == 18


def release_config(coder_sim_factory, coder_version, deployment):
    sim = coder_sim_factory(state={'coder_version': coder_version, 'deployment': deployment})
    return DeploymentConfig(requests.get(sim.url + '/api/v2/deployment/config', timeout=10,
                                         headers={'Coder-Session-Token': DEFAULT_TOKENS['owner']}).json())


def test_an_old_release_s_moved_settings_are_also_at_their_current_path(coder_sim_factory):
    # v2.10 keeps both at the top level, and omits the false cookie setting altogether.
    model = release_config(coder_sim_factory, 'v2.10.3', {'CODER_MAX_TOKEN_LIFETIME': '720h',
                                                          'CODER_SECURE_AUTH_COOKIE': 'false'})
    assert model.config['max_token_lifetime'] == 720 * 3600
    assert model.config['session_lifetime']['max_token_lifetime'] == 720 * 3600
    assert model.config['http_cookies'] == {'secure_auth_cookie': False}
    assert 'secure_auth_cookie' not in model.config
    assert model.resolve('session_lifetime.max_token_lifetime').value == 720 * 3600
    assert model.resolve('max_token_lifetime').value == 720 * 3600
    assert model.missing_setting('CODER_WORKSPACE_HOSTNAME_SUFFIX', 'v2.10.3') == (
        'CODER_WORKSPACE_HOSTNAME_SUFFIX: not a setting of Coder v2.10.3 (added in v2.22)')
    assert model.missing_setting('CODER_MAX_TOKEN_LIFETIME', 'v2.10.3') == ''
    assert model.missing_setting('no-such-setting', 'v2.10.3') == ''


def test_a_v2_29_server_that_returns_ai_bridge_keys_in_clear_never_has_them_kept(coder_sim_factory):
    # Before Coder made them secret (v2.29 or v2.30) the keys are in `config` and `options` as they are.
    model = release_config(coder_sim_factory, 'v2.29.4', {'CODER_AIBRIDGE_OPENAI_KEY': 'sk-sim-openai-secret'})
    assert model.config['ai']['bridge']['openai']['key'] == {'set': True}
    assert 'sk-sim-openai-secret' not in json.dumps([model.config, model.options])
    assert model.resolve('CODER_AIBRIDGE_OPENAI_KEY').value == {'set': True}


def test_facts_without_options_date_settings_by_the_catalog():
    model = DeploymentConfig.from_facts({'access_url': 'https://coder.example.com'})
    assert model.missing_setting('CODER_WORKSPACE_HOSTNAME_SUFFIX', 'v2.16.1') == (
        'CODER_WORKSPACE_HOSTNAME_SUFFIX: not a setting of Coder v2.16.1 (added in v2.22)')
    assert model.missing_setting('CODER_WORKSPACE_HOSTNAME_SUFFIX', 'v2.22.0') == ''
    assert model.missing_setting('in-memory', 'v2.36.1') == 'in-memory: not a setting of Coder v2.36.1 (removed in v2.25)'
    # Within the span a setting came in, and without a version, nothing is claimed.
    assert model.missing_setting('CODER_EMAIL_TLS_SKIPVERIFY', 'v2.20.0') == ''
    assert model.missing_setting('CODER_WORKSPACE_HOSTNAME_SUFFIX', None) == ''


@pytest.mark.parametrize('version, newer', [('v2.37.0', True), ('v3.0.0', True), ('v2.36.9', False),
                                            ('v2.10.3', False), ('not a version', False), (None, False)])
def test_newer_than_catalog(version, newer):
    assert newer_than_catalog(version) is newer


def test_the_catalog_knows_when_settings_came_and_moved():
    records = dict((record[1], dict(zip(_option_catalog.FIELDS, record))) for record in _option_catalog.OPTIONS)
    assert records['workspace-hostname-suffix']['added'] == 'v2.22'
    assert records['cluster-host']['added'] == 'v2.35'
    assert records['access-url']['added'] == ''  # v2.10, the oldest release read, has it
    assert (records['max-token-lifetime']['moved_from'], records['max-token-lifetime']['moved_in']) == (
        'max_token_lifetime', 'v2.11')
    assert (records['secure-auth-cookie']['moved_from'], records['secure-auth-cookie']['moved_in']) == (
        'secure_auth_cookie', 'v2.22')
    assert records['external-auth-providers']['moved_from'] == 'git_auth'


# --- deployment config: resolve / select -------------------------------------------------------

MAX_TOKEN_LIFETIME_FORMS = [
    'session_lifetime.max_token_lifetime',
    'CODER_MAX_TOKEN_LIFETIME',
    'coder_max_token_lifetime',
    'max-token-lifetime',
    '--max-token-lifetime',
    'networking.http.maxTokenLifetime',
    'Max Token Lifetime',
    'max token lifetime',
]


@pytest.mark.parametrize('key', MAX_TOKEN_LIFETIME_FORMS)
def test_resolve_every_key_form(deployment, key):
    setting = deployment.resolve(key)
    assert isinstance(setting, Setting)
    assert setting == Setting(
        key=key,
        resolved_as='session_lifetime.max_token_lifetime',
        name='Max Token Lifetime',
        env='CODER_MAX_TOKEN_LIFETIME',
        flag='max-token-lifetime',
        yaml_path='networking.http.maxTokenLifetime',
        type='duration',
        value=3155760000,
        value_source='default',
        secret=False,
        set=True,
    )


def test_resolve_go_field_name_path(deployment):
    for key in ('config_ssh.DeploymentName', 'config_ssh.deployment_name', 'CODER_SSH_HOSTNAME_PREFIX'):
        setting = deployment.resolve(key)
        assert setting.resolved_as == 'config_ssh.deployment_name'
        assert setting.value == 'coder.'
        assert setting.flag == 'ssh-hostname-prefix'


def test_resolve_prefers_the_current_option_over_a_deprecated_alias(deployment):
    assert deployment.resolve('telemetry.enable').flag == 'telemetry'
    assert deployment.resolve('telemetry-enable').flag == 'telemetry-enable'
    assert deployment.resolve('telemetry-enable').resolved_as == 'telemetry.enable'
    assert deployment.resolve('notifications.email.from').flag == 'email-from'
    # The server lists these deprecated aibridge-* aliases before their ai-gateway-* replacements.
    assert deployment.resolve('ai.bridge.openai.base_url').flag == 'ai-gateway-openai-base-url'
    assert deployment.resolve('aibridge-openai-base-url').resolved_as == 'ai.bridge.openai.base_url'


def test_resolve_secret(deployment):
    setting = deployment.resolve('CODER_PG_CONNECTION_URL')
    assert setting.resolved_as == 'pg_connection_url'
    assert (setting.type, setting.secret, setting.set, setting.value) == ('secret', True, True, {'set': True})
    assert deployment.resolve('oidc.client_secret').value == {'set': True}
    assert deployment.resolve('CODER_OAUTH2_GITHUB_CLIENT_SECRET').set is False


def test_resolve_types(deployment):
    expected = {
        'CODER_ACCESS_URL': ('url', 'https://coder.example.com'),
        'CODER_TLS_ADDRESS': ('host:port', '127.0.0.1:3443'),
        'CODER_TLS_MIN_VERSION': ('string', 'tls12'),
        'CODER_PG_AUTH': ('enum', 'password'),
        'CODER_EXPERIMENTS': ('string-array', []),
        'CODER_VERBOSE': ('bool', False),
        'CODER_API_RATE_LIMIT': ('int', 512),
        'CODER_OIDC_GROUP_MAPPING': ('struct', {}),
        'CODER_OIDC_GROUP_REGEX_FILTER': ('regexp', '.*'),
    }
    for key, (kind, value) in expected.items():
        setting = deployment.resolve(key)
        assert (setting.type, setting.value) == (kind, value), key


def test_resolve_config_only_keys_by_json_path(deployment):
    setting = deployment.resolve('telemetry.trace')
    assert (setting.resolved_as, setting.type, setting.value, setting.set) == ('telemetry.trace', 'bool', False, False)
    assert (setting.name, setting.env, setting.flag, setting.yaml_path, setting.value_source) == ('', '', '', '', '')
    group = deployment.resolve('session_lifetime')
    assert group.type == 'struct'
    assert group.value['max_token_lifetime'] == 3155760000


def test_select(deployment):
    assert deployment.select(['CODER_ACCESS_URL', 'tls.min_version', 'CODER_PG_CONNECTION_URL', 'disable_password_auth']) == {
        'CODER_ACCESS_URL': 'https://coder.example.com',
        'tls.min_version': 'tls12',
        'CODER_PG_CONNECTION_URL': {'set': True},
        'disable_password_auth': False,
    }
    assert deployment.select('verbose') == {'verbose': False}


def test_unknown_key_suggests_close_matches(deployment):
    with pytest.raises(UnknownKeyError) as error:
        deployment.resolve('CODER_ACESS_URL')
    message = str(error.value)
    assert isinstance(error.value, InputError)
    assert message.startswith("unknown deployment setting 'CODER_ACESS_URL'; did you mean: CODER_ACCESS_URL")
    assert '\n' not in message
    assert len(message.split('did you mean: ')[1].split(', ')) <= 5


def test_unknown_key_suggests_one_spelling_per_setting(deployment):
    with pytest.raises(UnknownKeyError) as error:
        deployment.resolve('max-token-lifetim')
    suggestions = str(error.value).split('did you mean: ')[1].split(', ')
    assert suggestions[0] == 'max-token-lifetime'
    assert 'Max Token Lifetime' not in suggestions


@pytest.mark.parametrize('key', ['zzqqxx', '', None, 'session_lifetime.max_token_lifetime.extra'])
def test_unknown_key_without_suggestions(deployment, key):
    with pytest.raises(UnknownKeyError, match='deployment setting'):
        deployment.resolve(key)


def test_thousands_of_unknown_keys_cost_a_bounded_number_of_suggestion_searches(config_body, monkeypatch):
    import difflib
    searches = []
    close_matches = difflib.get_close_matches
    monkeypatch.setattr(difflib, 'get_close_matches', lambda *args, **kwargs: searches.append(args[0]) or
                        close_matches(*args, **kwargs))
    deployment = DeploymentConfig(copy.deepcopy(config_body))
    messages = []
    for number in range(2000):
        with pytest.raises(UnknownKeyError) as error:
            deployment.resolve('CODER_ACESS_URL%d' % number)
        messages.append(str(error.value))
    assert len(searches) == 20
    assert all('did you mean: CODER_ACCESS_URL' in message for message in messages[:20])
    assert messages[20] == ("unknown deployment setting 'CODER_ACESS_URL20'; use a JSON path, env var, flag, "
                            "YAML path or option name of the deployment config")
    # Known keys still resolve.
    assert deployment.resolve('CODER_ACCESS_URL').value == 'https://coder.example.com'


def test_an_unknown_key_is_shown_cut_to_one_short_line(deployment):
    with pytest.raises(UnknownKeyError) as error:
        deployment.resolve('x' * 100000)
    assert len(str(error.value)) < 300
    with pytest.raises(UnknownKeyError, match='expected a non-empty string, got an array$'):
        deployment.resolve(['x'] * 100000)


@pytest.mark.parametrize('key', MAX_TOKEN_LIFETIME_FORMS)
def test_find_option_in_the_options_fact(deployment, key):
    options = json.loads(json.dumps(deployment.options))
    assert find_option(options, key)['flag'] == 'max-token-lifetime'


def every_key_form(deployment):
    return sorted(set(option[field] for option in deployment.options
                      for field in ('json_path', 'env', 'flag', 'yaml_path', 'name') if option[field]))


def test_find_option_finds_what_resolve_finds(deployment):
    """One key index: where options share a JSON path, both pick the current option over its deprecated alias."""
    for key in every_key_form(deployment):
        setting = deployment.resolve(key)
        if setting.flag:  # not a config group such as 'telemetry', which is also a flag
            assert find_option(deployment.options, key)['flag'] == setting.flag, key
    assert find_option(deployment.options, 'ai.bridge.circuit_breaker_timeout')['flag'] == \
        'ai-gateway-circuit-breaker-timeout'


def test_facts_with_their_options_resolve_like_the_answer(deployment):
    facts = json.loads(json.dumps({'config': deployment.config, 'options': deployment.options}))
    model = DeploymentConfig.from_facts(facts['config'], facts['options'])
    assert model.options is facts['options']
    for key in every_key_form(deployment) + ['telemetry.trace', 'config_ssh.DeploymentName']:
        assert model.resolve(key) == deployment.resolve(key), key


@pytest.mark.parametrize('options, message', [
    ('x', '^options: expected the options list of coder.coderd.deployment_info'),
    ([{'name': 'Access URL', 'json_path': 7}], '^options: item 1 "json_path" is a number, expected a string$'),
])
def test_facts_with_options_that_are_no_options_list(deployment, options, message):
    with pytest.raises(InputError, match=message):
        DeploymentConfig.from_facts(deployment.config, options)


def test_find_option_prefers_the_visible_option_and_suggests(deployment):
    assert find_option(deployment.options, 'ai.bridge.openai.base_url')['flag'] == 'ai-gateway-openai-base-url'
    assert find_option(deployment.options, 'telemetry.enable')['flag'] == 'telemetry'
    with pytest.raises(UnknownKeyError, match='did you mean: CODER_ACCESS_URL'):
        find_option(deployment.options, 'CODER_ACESS_URL')


# --- secrets a buggy server returned -----------------------------------------------------------

LEAK = 'hunter2-leaked-7f3a'


@pytest.fixture
def leaky_body(config_body):
    body = copy.deepcopy(config_body)
    by_flag = dict((option['flag'], option) for option in body['options'])
    by_flag['postgres-url']['value'] = 'postgres://coder:' + LEAK + '@db/coder'
    by_flag['oidc-client-secret']['value'] = LEAK
    by_flag['notifications-email-auth-password']['use_instead'][0]['value'] = LEAK
    by_flag['aibridge-openai-key']['use_instead'][0]['value'] = LEAK
    by_flag['aibridge-openai-key']['use_instead'][0]['use_instead'] = [
        {'name': 'Nested', 'flag': 'nested-key', 'annotations': {'secret': 'true'}, 'value': LEAK}]
    # A secret a newer server knows and the shipped catalog does not: only its annotation says so.
    body['options'].append({'name': 'Future Token', 'flag': 'future-token', 'env': 'CODER_FUTURE_TOKEN',
                            'annotations': {'secret': 'true'}, 'value': LEAK})
    body['config']['pg_connection_url'] = LEAK
    body['config']['oidc']['client_secret'] = LEAK
    body['config']['ai']['bridge']['openai']['key'] = LEAK
    body['config']['external_token_encryption_keys'] = [LEAK]
    return body


def test_leaked_secrets_never_reach_any_output(leaky_body):
    assert LEAK in json.dumps(leaky_body)
    deployment = DeploymentConfig(leaky_body)
    outputs = [deployment.config, deployment.options, mask_deployment_config(leaky_body)]
    for option in deployment.options:
        for key in (option['json_path'], option['env'], option['flag'], option['yaml_path'], option['name']):
            if key:
                outputs.append(deployment.resolve(key)._asdict())
    outputs.append(deployment.select(['pg_connection_url', 'oidc', 'ai', 'external_token_encryption_keys']))
    for output in outputs:
        assert LEAK not in json.dumps(output)
    # Nor is one kept anywhere inside the object, where a later change could expose it.
    assert LEAK not in json.dumps(vars(deployment), default=object_state)


def test_leaked_secrets_count_as_set(leaky_body):
    deployment = DeploymentConfig(leaky_body)
    assert deployment.config['ai']['bridge']['openai']['key'] == {'set': True}
    assert deployment.config['external_token_encryption_keys'] == {'set': True}
    future = deployment.resolve('CODER_FUTURE_TOKEN')
    assert (future.type, future.value, future.resolved_as) == ('secret', {'set': True}, 'future-token')


def test_mask_deployment_config_masks_in_place_of_the_value(leaky_body):
    masked = mask_deployment_config(leaky_body)
    by_flag = dict((option['flag'], option) for option in masked['options'])
    assert by_flag['postgres-url']['value'] == SECRET_MASK
    assert by_flag['notifications-email-auth-password']['use_instead'][0]['value'] == SECRET_MASK
    assert by_flag['aibridge-openai-key']['use_instead'][0]['use_instead'][0]['value'] == SECRET_MASK
    assert by_flag['future-token']['value'] == SECRET_MASK
    assert masked['config']['pg_connection_url'] == SECRET_MASK
    assert masked['config']['oidc']['client_secret'] == SECRET_MASK
    # Non-secret values and empty secrets stay readable.
    assert masked['config']['access_url'] == 'https://coder.example.com'
    assert masked['config']['trace']['honeycomb_api_key'] == ''
    assert LEAK in json.dumps(leaky_body)


# --- other server generations ------------------------------------------------------------------

LEGACY_URL_OPTIONS = {
    'access-url': 'access_url',
    'docs-url': 'docs_url',
    'derp-server-relay-url': 'derp.server.relay_url',
    'oidc-icon-url': 'oidc.icon_url',
    'oidc-redirect-url': 'oidc.redirect_url',
    'telemetry-url': 'telemetry.url',
    'agent-fallback-troubleshooting-url': 'agent_fallback_troubleshooting_url',
    'notifications-webhook-endpoint': 'notifications.webhook.endpoint',
}
LEGACY_HOST_PORT_OPTIONS = {
    'tls-address': 'tls.address',
    'address': 'address',
    'prometheus-address': 'prometheus.address',
    'pprof-address': 'pprof.address',
}


def swagger_url(text):
    parts = urlsplit(text)
    return {'scheme': parts.scheme, 'opaque': '', 'user': {}, 'host': parts.netloc, 'path': parts.path,
            'rawPath': '', 'omitHost': False, 'forceQuery': False, 'rawQuery': parts.query,
            'fragment': parts.fragment, 'rawFragment': ''}


def swagger_host_port(text):
    host, _sep, port = text.rpartition(':')
    return {'host': host, 'port': port}


def legacy_body(body):
    """The example as the older docs/swagger describe it: URL and host:port values as objects."""
    legacy = copy.deepcopy(body)
    by_flag = dict((option['flag'], option) for option in legacy['options'])
    for options, convert in ((LEGACY_URL_OPTIONS, swagger_url), (LEGACY_HOST_PORT_OPTIONS, swagger_host_port)):
        for flag, path in options.items():
            by_flag[flag]['value'] = convert(by_flag[flag]['value'])
            *parents, leaf = path.split('.')
            node = legacy['config']
            for parent in parents:
                node = node[parent]
            node[leaf] = convert(node[leaf])
    return legacy


def test_legacy_object_forms_normalize_the_same(config_body, deployment):
    legacy = legacy_body(config_body)
    assert legacy['config']['access_url']['host'] == 'coder.example.com'
    assert legacy['config']['tls']['address'] == {'host': '127.0.0.1', 'port': '3443'}
    old = DeploymentConfig(legacy)
    assert old.config == deployment.config
    assert old.options == deployment.options
    assert old.resolve('CODER_PROMETHEUS_ADDRESS').value == '0.0.0.0:2112'


def test_facts_resolve_through_the_catalog(deployment):
    facts = DeploymentConfig.from_facts(json.loads(json.dumps(deployment.config)))
    assert facts.options == []
    for key in MAX_TOKEN_LIFETIME_FORMS:
        assert facts.resolve(key) == deployment.resolve(key)._replace(value_source='', set=True), key
    assert facts.resolve('CODER_PG_CONNECTION_URL').value == {'set': True}
    assert facts.resolve('config_ssh.DeploymentName').value == 'coder.'
    assert facts.resolve('telemetry.trace').value is False


def test_facts_never_invent_a_value():
    facts = DeploymentConfig.from_facts({'access_url': 'https://coder.example.com'})
    assert facts.resolve('CODER_ACCESS_URL').value == 'https://coder.example.com'
    for key in ('dangerous.allow_all_cors', 'CODER_TELEMETRY_ENABLE', 'CODER_PG_CONNECTION_URL'):
        with pytest.raises(InputError, match=r"^the gathered config facts have no '[a-z_.]+' \(the setting '%s'\)" % key):
            facts.resolve(key)
    with pytest.raises(InputError, match='config facts are a string'):
        DeploymentConfig.from_facts('access_url')


def test_newer_server_option_unknown_to_the_catalog(config_body):
    body = copy.deepcopy(config_body)
    body['options'].append({'name': 'Future Knob', 'flag': 'future-knob', 'env': 'CODER_FUTURE_KNOB',
                            'yaml': 'futureKnob', 'group': {'name': 'Networking', 'yaml': 'networking'},
                            'value': 5000000000, 'annotations': {'format_duration': 'true'}, 'value_source': 'env'})
    deployment = DeploymentConfig(body)
    for key in ('CODER_FUTURE_KNOB', '--future-knob', 'networking.futureKnob', 'future knob'):
        setting = deployment.resolve(key)
        assert (setting.type, setting.value, setting.resolved_as, setting.set) == ('duration', 5, 'future-knob', True)


def test_older_server_without_an_option_still_resolves_its_json_path(config_body):
    body = copy.deepcopy(config_body)
    body['options'] = [option for option in body['options'] if option['flag'] != 'max-token-lifetime']
    deployment = DeploymentConfig(body)
    assert deployment.resolve('session_lifetime.max_token_lifetime').value == 3155760000
    with pytest.raises(UnknownKeyError):
        deployment.resolve('CODER_MAX_TOKEN_LIFETIME')


@pytest.mark.parametrize('raw, message', [
    ([], 'expected a JSON object'),
    ({}, '"config", "options" are missing'),
    ({'message': 'Route not found.'}, '"config", "options" are missing'),
    ({'config': None, 'options': None}, '"config" is null, expected an object'),
    ({'config': {}, 'options': None}, '"options" is null, expected an array'),
    ({'config': []}, '"options" is missing'),
    ({'config': [], 'options': []}, '"config" is an array, expected an object'),
    ({'config': {}, 'options': 'x'}, '"options" is a string, expected an array'),
    ({'config': {}, 'options': []}, '"options" is empty'),
    ({'config': {}, 'options': [1]}, '"options" item 1 is a number, expected an object'),
    ({'config': {}, 'options': [{'name': 'Access URL', 'env': 1.5}]}, '"options" item 1 "env" is a number'),
    ({'config': {}, 'options': [{'flag': ['x']}]}, '"options" item 1 "flag" is an array'),
])
def test_deployment_config_rejects_bad_bodies(raw, message):
    with pytest.raises(ServerError, match='^unexpected /deployment/config response: ' + message):
        DeploymentConfig(raw)


def test_a_config_without_some_options_is_a_real_answer(config_body):
    """Go omits top-level zero values from `config`; the options list still gives every value."""
    body = copy.deepcopy(config_body)
    body['config'] = {}
    deployment = DeploymentConfig(body)
    assert deployment.resolve('CODER_ACCESS_URL').value == 'https://coder.example.com'
    assert deployment.resolve('dangerous.allow_all_cors').value is False


def test_deployment_config_names_the_value_it_cannot_read(config_body):
    body = copy.deepcopy(config_body)
    body['config']['session_lifetime']['max_token_lifetime'] = 'forever'
    with pytest.raises(ServerError, match="config 'session_lifetime.max_token_lifetime': invalid Go duration 'forever'"):
        DeploymentConfig(body)
    body = copy.deepcopy(config_body)
    next(option for option in body['options'] if option['flag'] == 'access-url')['value'] = 42
    with pytest.raises(ServerError, match="option 'access-url': expected a URL"):
        DeploymentConfig(body)


# --- the catalog generator ---------------------------------------------------------------------

def load_generator():
    spec = importlib.util.spec_from_file_location('gen_option_catalog', str(REPO / 'tools' / 'gen_option_catalog.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generator_writes_one_loadable_record_per_option(tmp_path):
    generator = load_generator()
    source = {
        'note': 'Read from coder/coder v9.9.9 (tag v9.9.9, commit ' + 'a' * 40 + ').',
        'options': [
            {'name': 'Access URL', 'flag': 'access-url', 'env': 'CODER_ACCESS_URL', 'yaml_path': 'networking.accessURL',
             'type': 'url', 'config_json_path': 'access_url', 'secret': False, 'hidden': False, 'default': None,
             'use_instead': None},
            {'name': 'A' * 150, 'flag': 'long', 'env': None, 'yaml_path': None, 'type': 'bool',
             'config_json_path': 'long', 'secret': True, 'hidden': True, 'default': 'false', 'use_instead': ['access-url']},
        ],
    }
    (tmp_path / 'options.json').write_text(json.dumps(source), encoding='utf-8')
    out = tmp_path / 'catalog.py'
    generator.main([str(tmp_path / 'options.json'), str(out)])
    first = out.read_bytes()
    generator.main([str(tmp_path / 'options.json'), str(out)])
    assert out.read_bytes() == first
    namespace = {}
    exec(compile(first, str(out), 'exec'), namespace)
    assert namespace['CODER_VERSION'] == 'v9.9.9'
    assert namespace['FIELDS'] == _option_catalog.FIELDS
    assert namespace['OPTIONS'] == (
        ('Access URL', 'access-url', 'CODER_ACCESS_URL', 'networking.accessURL', 'url', 'access_url', False, False, '', '',
         '', '', '', ''),
        ('A' * 150, 'long', '', '', 'bool', 'long', True, True, 'false', 'access-url', '', '', '', ''),
    )
    record_lines = [line for line in first.decode('utf-8').splitlines() if line.startswith('    (')]
    assert len(record_lines) == 2
    assert all(line.endswith('# noqa: E501') for line in record_lines)
    assert 'commit ' + 'a' * 40 in first.decode('utf-8')


def test_generator_dates_each_option_by_the_releases_that_have_it():
    generator = load_generator()
    option = dict(name='Old', env='', yaml_path='', type='bool', secret=False, hidden=False, default=None,
                  use_instead=None)
    base = {'note': 'Read from coder/coder (tag v2.34.3, commit ' + 'a' * 40 + ').', 'options': [
        dict(option, flag='kept', config_json_path='session_lifetime.kept'), dict(option, flag='gone', config_json_path='gone')]}
    releases = {'base': 'v2.34.3', 'releases': {
        'v2.10': {'commit': 'b' * 40, 'order': ['kept', 'gone'], 'added': {},
                  'changed': {'kept': {'config_json_path': 'kept'}}},
        'v2.35': {'commit': 'c' * 40, 'order': ['kept', 'new'], 'changed': {},
                  'added': {'new': dict(option, flag='new', config_json_path='new')}},
    }}
    namespace = {}
    exec(compile(generator.render(base, releases), 'catalog', 'exec'), namespace)
    assert namespace['CODER_VERSION'] == 'v2.35'
    records = dict((record[1], record[-4:]) for record in namespace['OPTIONS'])
    assert list(records) == ['kept', 'new', 'gone']
    assert records == {'kept': ('', '', 'kept', 'v2.11-v2.34'), 'new': ('v2.35', '', '', ''),
                       'gone': ('', 'v2.35', '', '')}


def test_generator_refuses_an_extract_without_provenance(tmp_path, capsys):
    generator = load_generator()
    (tmp_path / 'options.json').write_text(json.dumps({'note': 'unknown origin', 'options': []}), encoding='utf-8')
    with pytest.raises(SystemExit):
        generator.main([str(tmp_path / 'options.json'), str(tmp_path / 'out.py')])
    assert 'tag and commit' in capsys.readouterr().err
    assert not (tmp_path / 'out.py').exists()
