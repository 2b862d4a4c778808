# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inventory's fleet: reading the file, cache identity, gathering, host variables."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import time
from pathlib import Path

import pytest
import yaml

from ansible_collections.coder.coderd.plugins.module_utils._api import SUBSETS
from ansible_collections.coder.coderd.plugins.plugin_utils import _inventory
from ansible_collections.coder.coderd.plugins.plugin_utils._inventory import (
    InventoryConfigError,
    fingerprint,
    gather_fleet,
    host_vars,
    read_fleet,
)
from coder_sim import DEFAULT_TOKENS

DEFAULTS = dict.fromkeys(('url', 'token', 'token_env', 'token_file', 'headers', 'validate_certs', 'ca_path',
                          'client_cert', 'client_key', 'timeout', 'retries', 'use_proxy'))
OWNER = 'abcdefghij-0123456789012345678901'
# Long enough that waiting for the answers one after the other dwarfs what load adds.
LATENCY_MS = 250


@pytest.fixture
def environ(tmp_path):
    """No `coder login` files, no Coder variables: only what a test adds."""
    return {'CODER_CONFIG_DIR': str(tmp_path / 'no-login')}


def fleet(deployments, environ, basedir='/inventories', defaults=None, **top_level):
    config = dict(top_level, plugin='coder.coderd.deployments', deployments=deployments)
    merged = dict(DEFAULTS)
    merged.update(top_level)
    merged.update(defaults or {})
    return read_fleet(config, merged, basedir, environ)


def test_members_keep_file_order_and_default_to_the_url_host(environ):
    members = fleet([{'name': 'prod', 'url': 'https://coder.example.com/api/v2/', 'token': OWNER},
                     {'url': 'https://staging.example.com:8443'}], environ)
    assert [(m.name, m.url) for m in members] == [('prod', 'https://coder.example.com'),
                                                  ('staging.example.com:8443', 'https://staging.example.com:8443')]
    assert members[0].settings.token == OWNER and members[1].settings.token is None


def test_entry_options_override_top_level_defaults(environ):
    members = fleet([{'url': 'https://a.example.com', 'timeout': 5},
                     {'url': 'https://b.example.com'}], environ, timeout=12, retries=0)
    assert [(m.settings.timeout, m.settings.retries) for m in members] == [(5.0, 0), (12.0, 0)]


@pytest.mark.parametrize('entry, message', [
    ({'name': 'prod', 'url': 'https://a.example.com', 'tokn': 'x'},
     "deployments entry #1 (prod): unknown key 'tokn' (did you mean token"),
    ({'name': 'prod'}, 'deployments entry #1 (prod): url is missing'),
    ({'url': 'https://a.example.com', 'token': 'x', 'token_env': 'X'},
     'deployments entry #1: token and token_env are given; use only one of token, token_env, token_file'),
    ({'url': 'ftp://a.example.com'}, "deployments entry #1: url 'ftp://a.example.com' is not an http(s) URL"),
    ({'name': 'prod', 'url': 'https://a.example.com', 'timeout': 'soon'},
     "deployments entry #1 (prod): timeout must be a number of seconds, got 'soon'"),
    ('https://a.example.com', 'deployments entry #1 must be a mapping with at least url, got str'),
])
def test_a_wrong_entry_is_one_line_naming_entry_and_key(environ, entry, message):
    with pytest.raises(InventoryConfigError) as err:
        fleet([entry], environ)
    assert str(err.value).startswith(message)
    assert '\n' not in str(err.value)


def test_two_entries_with_one_name_are_refused(environ):
    with pytest.raises(InventoryConfigError, match=r"entry #2: name 'a.example.com' is already used by entry #1"):
        fleet([{'url': 'https://a.example.com'}, {'url': 'https://a.example.com/'}], environ)


def test_top_level_url_with_a_list_is_refused(environ):
    with pytest.raises(InventoryConfigError, match='url at the top level only applies without deployments'):
        fleet([{'url': 'https://a.example.com'}], environ, url='https://b.example.com')


def test_a_wrong_two_token_sources_error_never_shows_the_token(environ):
    with pytest.raises(InventoryConfigError) as err:
        fleet([{'url': 'https://a.example.com', 'token': OWNER, 'token_file': 't'}], environ)
    assert OWNER not in str(err.value)


def test_token_env_and_token_file(environ, tmp_path):
    (tmp_path / 'b.token').write_text('\n  file-token  \n')
    environ['PROD_TOKEN'] = 'env-token'
    members = fleet([{'url': 'https://a.example.com', 'token_env': 'PROD_TOKEN'},
                     {'url': 'https://b.example.com', 'token_file': 'b.token'}], environ, basedir=str(tmp_path))
    assert [m.settings.token for m in members] == ['env-token', 'file-token']


def test_an_unreadable_token_marks_only_its_member(environ, tmp_path):
    (tmp_path / 'empty.token').write_text('  \n')
    members = fleet([{'name': 'e', 'url': 'https://a.example.com', 'token_env': 'UNSET_TOKEN'},
                     {'name': 'f', 'url': 'https://b.example.com', 'token_file': 'missing.token'},
                     {'name': 'g', 'url': 'https://c.example.com', 'token_file': 'empty.token'},
                     {'name': 'h', 'url': 'https://d.example.com'}], environ, basedir=str(tmp_path))
    assert [m.settings is None for m in members] == [True, True, True, False]
    assert members[0].problem == 'token_env: environment variable UNSET_TOKEN is not set'
    assert members[1].problem.startswith('token_file: cannot read %s' % (tmp_path / 'missing.token'))
    assert members[2].problem == 'token_file: %s is empty' % (tmp_path / 'empty.token')


def test_an_entry_token_source_replaces_the_top_level_one_whichever_each_uses(environ, tmp_path):
    (tmp_path / 'shared.token').write_text('shared-file-token')
    environ.update(OWN_TOKEN='own-env-token')
    members = fleet([{'url': 'https://a.example.com'}, {'url': 'https://b.example.com', 'token_env': 'OWN_TOKEN'},
                     {'url': 'https://c.example.com', 'token': 'own-token'}],
                    environ, basedir=str(tmp_path), token_file='shared.token')
    assert [m.settings.token for m in members] == ['shared-file-token', 'own-env-token', 'own-token']


def test_a_missing_tls_file_marks_only_its_member(environ, tmp_path):
    members = fleet([{'name': 'tls', 'url': 'https://a.example.com', 'ca_path': 'certs/ca.pem'},
                     {'name': 'plain', 'url': 'https://b.example.com'}], environ, basedir=str(tmp_path))
    assert members[0].problem == 'ca_path: cannot read %s (No such file or directory)' % (tmp_path / 'certs' / 'ca.pem')
    assert members[1].settings is not None


def test_connection_host_variables_carry_what_the_inventory_used_but_no_secret(environ, tmp_path):
    (tmp_path / 'ca.pem').write_text('-----BEGIN CERTIFICATE-----\n')
    environ.update(PROD_TOKEN=OWNER)
    members = fleet([{'name': 'prod', 'url': 'https://ansible:url-password@a.example.com/api/v2', 'ca_path': 'ca.pem',
                      'token_env': 'PROD_TOKEN', 'validate_certs': True, 'use_proxy': False, 'timeout': 5},
                     {'name': 'lab', 'url': 'https://b.example.com', 'token': OWNER, 'headers': {'X-Proxy': 'p' * 20},
                      'token_file': None}],
                    environ, basedir=str(tmp_path), retries=1, headers={'X-Proxy': 'q' * 20})
    assert members[0].connection == {
        'ansible_coder_url': 'https://a.example.com', 'ansible_coder_ca_path': str(tmp_path / 'ca.pem'),
        'ansible_coder_token_env': 'PROD_TOKEN', 'ansible_coder_validate_certs': True,
        'ansible_coder_use_proxy': False, 'ansible_coder_timeout': 5, 'ansible_coder_retries': 1}
    assert members[1].connection == {'ansible_coder_url': 'https://b.example.com', 'ansible_coder_retries': 1}


def test_environment_credentials_never_reach_listed_deployments(environ):
    environ.update(ANSIBLE_CODER_TOKEN='ansible-env-token', CODER_SESSION_TOKEN='cli-env-token',
                   CODER_HEADER='X-Proxy=cli-secret')
    # The plugin's option layer hands the ANSIBLE_CODER_* values over as defaults; the file set neither.
    members = fleet([{'url': 'https://a.example.com'}], environ,
                    defaults=dict(token='ansible-env-token', headers={'X-Proxy': 'env-secret'}))
    assert members[0].settings.token is None
    assert members[0].settings.headers == {}
    environ.update(SHELL_TOKEN='shell-token')
    members = fleet([{'url': 'https://a.example.com'}], environ, defaults=dict(token_env='SHELL_TOKEN'))
    assert members[0].settings.token is None and members[0].connection == {'ansible_coder_url': 'https://a.example.com'}


def test_file_credentials_at_the_top_level_are_defaults(environ):
    members = fleet([{'url': 'https://a.example.com'}, {'url': 'https://b.example.com', 'token': 'own'}],
                    environ, token='shared', headers={'X-Proxy': 'p'})
    assert [(m.settings.token, m.settings.headers) for m in members] == [('shared', {'X-Proxy': 'p'}),
                                                                         ('own', {'X-Proxy': 'p'})]


def test_coder_login_session_reaches_only_its_own_deployment(environ, tmp_path):
    login = tmp_path / 'no-login'
    login.mkdir()
    (login / 'url').write_text('https://b.example.com/')
    (login / 'session').write_text('login-token')
    members = fleet([{'url': 'https://a.example.com'}, {'url': 'https://b.example.com'}], environ)
    assert [m.settings.token for m in members] == [None, 'login-token']


def test_a_url_password_is_in_no_host_variable_or_message(environ, refused_url):
    closed = refused_url.replace('://', '://ansible:url-password@')
    members = fleet([{'name': 'down', 'url': closed, 'retries': 0},
                     {'name': 'no-token', 'url': closed, 'token_env': 'UNSET_TOKEN'}], environ)
    assert members[0].settings.url == closed  # connecting still sends the user and password
    outcomes = gather_fleet(members, ['build'], max_workers=2)
    for member in members:
        shown = host_vars(member.url, error=outcomes[member.name].error)
        assert shown['coder_url'] == closed.replace('ansible:url-password@', '')
        assert 'url-password' not in repr(shown) and 'url-password' not in repr(member.settings)


def test_without_a_list_the_one_deployment_resolves_like_a_module(environ):
    environ.update(CODER_URL='https://cli.example.com', CODER_SESSION_TOKEN='cli-token')
    (member,) = read_fleet({'plugin': 'coder.coderd.deployments'}, DEFAULTS, '/inventories', environ)
    assert (member.name, member.url, member.settings.token) == ('cli.example.com', 'https://cli.example.com',
                                                                'cli-token')


def test_without_any_url_the_error_says_how_to_set_one(environ):
    with pytest.raises(InventoryConfigError, match='no Coder URL'):
        read_fleet({'plugin': 'coder.coderd.deployments'}, DEFAULTS, '/inventories', environ)


def test_fingerprint_follows_everything_that_changes_facts_but_holds_no_token(environ):
    def digest(token='first-token-value', subsets=('build',), name='a'):
        members = fleet([{'name': name, 'url': 'https://a.example.com', 'token': token}], environ)
        return fingerprint(members, subsets=list(subsets), user='me', include_options=False)

    assert digest() == digest()
    assert len({digest(), digest(token='second-token-value'), digest(subsets=('config',)), digest(name='b')}) == 4
    entry_gather = fingerprint(fleet([{'name': 'a', 'url': 'https://a.example.com', 'token': 'first-token-value',
                                       'gather': ['config']}], environ), subsets=['build'], user='me',
                               include_options=False)
    assert entry_gather != digest()
    members = fleet([{'url': 'https://a.example.com', 'token': 'first-token-value'}], environ)
    assert 'first-token-value' not in repr([member.identity() for member in members])


def test_host_vars_of_a_reachable_deployment():
    facts = {'url': 'https://a.example.com', 'build': {'version': 'v2.34.3+4653f32',
                                                       'version_info': {'major': 2, 'minor': 34}},
             'experiments': {'enabled': ['oauth2'], 'available': [], 'unknown': []}}
    assert host_vars('https://a.example.com', facts) == {
        'coder_url': 'https://a.example.com', 'coder_build': facts['build'],
        'coder_experiments': facts['experiments'], 'coder_reachable': True, 'coder_version': 'v2.34.3+4653f32',
        'coder_version_minor': '2.34', 'coder_experiments_enabled': ['oauth2'], 'coder_from_cache': False}


def test_host_vars_leave_out_what_was_not_gathered():
    assert host_vars('https://a.example.com', {'url': 'https://a.example.com', 'ssh': {}}, from_cache=True) == {
        'coder_url': 'https://a.example.com', 'coder_ssh': {}, 'coder_reachable': True, 'coder_from_cache': True}


def test_host_vars_of_a_failed_deployment():
    assert host_vars('https://a.example.com', error='boom') == {
        'coder_url': 'https://a.example.com', 'coder_reachable': False, 'coder_error': 'boom', 'coder_errors': {}}


def test_host_vars_of_a_deployment_that_answered_in_part_keep_its_facts_and_groups():
    facts = {'url': 'https://a.example.com', 'build': {'version': 'v2.34.3+4653f32',
                                                       'version_info': {'major': 2, 'minor': 34}}}
    errors = {'/api/v2/deployment/config': 'HTTP 403: Forbidden.'}
    assert host_vars('https://a.example.com', facts, 'https://a.example.com: boom', errors) == {
        'coder_url': 'https://a.example.com', 'coder_build': facts['build'], 'coder_reachable': True,
        'coder_version': 'v2.34.3+4653f32', 'coder_version_minor': '2.34',
        'coder_error': 'https://a.example.com: boom', 'coder_errors': errors, 'coder_from_cache': False}


def test_a_member_token_keeps_the_facts_it_may_read(coder_sim, environ):
    members = fleet([{'name': 'member', 'url': coder_sim.url, 'token': DEFAULT_TOKENS['member']}], environ)
    outcome = gather_fleet(members, list(SUBSETS), max_workers=1)['member']
    assert sorted(outcome.facts) == ['api_root', 'build', 'experiments', 'gathered_at', 'ssh', 'token_config',
                                     'update_check', 'url']
    assert outcome.facts['build']['version'] == 'v2.34.3+4653f32'
    assert sorted(outcome.errors) == ['/api/v2/deployment/config', '/api/v2/deployment/stats']
    assert all(cause.startswith('HTTP 403: Forbidden.') for cause in outcome.errors.values())
    assert outcome.error.startswith('%s: 2 endpoints (/api/v2/deployment/config, /api/v2/deployment/stats) failed: '
                                    'HTTP 403: Forbidden.' % coder_sim.url)
    assert DEFAULT_TOKENS['member'] not in repr((outcome.facts, outcome.errors, outcome.error))


def test_a_deployment_whose_api_refuses_every_endpoint_still_answered(coder_sim, environ):
    # A token the API refuses is an answer of the API: the deployment is there, its host reachable.
    members = fleet([{'name': 'wrong-token', 'url': coder_sim.url, 'token': OWNER}], environ)
    outcome = gather_fleet(members, ['config', 'ssh'], max_workers=1)['wrong-token']
    assert outcome.facts == {'url': coder_sim.url, 'gathered_at': outcome.facts['gathered_at']}
    assert sorted(outcome.errors) == ['/api/v2/deployment/config', '/api/v2/deployment/ssh']
    assert all(cause.startswith('HTTP 401: ') for cause in outcome.errors.values())


def test_a_deployment_that_does_not_answer_has_no_facts(refused_url, environ):
    outcome = gather_fleet(fleet([{'name': 'down', 'url': refused_url, 'retries': 0}], environ),
                           ['build', 'ssh'], max_workers=1)['down']
    assert outcome.facts is None
    assert outcome.errors == {'/api/v2/buildinfo': 'cannot connect: connection refused',
                              '/api/v2/deployment/ssh': 'cannot connect: connection refused'}


def test_an_entry_has_its_own_gather(coder_sim, environ):
    members = fleet([{'name': 'own', 'url': coder_sim.url, 'token': DEFAULT_TOKENS['member'],
                      'gather': ['all', '!config', '!stats']},
                     {'name': 'commas', 'url': coder_sim.url, 'token': DEFAULT_TOKENS['member'], 'gather': 'build,ssh'},
                     {'name': 'top', 'url': coder_sim.url}], environ)
    assert [member.subsets for member in members] == [
        ['api_root', 'build', 'ssh', 'experiments', 'update_check', 'token_config'], ['build', 'ssh'], None]
    outcomes = gather_fleet(members, ['build'], max_workers=3)
    assert sorted(outcomes['own'].facts) == ['api_root', 'build', 'experiments', 'gathered_at', 'ssh', 'token_config',
                                             'update_check', 'url']
    assert outcomes['own'].error is None and outcomes['own'].errors == {}
    assert sorted(outcomes['commas'].facts) == ['build', 'gathered_at', 'ssh', 'url']
    assert sorted(outcomes['top'].facts) == ['build', 'gathered_at', 'url']


@pytest.mark.parametrize('gather, message', [
    (['all', '!stat'], "deployments entry #1 (a): gather: unknown subset 'stat'; choose from all, api_root"),
    ({'build': True}, "deployments entry #1 (a): gather must be a list of subset names, such as [all, '!stats']"),
    ([['build']], "deployments entry #1 (a): gather must be a list of subset names"),
])
def test_a_wrong_entry_gather_names_the_entry(environ, gather, message):
    with pytest.raises(InventoryConfigError) as caught:
        fleet([{'name': 'a', 'url': 'https://a.example.com', 'gather': gather}], environ)
    assert str(caught.value).startswith(message)


def test_gather_fleet_reads_every_deployment_once_and_concurrently(coder_sim_factory, refused_url, environ):
    sims = [coder_sim_factory(latency_ms=LATENCY_MS) for sim_number in range(6)]
    entries = [{'name': 'sim%d' % index, 'url': sim.url, 'token': DEFAULT_TOKENS['owner']}
               for index, sim in enumerate(sims)]
    entries.append({'name': 'down', 'url': refused_url, 'retries': 0})
    entries.append({'name': 'no-token', 'url': sims[0].url, 'token_env': 'UNSET_TOKEN'})
    started = time.monotonic()
    outcomes = gather_fleet(fleet(entries, environ), list(SUBSETS), max_workers=8, processing_timeout=5)
    elapsed = time.monotonic() - started

    assert list(outcomes) == [entry['name'] for entry in entries]
    for index, sim in enumerate(sims):
        facts = outcomes['sim%d' % index].facts
        assert sorted(facts) == sorted(('url', 'gathered_at') + SUBSETS)
        assert re.match(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$', facts['gathered_at'])
        assert facts['url'] == sim.url
        # nine requests: every subset once, the experiments subset twice (enabled and available)
        assert sim.request_count() == 9
    assert 'connection refused' in outcomes['down'].error and outcomes['down'].facts is None
    assert outcomes['no-token'].error == '%s: token_env: environment variable UNSET_TOKEN is not set' % sims[0].url
    # 6 x 9 requests of 250 ms each take 13.5 s one after the other, a third of that leaves a
    # loaded machine 4 s for the work besides waiting.
    assert elapsed < 6 * 9 * LATENCY_MS / 1000.0 / 3, elapsed


def test_a_bug_costs_its_member_only_and_says_it_is_a_bug(coder_sim_factory, environ, monkeypatch):
    sims = [coder_sim_factory(), coder_sim_factory()]
    members = fleet([{'name': 'healthy', 'url': sims[0].url},
                     {'name': 'buggy', 'url': sims[1].url, 'token': OWNER}], environ)
    real_gather = _inventory.gather

    def gather_with_a_bug(deployment, *args, **kwargs):
        if deployment.url == sims[1].url:
            raise TypeError('unhashable type: %s' % OWNER)
        return real_gather(deployment, *args, **kwargs)

    monkeypatch.setattr(_inventory, 'gather', gather_with_a_bug)
    outcomes = gather_fleet(members, ['build'], max_workers=2)
    assert outcomes['healthy'].facts['build']['version'] == 'v2.34.3+4653f32'
    assert outcomes['buggy'].error == ('%s: bug in coder.coderd: TypeError: unhashable type: <hidden> '
                                       '(please report it; run with -vvv for the traceback)' % sims[1].url)
    assert 'Traceback' in outcomes['buggy'].trace and 'gather_with_a_bug' in outcomes['buggy'].trace
    assert OWNER not in outcomes['buggy'].trace


def test_gather_fleet_keeps_to_max_workers(coder_sim_factory, environ):
    sims = [coder_sim_factory(latency_ms=200) for sim_number in range(4)]
    members = fleet([{'url': sim.url} for sim in sims], environ)
    started = time.monotonic()
    outcomes = gather_fleet(members, ['build'], max_workers=1)
    elapsed = time.monotonic() - started
    assert all(outcome.facts for outcome in outcomes.values())
    assert elapsed >= 0.8, elapsed


def test_the_documented_fleet_example_is_a_valid_file(environ):
    example = Path(__file__).resolve().parents[4] / 'docs' / 'examples' / 'fleet.coder.yml'
    config = yaml.safe_load(example.read_text())
    environ.update(CODER_PROD_EU_TOKEN='eu-token', CODER_STAGING_TOKEN='staging-token')
    defaults = dict(DEFAULTS, timeout=config['timeout'], retries=config['retries'])
    members = read_fleet(config, defaults, str(example.parent), environ)
    assert [(m.name, m.settings is not None) for m in members] == [('prod-eu', True), ('prod-us', False),
                                                                   ('staging', False)]
    # The example's files do not exist: each such member says which file, relative to the inventory file.
    assert members[1].problem.startswith('token_file: cannot read %s' % (example.parent / 'secrets' / 'prod-us.token'))
    assert members[2].problem == 'ca_path: cannot read %s (No such file or directory)' \
        % (example.parent / 'certs' / 'staging-ca.pem')
    assert members[2].connection['ansible_coder_ca_path'] == str(example.parent / 'certs' / 'staging-ca.pem')
