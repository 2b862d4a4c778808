# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The health report's value model (plugins/module_utils/_health.py) and Deployment.health."""

import copy

import pytest
from coder_sim import DEFAULT_TOKENS
from coder_sim.examples import example as load

from ansible_collections.coder.coderd.plugins.module_utils._api import Deployment, expand_subsets
from ansible_collections.coder.coderd.plugins.module_utils._client import CoderClient, CoderError
from ansible_collections.coder.coderd.plugins.module_utils._connection import resolve_connection
from ansible_collections.coder.coderd.plugins.module_utils._errors import InputError, ServerError
from ansible_collections.coder.coderd.plugins.module_utils._health import docs_url, error_codes, normalize_health

SECTIONS = ['access_url', 'database', 'derp', 'provisioner_daemons', 'websocket', 'workspace_proxy']


@pytest.mark.parametrize('name, severity, healthy, codes', [
    ('health-healthy.json', 'ok', True, []),
    ('health-warnings.json', 'warning', True, ['EDB02', 'EDERP01', 'EPD02']),
    ('health-access-url-warning.json', 'warning', False, ['EACS04']),
    ('health-error.json', 'error', False, ['EACS03', 'EPD01', 'EWS01']),
    ('health-dismissed.json', 'error', False, ['EDERP01', 'EPD01']),
    ('health-legacy-v2.10-healthy.json', 'ok', True, []),
])
def test_every_recorded_report(name, severity, healthy, codes):
    health = normalize_health(load(name))
    assert (health['severity'], health['healthy'], health['codes']) == (severity, healthy, codes)
    assert sorted(health['sections']) == SECTIONS
    assert (health['unknown_sections'], health['unknown_codes']) == ([], [])
    for section in health['sections'].values():
        assert set(section) >= {'severity', 'dismissed', 'warnings', 'error', 'codes'}
        assert section['severity'] in ('ok', 'warning', 'error')


def test_sections_codes_come_from_warnings_and_error_texts():
    health = normalize_health(load('health-error.json'))
    access_url = health['sections']['access_url']
    assert access_url['error'].startswith('EACS03: get healthz endpoint:')
    assert access_url['codes'] == ['EACS03']
    assert health['sections']['provisioner_daemons']['codes'] == ['EPD01']
    assert health['sections']['database']['error'] is None  # omitted on the wire since v2.19
    assert error_codes('EWP04: eu: unreachable\nEWP04: us: unreachable') == ['EWP04', 'EWP04']
    assert docs_url('EDB02') == 'https://coder.com/docs/admin/monitoring/health-check#edb02'


def test_durations_are_seconds_and_go_names_lower_case():
    health = normalize_health(load('health-warnings.json'))
    database = health['sections']['database']
    assert (database['latency'], database['threshold']) == (0.021374906, 0.015)
    assert 'latency_ms' not in database and 'threshold_ms' not in database
    derp = health['sections']['derp']
    region = derp['regions']['999']
    assert region['region']['region_id'] == 999 and region['region']['nodes'][0]['derp_port'] == 443
    node = region['node_reports'][0]
    assert node['round_trip_ping'] == 0.005804117 and 'round_trip_ping_ms' not in node
    assert node['node_info'] == {'token_bucket_bytes_per_second': 0, 'token_bucket_bytes_burst': 0}
    assert node['stun'] == {'enabled': False, 'can_stun': False, 'error': None}
    netcheck = derp['netcheck']
    assert (netcheck['ipv4'], netcheck['ipv6_can_send'], netcheck['os_has_ipv6'], netcheck['icmpv4']) == (
        True, False, False, False)
    assert netcheck['upnp'] is None and netcheck['region_latency'] == {'999': 0.041503662}
    assert netcheck['region_v6_latency'] == {}  # null on the wire
    # Tag names are the admins' own words: never re-cased.
    tags = health['sections']['provisioner_daemons']['items'][3]['provisioner_daemon']['tags']
    assert tags == {'owner': '', 'scope': 'organization', 'pool': 'gpu'}
    assert health['time'] == '2026-06-20T09:14:07.512874911Z'


def test_an_unmeasured_round_trip_is_null():
    health = normalize_health(load('health-error.json'))
    nodes = [node for region in health['sections']['derp']['regions'].values() for node in region['node_reports']]
    assert None in [node['round_trip_ping'] for node in nodes]


def test_legacy_v2_10_shape():
    raw = load('health-legacy-v2.10-healthy.json')
    assert raw['failing_sections'] == [] and raw['database']['error'] is None
    raw['websocket']['warnings'] = ['EWS02: write message: broken pipe', 'slow echo']
    health = normalize_health(raw)
    assert 'failing_sections' not in health
    assert health['sections']['database']['error'] is None
    assert health['sections']['websocket']['warnings'] == [
        {'code': 'EWS02', 'message': 'write message: broken pipe'}, {'code': '', 'message': 'slow echo'}]
    assert health['codes'] == ['EWS02']


def test_before_v2_5_severities_come_from_healthy():
    raw = load('health-legacy-v2.10-healthy.json')
    del raw['severity']
    del raw['workspace_proxy'], raw['provisioner_daemons']  # added in v2.5 and v2.7
    for section in ('derp', 'access_url', 'websocket', 'database'):
        for key in ('severity', 'warnings', 'dismissed'):
            del raw[section][key]
    raw['healthy'] = False
    raw['failing_sections'] = ['database']
    raw['database'].update(healthy=False, error='ping database: timeout')
    health = normalize_health(raw)
    assert health['severity'] == 'error'
    assert sorted(health['sections']) == ['access_url', 'database', 'derp', 'websocket']
    assert health['sections']['database']['severity'] == 'error'
    assert health['sections']['derp'] == dict(health['sections']['derp'], severity='ok', dismissed=False, warnings=[])


def test_a_section_whose_check_crashed_is_an_error():
    raw = load('health-healthy.json')
    raw['derp'] = {'error': 'EUNKNOWN: derp report panic: nil pointer', 'severity': '', 'warnings': None,
                   'dismissed': False, 'healthy': False, 'regions': None, 'netcheck_logs': None}
    derp = normalize_health(raw)['sections']['derp']
    assert (derp['severity'], derp['warnings'], derp['regions'], derp['netcheck_logs'], derp['codes']) == (
        'error', [], {}, [], ['EUNKNOWN'])


def test_an_unknown_section_and_code_are_kept_and_listed():
    raw = load('health-healthy.json')
    raw['object_store'] = {'severity': 'warning', 'warnings': [{'code': 'EOBJ01', 'message': 'slow bucket'}],
                           'dismissed': False, 'bucket': 'coder'}
    raw['database']['warnings'] = [{'code': 'EDB07', 'message': 'replica lag'}]
    raw['build_flavor'] = 'enterprise'  # a new top-level value, not a section
    health = normalize_health(raw)
    assert health['sections']['object_store']['bucket'] == 'coder'
    assert (health['unknown_sections'], health['unknown_codes'], health['codes']) == (
        ['object_store'], ['EDB07', 'EOBJ01'], ['EDB07', 'EOBJ01'])
    assert 'build_flavor' not in health['sections']


def _with(path, value):
    raw = load('health-warnings.json')
    parent = raw
    for key in path[:-1]:
        parent = parent[key]
    if value is _DELETE:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return raw


_DELETE = object()


@pytest.mark.parametrize('raw, message', [
    ([], 'expected a JSON object, got an array'),
    (_with(('time',), _DELETE), '"time" is missing'),
    (_with(('healthy',), 'yes'), '"healthy" is a string, expected a boolean'),
    (_with(('severity',), 2), '"severity" is a number, expected a string'),
    (_with(('database',), 'ok'), '"database" is a string, expected an object'),
    (_with(('database', 'warnings'), {}), '"database.warnings" is an object, expected an array'),
    (_with(('database', 'warnings', 0, 'code'), 2), '"database.warnings[0].code" is a number, expected a string'),
    (_with(('database', 'latency'), 'fast'), '"database.latency": invalid Go duration'),
    (_with(('database', 'threshold_ms'), '15'), '"database.threshold_ms" is a string, expected an integer'),
    (_with(('derp', 'dismissed'), 'no'), '"derp.dismissed" is a string, expected a boolean'),
    (_with(('derp', 'regions'), []), '"derp.regions" is an array, expected an object'),
    (_with(('derp', 'regions', '999', 'node_reports', 0, 'round_trip_ping_ms'), 'x'),
     '"derp.regions.999.node_reports[0].round_trip_ping_ms" is a string, expected an integer'),
    (_with(('derp', 'netcheck', 'RegionLatency', '999'), '41ms'),
     '"derp.netcheck.region_latency.999" is a string, expected an integer'),
    (_with(('provisioner_daemons', 'items'), {}), '"provisioner_daemons.items" is an object, expected an array'),
    (_with(('provisioner_daemons', 'items', 3, 'warnings', 0), 7),
     '"provisioner_daemons.items[3].warnings[0]" is a number, expected an object'),
    (_with(('workspace_proxy', 'workspace_proxies', 'regions'), 'primary'),
     '"workspace_proxy.workspace_proxies.regions" is a string, expected an array'),
])
def test_a_body_of_the_wrong_shape_is_one_line_naming_the_field(raw, message):
    with pytest.raises(ServerError) as caught:
        normalize_health(raw)
    text = str(caught.value)
    assert text.startswith('unexpected /debug/health response: ')
    assert message in text and '\n' not in text


def test_normalizing_leaves_the_answer_alone():
    raw = load('health-warnings.json')
    kept = copy.deepcopy(raw)
    normalize_health(raw)
    assert raw == kept


# --- Deployment.health, against the simulator ----------------------------------------------------

def _deployment(url, role='owner'):
    settings = resolve_connection(dict(url=url, token=DEFAULT_TOKENS[role], timeout=2, retries=0),
                                  environ={'CODER_CONFIG_DIR': '/nonexistent'})
    return Deployment(CoderClient(settings))


def test_health_is_read_once_per_task_and_forced_apart(coder_sim):
    reader = _deployment(coder_sim.url)
    first = reader.health()
    assert reader.health() is first
    forced = reader.health(force=True)
    assert forced['time'] != first['time']
    reader.client.close()
    assert [entry['query'] for entry in coder_sim.requests] == ['', 'force=true']


def test_the_health_request_outwaits_the_connection_timeout(coder_sim_factory):
    # The checks take longer than the connection's 2 s timeout, but not the health one.
    sim = coder_sim_factory(state={'health': {'check_ms': {'DERP': 2500}}})
    reader = _deployment(sim.url)
    assert reader.health(timeout=30)['severity'] == 'ok'
    reader.client.close()


def test_a_bad_health_timeout_is_an_input_error(coder_sim):
    reader = _deployment(coder_sim.url)
    for bad in (0, -1, float('nan'), True, '30'):
        with pytest.raises(InputError, match='health_timeout must be a number of seconds'):
            reader.health(timeout=bad)
    reader.client.close()
    assert coder_sim.requests == []


@pytest.mark.parametrize('role', ['auditor', 'member', 'template-admin'])
def test_a_non_owner_is_told_that_health_needs_the_owner_role(coder_sim, role):
    reader = _deployment(coder_sim.url, role)
    with pytest.raises(CoderError) as caught:
        reader.health()
    reader.client.close()
    assert str(caught.value) == (
        '%s GET /api/v2/debug/health: HTTP 403 Forbidden: the health report needs a token of a user with the owner '
        'role (auditors, template admins and members may not read it)' % coder_sim.url)
    assert (caught.value.status, caught.value.message) == (403, 'Forbidden.')


def test_health_is_a_subset_outside_all():
    assert 'health' not in expand_subsets(['all'])
    assert expand_subsets(['all', 'health'])[-1] == 'health'
    assert expand_subsets(['health']) == ['health']
    assert 'health' not in expand_subsets(['all', 'health', '!health'])
    with pytest.raises(InputError, match='choose from all, api_root, .*, token_config, health'):
        expand_subsets(['heath'])
