# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from pathlib import Path

import pytest
import yaml

from ansible_collections.coder.coderd.plugins.doc_fragments._connection import ModuleDocFragment
from ansible_collections.coder.coderd.plugins.module_utils._connection import (
    OPTIONS, PRECEDENCE, ConnectionOptionError, ConnectionOptions, ConnectionSourceError, normalize_base_url,
    resolve_connection, with_variables,
)

REPO = Path(__file__).resolve().parents[4]

UNSET = dict.fromkeys(('url', 'token', 'token_env', 'token_file', 'headers', 'validate_certs', 'ca_path',
                       'client_cert', 'client_key', 'timeout', 'retries', 'use_proxy'))
URL = 'https://c.example.com'
# Long enough to be found in any output it leaked into, shaped like a Coder API token.
SECRET = 'abcdefghij-s3cr3tt0k3nvalu3s3cr3tt0k'


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


def test_precedence_option_then_variable_then_ansible_env_then_cli_env(no_login):
    env = dict(no_login, ANSIBLE_CODER_URL='https://ansible.example.com', CODER_URL='https://cli.example.com',
               CODER_SESSION_TOKEN='cli-token', ANSIBLE_CODER_TIMEOUT='7')
    variables = {'ansible_coder_url': 'https://{{ name }}.example.com', 'ansible_coder_token': '{{ undefined }}'}

    def settings(params, variables=None):
        filled = with_variables(params, variables or {}, lambda text: text.replace('{{ name }}', 'var'))
        return ConnectionOptions.from_params(filled, env).settings()

    # Only the variables an option needs are templated: the task's token leaves {{ undefined }} alone.
    assert settings(options(url='https://task.example.com', token='t'), variables).url == 'https://task.example.com'
    assert settings(options(token='t'), variables).url == 'https://var.example.com'
    assert (settings(options()).url, settings(options()).timeout) == ('https://ansible.example.com', 7.0)
    del env['ANSIBLE_CODER_URL']
    assert (settings(options()).url, settings(options()).token) == ('https://cli.example.com', 'cli-token')


def test_resolving_leaves_the_collection_variables_to_the_option_layer(no_login):
    """Lookups and the inventory get ANSIBLE_CODER_* from Ansible's option layer, which has applied it already."""
    env = dict(no_login, ANSIBLE_CODER_URL='https://ansible.example.com', CODER_URL='https://cli.example.com')
    assert resolve_connection(options(), env).url == 'https://cli.example.com'


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
    assert (settings.url, settings.token) == ('https://login.example.com', 'login-token')


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


# --- token_env and token_file ---------------------------------------------------------------------

def test_token_env_names_the_variable_holding_the_token(no_login):
    env = dict(no_login, PROD_TOKEN=' %s\n' % SECRET)
    assert resolve_connection(options(url=URL, token_env='PROD_TOKEN'), env).token == SECRET


def test_token_file_ignores_the_trailing_newline(no_login, tmp_path):
    (tmp_path / 'token').write_text(SECRET + '\n')
    assert resolve_connection(options(url=URL, token_file=str(tmp_path / 'token')), no_login).token == SECRET


def test_token_file_path_expands_the_home_folder(no_login, tmp_path, monkeypatch):
    monkeypatch.setenv('HOME', str(tmp_path))
    (tmp_path / 'coder.token').write_text(SECRET)
    assert resolve_connection(options(url=URL, token_file='~/coder.token'), no_login).token == SECRET


@pytest.mark.parametrize('given, extra, message', [
    (dict(token_env='UNSET_TOKEN'), {}, 'token_env: environment variable UNSET_TOKEN is not set'),
    (dict(token_env='EMPTY_TOKEN'), {'EMPTY_TOKEN': ' \n'}, 'token_env: environment variable EMPTY_TOKEN is empty'),
    (dict(token_file='/nonexistent/coder.token'), {},
     'token_file: cannot read /nonexistent/coder.token (No such file or directory)'),
    (dict(ca_path='/nonexistent/ca.pem'), {}, 'ca_path: cannot read /nonexistent/ca.pem (No such file or directory)'),
    (dict(client_cert='/nonexistent/c.pem'), {},
     'client_cert: cannot read /nonexistent/c.pem (No such file or directory)'),
    ({}, {'CODER_CLIENT_TLS_CA_FILE': '/nonexistent/ca.pem'},
     'ca_path (from CODER_CLIENT_TLS_CA_FILE): cannot read /nonexistent/ca.pem (No such file or directory)'),
])
def test_what_an_option_names_but_is_not_there_is_one_line_naming_option_and_where(no_login, given, extra, message):
    """A missing variable or file is an error, never a silent fall back to the next token source."""
    env = dict(no_login, CODER_SESSION_TOKEN=SECRET, **extra)
    with pytest.raises(ConnectionSourceError) as err:
        resolve_connection(options(url=URL, **given), env)
    assert str(err.value) == message


def test_an_empty_token_file_and_a_folder_are_refused(no_login, tmp_path):
    (tmp_path / 'empty').write_text('\n')
    with pytest.raises(ConnectionSourceError) as err:
        resolve_connection(options(url=URL, token_file=str(tmp_path / 'empty')), no_login)
    assert str(err.value) == 'token_file: %s is empty' % (tmp_path / 'empty')
    with pytest.raises(ConnectionSourceError) as err:
        resolve_connection(options(url=URL, token_file=str(tmp_path)), no_login)
    assert str(err.value) == 'token_file: cannot read %s (Is a directory)' % tmp_path


def test_a_broken_token_from_a_variable_or_file_names_where_never_what(no_login, tmp_path):
    (tmp_path / 'token').write_text(SECRET + ' pasted twice ' + SECRET)
    env = dict(no_login, PROD_TOKEN=SECRET + '\n' + SECRET)
    for given, where in ((dict(token_env='PROD_TOKEN'), 'the token in the environment variable PROD_TOKEN'),
                         (dict(token_file=str(tmp_path / 'token')), 'the token in %s' % (tmp_path / 'token'))):
        with pytest.raises(ConnectionOptionError) as err:
            resolve_connection(options(url=URL, **given), env)
        assert str(err.value).startswith(where + ' (') and 'contains spaces, line breaks' in str(err.value)
        assert SECRET not in str(err.value) and 'pasted' not in str(err.value)


def _module_token(env, task=None, variables=None):
    """The token a module task resolves: task arguments, then ansible_coder_* variables, then the environment."""
    filled = with_variables(options(url=URL, **(task or {})), variables or {}, lambda text: text)
    return ConnectionOptions.from_params(filled, env).settings().token


@pytest.fixture
def sources(no_login, tmp_path):
    """One token per place a token can come from, each its own value."""
    for name in ('task', 'variable', 'environment'):
        (tmp_path / name).write_text('%s-file-token\n' % name)
    return dict(no_login, TASK_TOKEN='task-env-token', VARIABLE_TOKEN='variable-env-token',
                ENVIRONMENT_TOKEN='environment-env-token', CODER_SESSION_TOKEN='cli-token'), tmp_path


@pytest.mark.parametrize('task, variables, environment, expected', [
    # Within a level: token, then token_env, then token_file.
    (dict(token='task-token', token_env='TASK_TOKEN', token_file='task'), {}, {}, 'task-token'),
    (dict(token_env='TASK_TOKEN', token_file='task'), {}, {}, 'task-env-token'),
    ({}, dict(ansible_coder_token_env='VARIABLE_TOKEN', ansible_coder_token_file='variable'), {},
     'variable-env-token'),
    ({}, {}, dict(ANSIBLE_CODER_TOKEN_ENV='ENVIRONMENT_TOKEN', ANSIBLE_CODER_TOKEN_FILE='environment'),
     'environment-env-token'),
    # Across levels the higher level wins, whichever source each uses: what the user set for this
    # task or host beats what a shell exported.
    (dict(token_file='task'), dict(ansible_coder_token='variable-token'), {}, 'task-file-token'),
    (dict(token_env='TASK_TOKEN'), dict(ansible_coder_token='variable-token'),
     dict(ANSIBLE_CODER_TOKEN='environment-token'), 'task-env-token'),
    ({}, dict(ansible_coder_token_file='variable'), dict(ANSIBLE_CODER_TOKEN='environment-token'),
     'variable-file-token'),
    ({}, dict(ansible_coder_token_env='VARIABLE_TOKEN'), dict(ANSIBLE_CODER_TOKEN='environment-token'),
     'variable-env-token'),
    ({}, {}, dict(ANSIBLE_CODER_TOKEN_FILE='environment'), 'environment-file-token'),
    # The Coder CLI's own token comes last.
    ({}, {}, {}, 'cli-token'),
])
def test_token_sources_are_one_choice_made_level_by_level(sources, task, variables, environment, expected):
    env, folder = sources
    env = dict(env, **dict((key, str(folder / value) if key.endswith('_FILE') else value)
                           for key, value in environment.items()))
    task = dict((key, str(folder / value) if key == 'token_file' else value) for key, value in task.items())
    variables = dict((key, str(folder / value) if key.endswith('_file') else value) for key, value in variables.items())
    assert _module_token(env, task, variables) == expected


def test_a_task_token_leaves_the_token_variables_untemplated(no_login):
    def template(text):
        if 'undefined' in text:
            raise AssertionError('templated %s' % text)
        return text

    variables = dict(ansible_coder_token='{{ undefined }}', ansible_coder_token_file='{{ undefined }}')
    filled = with_variables(options(url=URL, token_env='X'), variables, template)
    assert (filled['token_env'], filled['token'], filled['token_file']) == ('X', None, None)


class FakePlugin:
    """A lookup after set_options: the option layer merged its sources option by option."""

    def __init__(self, direct, variables, env):
        self._merged = {}
        for option in OPTIONS:
            for value in (direct.get(option.name), variables.get(option.variable), env.get(option.env)):
                if value is not None:
                    self._merged[option.name] = value
                    break

    def get_option(self, name):
        return self._merged.get(name)


def test_plugins_take_the_token_sources_from_one_level(sources, monkeypatch):
    env, folder = sources
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv('ANSIBLE_CODER_TOKEN', 'environment-token')
    variables = dict(ansible_coder_url=URL, ansible_coder_token_file=str(folder / 'variable'))
    plugin = FakePlugin({}, variables, env=dict(env, ANSIBLE_CODER_TOKEN='environment-token'))
    assert plugin.get_option('token') == 'environment-token'  # what the option layer alone would send
    assert ConnectionOptions.from_plugin(plugin, {}, variables).settings().token == 'variable-file-token'
    direct = dict(token_env='TASK_TOKEN')
    plugin = FakePlugin(direct, variables, env=dict(env, ANSIBLE_CODER_TOKEN='environment-token'))
    assert ConnectionOptions.from_plugin(plugin, direct, variables).settings().token == 'task-env-token'


# --- the docs follow OPTIONS and PRECEDENCE --------------------------------------------------------

def _pattern(name, option):
    """``ansible_coder_url`` -> ``ansible_coder_<option>``: how the docs name a source for all options."""
    return name.replace(option.name, '<option>').replace(option.name.upper(), '<OPTION>')


def _words_of(source):
    """What a docs list item about ``source`` must name: the source of every option, in the table's order."""
    names = [getattr(option, source) for option in OPTIONS if getattr(option, source) is not None]
    if source in ('variable', 'env'):
        return [_pattern(getattr(OPTIONS[0], source), OPTIONS[0])]
    if source in ('cli_env', 'login_file'):
        return names
    return [source]


def _numbered_list(text, after):
    """The items of the first numbered list after the line starting with ``after``, each as one line."""
    lines = text[text.index(after):].splitlines()
    start = next(number for number, line in enumerate(lines) if re.match(r'\d+\. ', line))
    items = []
    for line in lines[start:]:
        if re.match(r'\d+\. ', line):
            items.append(line.split('. ', 1)[1])
        elif line.startswith('   ') and items:
            items[-1] += ' ' + line.strip()
        else:
            break
    return items


@pytest.mark.parametrize('document, after', [
    ('README.md', '## Connection and authentication'),
    ('docs/authentication.md', '## Where the values come from'),
])
def test_the_documented_precedence_is_the_table(document, after):
    items = _numbered_list((REPO / document).read_text(encoding='utf-8'), after)
    assert len(items) == len(PRECEDENCE), items
    for item, source in zip(items, PRECEDENCE):
        named = [word for word in _words_of(source) if word in item]
        assert named == _words_of(source), '%s: %r does not name %s' % (document, item, _words_of(source))
        positions = [item.index('`%s`' % word) for word in named if source in ('cli_env', 'login_file')]
        assert positions == sorted(positions), '%s: %r names them out of order' % (document, item)


def _source_names():
    return set(getattr(option, source) for option in OPTIONS for source in PRECEDENCE[1:5]) - {None}


def test_the_doc_fragment_follows_the_table():
    plugins = yaml.safe_load(ModuleDocFragment.PLUGINS)['options']
    documented = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)
    assert list(plugins) == list(documented['options']) == [option.name for option in OPTIONS]
    known = _source_names()
    for option in OPTIONS:
        # The option layer applies these for lookups and the inventory, in this order: vars, then env.
        assert plugins[option.name] == {'env': [{'name': option.env}], 'vars': [{'name': option.variable}]}
        assert documented['options'][option.name]['type'] == option.spec['type']
        unset = next(line for line in documented['options'][option.name]['description'] if line.startswith('If unset'))
        named = [word for word in re.findall(r'[CE]\(([^)]+)\)', unset) if word in known]
        assert named == [getattr(option, source) for source in PRECEDENCE[1:5] if getattr(option, source)], unset
    order = re.findall(r'[CE]\(([^)]+)\)', documented['notes'][0])
    assert order[:2] == [_pattern(OPTIONS[0].variable, OPTIONS[0]), _pattern(OPTIONS[0].env, OPTIONS[0])]
    assert [word for word in order if word in known] == [option.cli_env for option in OPTIONS if option.cli_env] + \
        [option.login_file for option in OPTIONS if option.login_file]


def test_the_role_takes_every_option_as_a_variable():
    role = REPO / 'roles' / 'deployment_check'
    specs = yaml.safe_load((role / 'meta' / 'argument_specs.yml').read_text())['argument_specs']['main']['options']
    # The check is the first task of the role's block (whose always section writes the fleet report).
    task = yaml.safe_load((role / 'tasks' / 'main.yml').read_text())[0]['block'][0]['coder.coderd.deployment_assert']
    for option in OPTIONS:
        spec = specs['coder_' + option.name]
        assert (spec['type'], bool(spec.get('no_log'))) == (option.spec['type'], bool(option.spec.get('no_log')))
        assert task[option.name] == '{{ coder_%s | default(omit) }}' % option.name
