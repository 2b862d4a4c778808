# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.coder.coderd.plugins.module_utils._connection import (
    ConnectionOptionError, normalize_base_url, resolve_connection,
)

UNSET = dict.fromkeys(('url', 'token', 'headers', 'validate_certs', 'ca_path', 'client_cert', 'client_key',
                       'timeout', 'retries', 'use_proxy'))


def options(**given):
    merged = dict(UNSET)
    merged.update(given)
    return merged


@pytest.fixture
def no_login(tmp_path):
    return {'CODER_CONFIG_DIR': str(tmp_path / 'empty')}


@pytest.mark.parametrize('given, expected', [
    ('https://coder.example.com', 'https://coder.example.com'),
    ('https://coder.example.com/', 'https://coder.example.com'),
    ('https://coder.example.com/api/v2', 'https://coder.example.com'),
    ('https://coder.example.com/api/v2/', 'https://coder.example.com'),
    ('HTTPS://coder.example.com:8443/prefix//', 'https://coder.example.com:8443/prefix'),
])
def test_base_url_is_normalized(given, expected):
    assert normalize_base_url(given) == expected


@pytest.mark.parametrize('bad', ['coder.example.com', 'ftp://coder.example.com', 'https://', 'http://host:99999'])
def test_bad_url_is_one_line_naming_it(bad):
    with pytest.raises(ConnectionOptionError) as err:
        normalize_base_url(bad)
    assert '\n' not in str(err.value)
    assert 'url' in str(err.value)


def test_url_password_never_shown():
    with pytest.raises(ConnectionOptionError) as err:
        normalize_base_url('ftp://user:hunter2@example.com')
    assert 'hunter2' not in str(err.value)


def test_defaults_apply_when_nothing_is_set(no_login):
    settings = resolve_connection(options(url='https://c.example.com'), no_login)
    assert (settings.validate_certs, settings.timeout, settings.retries, settings.use_proxy) == (True, 30.0, 3, True)
    assert settings.token is None and settings.headers == {}


def test_precedence_option_then_ansible_env_then_cli_env(no_login):
    env = dict(no_login, ANSIBLE_CODER_URL='https://ansible.example.com', CODER_URL='https://cli.example.com',
               CODER_SESSION_TOKEN='cli-token', ANSIBLE_CODER_TIMEOUT='7')
    assert resolve_connection(options(url='https://task.example.com'), env).url == 'https://task.example.com'
    settings = resolve_connection(options(), env)
    assert settings.url == 'https://ansible.example.com'
    assert settings.timeout == 7.0
    del env['ANSIBLE_CODER_URL']
    settings = resolve_connection(options(), env)
    assert settings.url == 'https://cli.example.com'
    assert settings.token == 'cli-token' and settings.token_source == 'CODER_SESSION_TOKEN'


def test_cli_header_env_is_csv_of_key_value(no_login):
    env = dict(no_login, CODER_HEADER='X-Proxy=abc,"X-Team=a,b"')
    settings = resolve_connection(options(url='https://c.example.com'), env)
    assert settings.headers == {'X-Proxy': 'abc', 'X-Team': 'a,b'}


def test_bad_header_entry_is_not_echoed(no_login):
    env = dict(no_login, CODER_HEADER='secretvalue-without-equals')
    with pytest.raises(ConnectionOptionError) as err:
        resolve_connection(options(url='https://c.example.com'), env)
    assert 'secretvalue' not in str(err.value)


def test_login_files_are_the_last_resort(tmp_path):
    (tmp_path / 'url').write_text('https://login.example.com\n')
    (tmp_path / 'session').write_text('  login-token \n')
    env = {'CODER_CONFIG_DIR': str(tmp_path)}
    settings = resolve_connection(options(), env)
    assert (settings.url, settings.token, settings.token_source) == ('https://login.example.com', 'login-token', 'login')


def test_login_session_is_never_sent_to_another_deployment(tmp_path):
    (tmp_path / 'url').write_text('https://login.example.com')
    (tmp_path / 'session').write_text('login-token')
    settings = resolve_connection(options(url='https://other.example.com'), {'CODER_CONFIG_DIR': str(tmp_path)})
    assert settings.token is None


def test_default_login_dir_follows_xdg(tmp_path):
    (tmp_path / 'coderv2').mkdir()
    (tmp_path / 'coderv2' / 'url').write_text('https://xdg.example.com')
    assert resolve_connection(options(), {'XDG_CONFIG_HOME': str(tmp_path)}).url == 'https://xdg.example.com'


@pytest.mark.parametrize('name, value', [
    ('timeout', 0), ('timeout', -1), ('timeout', 'soon'), ('retries', -1), ('retries', 'x'),
    ('validate_certs', 'maybe'),
])
def test_bad_values_name_the_option(no_login, name, value):
    with pytest.raises(ConnectionOptionError) as err:
        resolve_connection(options(url='https://c.example.com', **{name: value}), no_login)
    assert name in str(err.value)


def test_missing_url_says_how_to_set_it(no_login):
    with pytest.raises(ConnectionOptionError) as err:
        resolve_connection(options(), no_login)
    assert 'CODER_URL' in str(err.value) and 'coder login' in str(err.value)


def test_client_key_without_cert_is_refused(no_login):
    with pytest.raises(ConnectionOptionError):
        resolve_connection(options(url='https://c.example.com', client_key='/k.pem'), no_login)


def test_repr_hides_token(no_login):
    settings = resolve_connection(options(url='https://c.example.com', token='abcdefghij-secretsecretsecretsecret12'), no_login)
    assert 'secret' not in repr(settings)


def test_cli_token_stays_with_the_cli_url(no_login):
    env = dict(no_login, CODER_URL='https://cli.example.com', CODER_SESSION_TOKEN='cli-token')
    assert resolve_connection(options(url='https://other.example.com'), env).token is None
    assert resolve_connection(options(url='https://cli.example.com/api/v2'), env).token == 'cli-token'
    assert resolve_connection(options(url='https://other.example.com'), dict(no_login, CODER_SESSION_TOKEN='t')).token == 't'
