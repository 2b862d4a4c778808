# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Go durations, URLs, host:port and Coder versions (plugins/module_utils/_units.py)."""

import pytest

from ansible_collections.coder.coderd.plugins.module_utils._units import (
    compare_versions,
    format_go_duration,
    normalize_host_port,
    normalize_url,
    ns_to_seconds,
    parse_go_duration,
    parse_go_duration_ns,
    parse_version,
    to_seconds,
    url_to_string,
    version_satisfies,
)


# --- Go durations ------------------------------------------------------------------------------

@pytest.mark.parametrize('text, seconds', [
    ('1h30m', 5400),
    ('168h0m0s', 604800),
    ('876600h0m0s', 3155760000),
    ('1.5h', 5400),
    ('1h0.5m', 3630),
    ('300ms', 0.3),
    ('2us', 0.000002),
    ('2\u00b5s', 0.000002),
    ('2\u03bcs', 0.000002),
    ('1ns', 1e-9),
    ('-1h', -3600),
    ('+5m', 300),
    ('0', 0),
    ('-0', 0),
    ('.5s', 0.5),
    ('1.s', 1),
    ('30d', 2592000),
    ('1d12h', 129600),
    ('0.5d', 43200),
    (' 90s ', 90),
])
def test_parse_go_duration(text, seconds):
    assert parse_go_duration(text) == pytest.approx(seconds, rel=1e-12, abs=0)


def test_parse_go_duration_ns_is_exact():
    assert parse_go_duration_ns('876600h') == 3155760000000000000
    assert parse_go_duration_ns('168h') == 604800000000000
    assert parse_go_duration_ns('-9223372036854775808ns') == -2 ** 63
    # Go truncates what is below a nanosecond.
    assert parse_go_duration_ns('1.9ns') == 1


@pytest.mark.parametrize('text', [
    '', ' ', '1', '-', 'h', '1x', '1h 30m', '--1h', '1h-30m', '.s', 'd', '1.2.3s', 'P1D', '1mss',
    '9223372036854775808ns', '2562048h', '106752d', '\uff11h', '1h\uff13\uff10m', '\u0663s',
])
def test_parse_go_duration_rejects(text):
    with pytest.raises(ValueError) as error:
        parse_go_duration(text)
    message = str(error.value)
    assert repr(text) in message
    assert '\n' not in message


@pytest.mark.parametrize('value', [None, 90, ['1h']])
def test_parse_go_duration_rejects_non_strings(value):
    with pytest.raises(ValueError, match='invalid Go duration'):
        parse_go_duration(value)


@pytest.mark.parametrize('value, seconds', [
    (3600, 3600),
    (3600.0, 3600),
    (1.5, 1.5),
    (-30, -30),
    ('3600', 3600),
    ('1.5', 1.5),
    ('720h', 2592000),
    ('30d', 2592000),
    ('300ms', 0.3),
    ('1h30m', 5400),
])
def test_to_seconds(value, seconds):
    result = to_seconds(value)
    assert result == seconds
    assert type(result) is type(seconds)


@pytest.mark.parametrize('value', [True, None, 'abc', '1 hour', float('nan'), float('inf'), [60],
                                   '\uff11\uff12', '\uff11.5', '1\u0663'])
def test_to_seconds_rejects(value):
    with pytest.raises(ValueError):
        to_seconds(value)


@pytest.mark.parametrize('ns, seconds', [
    (3155760000000000000, 3155760000),
    (604800000000000, 604800),
    (1500000000, 1.5),
    (300000000, 0.3),
    (0, 0),
    (-60000000000, -60),
])
def test_ns_to_seconds(ns, seconds):
    result = ns_to_seconds(ns)
    assert result == seconds
    assert type(result) is type(seconds)


@pytest.mark.parametrize('value', [True, None, '1000', float('nan')])
def test_ns_to_seconds_rejects(value):
    with pytest.raises(ValueError):
        ns_to_seconds(value)


@pytest.mark.parametrize('seconds, text', [
    (604800, '168h0m0s'),
    (5400, '1h30m0s'),
    (60, '1m0s'),
    (1.5, '1.5s'),
    (0, '0s'),
    (0.5, '500ms'),
    (3155760000, '876600h0m0s'),
    (0.3, '300ms'),
    (0.0015, '1.5ms'),
    (0.000002, '2\u00b5s'),
    (1e-9, '1ns'),
    (-3600, '-1h0m0s'),
    (90061.25, '25h1m1.25s'),
    (59.999, '59.999s'),
    (3600.0, '1h0m0s'),
])
def test_format_go_duration(seconds, text):
    assert format_go_duration(seconds) == text


@pytest.mark.parametrize('text', [
    '168h0m0s', '1h30m0s', '1m0s', '1.5s', '0s', '500ms', '876600h0m0s', '2\u00b5s', '1ns',
    '-1h0m0s', '25h1m1.25s', '1m0.000000001s', '2562047h47m16s',
])
def test_go_duration_round_trip(text):
    assert format_go_duration(to_seconds(text)) == text
    assert parse_go_duration(format_go_duration(parse_go_duration(text))) == parse_go_duration(text)


@pytest.mark.parametrize('value', [True, '60', None, float('inf'), 10 ** 10])
def test_format_go_duration_rejects(value):
    with pytest.raises(ValueError):
        format_go_duration(value)


# --- URLs and host:port ------------------------------------------------------------------------

SWAGGER_URL = {
    'scheme': 'https', 'host': 'coder.example.com', 'path': '', 'rawPath': '', 'rawQuery': '',
    'user': {}, 'forceQuery': False, 'omitHost': False, 'opaque': '', 'fragment': '', 'rawFragment': '',
}


@pytest.mark.parametrize('value, text', [
    ('https://coder.example.com', 'https://coder.example.com'),
    (SWAGGER_URL, 'https://coder.example.com'),
    (dict(SWAGGER_URL, path='/docs/@v2.34.3'), 'https://coder.example.com/docs/@v2.34.3'),
    (dict(SWAGGER_URL, path='api', rawQuery='a=1', fragment='top'), 'https://coder.example.com/api?a=1#top'),
    ({'Scheme': 'http', 'Host': 'localhost:3000', 'Path': '/'}, 'http://localhost:3000/'),
    ({'scheme': 'mailto', 'opaque': 'ops@example.com'}, 'mailto:ops@example.com'),
    ({'scheme': '', 'host': '', 'path': ''}, ''),
    (None, ''),
])
def test_url_to_string(value, text):
    assert url_to_string(value) == text


@pytest.mark.parametrize('value, normalized', [
    ('https://coder.example.com', 'https://coder.example.com'),
    ('https://coder.example.com/', 'https://coder.example.com'),
    ('HTTPS://Coder.Example.COM:443/', 'https://coder.example.com'),
    ('http://coder.example.com:80', 'http://coder.example.com'),
    ('http://coder.example.com:443', 'http://coder.example.com:443'),
    ('https://coder.example.com:8443/Path/', 'https://coder.example.com:8443/Path/'),
    ('https://Coder.example.com/Docs?Q=1#Frag', 'https://coder.example.com/Docs?Q=1#Frag'),
    ('http://[::1]:8080/x', 'http://[::1]:8080/x'),
    ('http://[::1]:80/', 'http://[::1]'),
    ('https://User:Pass@Coder.example.com', 'https://User:Pass@coder.example.com'),
    (SWAGGER_URL, 'https://coder.example.com'),
    (dict(SWAGGER_URL, host='CODER.example.com:443', path='/'), 'https://coder.example.com'),
    ('', ''),
    (None, ''),
    ('*.coder.example.com', '*.coder.example.com'),
])
def test_normalize_url(value, normalized):
    assert normalize_url(value) == normalized


def test_normalize_url_makes_equivalent_forms_equal():
    forms = ['https://coder.example.com', 'HTTPS://CODER.EXAMPLE.COM/', 'https://coder.example.com:443', SWAGGER_URL]
    assert len(set(normalize_url(form) for form in forms)) == 1


@pytest.mark.parametrize('value', ['https://coder.example.com:99999', 'http://h:port', 42, ['https://x']])
def test_normalize_url_rejects(value):
    with pytest.raises(ValueError):
        normalize_url(value)


@pytest.mark.parametrize('value, text', [
    ('0.0.0.0:3000', '0.0.0.0:3000'),
    ({'host': '0.0.0.0', 'port': '3000'}, '0.0.0.0:3000'),
    ({'Host': '127.0.0.1', 'Port': 6060}, '127.0.0.1:6060'),
    ({'host': '::1', 'port': '2112'}, '[::1]:2112'),
    ({'host': '', 'port': '8888'}, ':8888'),
    ({'host': '', 'port': ''}, ''),
    ('', ''),
    (None, ''),
])
def test_normalize_host_port(value, text):
    assert normalize_host_port(value) == text


def test_normalize_host_port_rejects_other_shapes():
    with pytest.raises(ValueError, match='host:port'):
        normalize_host_port(3000)


# --- versions ----------------------------------------------------------------------------------

@pytest.mark.parametrize('text, parsed', [
    ('v2.34.3+4653f32', (2, 34, 3, '', '4653f32')),
    ('v2.35.0-rc.1', (2, 35, 0, 'rc.1', '')),
    ('v0.0.0-devel+abc1234', (0, 0, 0, 'devel', 'abc1234')),
    ('2.34.3', (2, 34, 3, '', '')),
    ('v2.34', (2, 34, 0, '', '')),
    ('v2', (2, 0, 0, '', '')),
    ('v2.33.9-rc.2+deadbee', (2, 33, 9, 'rc.2', 'deadbee')),
])
def test_parse_version(text, parsed):
    assert parse_version(text) == dict(zip(('major', 'minor', 'patch', 'prerelease', 'build'), parsed))


@pytest.mark.parametrize('text', ['', 'latest', 'v2.x', '2.34.3.1', 'v-2', '2.34.3+', None, 2.34,
                                  'v\uff12.34.3', 'v2.3\uff14', '\u0662.34'])
def test_parse_version_rejects(text):
    with pytest.raises(ValueError) as error:
        parse_version(text)
    assert repr(text) in str(error.value)


@pytest.mark.parametrize('first, second, order', [
    ('v2.34.3', '2.34.3', 0),
    ('v2.34.3+4653f32', 'v2.34.3+0000000', 0),
    ('v2.34', 'v2.34.0', 0),
    ('v2.34.3', 'v2.34.10', -1),
    ('v2.35.0-rc.1', 'v2.35.0', -1),
    ('v2.35.0-rc.2', 'v2.35.0-rc.10', -1),
    ('v2.35.0-rc.1', 'v2.34.9', 1),
    ('v2.35.0-alpha', 'v2.35.0-alpha.1', -1),
    ('v2.35.0-1', 'v2.35.0-alpha', -1),
    ('v0.0.0-devel+abc1234', 'v0.0.0', -1),
    ('v3.0.0', 'v2.99.99', 1),
])
def test_compare_versions(first, second, order):
    assert compare_versions(first, second) == order
    assert compare_versions(second, first) == -order


@pytest.mark.parametrize('version, constraint, expected', [
    ('v2.34.3+4653f32', '>=2.30,<3', True),
    ('v2.34.3+4653f32', '>=2.35', False),
    ('v3.0.0', '>=2.30,<3', False),
    ('v2.29.9', '>=2.30, <3', False),
    ('v2.34.3+4653f32', '==2.34.3', True),
    ('v2.34.3', '=2.34.3', True),
    ('v2.34.3', '2.34.3', True),
    ('v2.34.4', '2.34.3', False),
    ('v2.34.0', '==2.34', True),
    ('v2.34.3', '!=2.34.3', False),
    ('v2.34.4', '!=2.34.3', True),
    ('v2.34.3', '>2.34.2', True),
    ('v2.34.3', '<2.34.3', False),
    ('v2.34.3', '<=2.34.3', True),
    ('v2.34.9', '~2.34', True),
    ('v2.35.0', '~2.34', False),
    ('v2.34.2', '~2.34.3', False),
    ('v2.34.7', '~2.34.3', True),
    ('v2.0.0', '~2', True),
    ('v2.99.0', '~2', True),
    ('v3.0.0', '~2', False),
    ('v2.30.0', '^2.30', True),
    ('v2.99.1', '^2.30', True),
    ('v3.0.0', '^2.30', False),
    ('v2.29.0', '^2.30', False),
    ('v0.5.9', '^0.5', True),
    ('v0.6.0', '^0.5', False),
    ('v2.34.0', '2.34.*', True),
    ('v2.34.12', '2.34.*', True),
    ('v2.35.0', '2.34.*', False),
    ('v2.1.0', '2.*', True),
    ('v3.0.0', '2.*', False),
    ('v2.34.3', '!=2.34.*', False),
    ('v2.35.0', '!=2.34.*', True),
    ('v9.9.9', '*', True),
    ('v2.35.0-rc.1', '>=2.35.0', False),     # a release candidate comes before the release
    ('v2.35.0-rc.1', '>2.34.99', True),
    ('v3.0.0-rc.1', '<3', False),            # an upper bound excludes its own prereleases
    ('v2.35.0-rc.2', '>v2.35.0-rc.1', True),
    ('2.34', '==2.34.0', True),              # a missing patch counts as 0
    ('v2.35.0-rc.1', '>=2.34,<2.36', True),
    ('v3.0.0-rc.1', '>=2.30,<3', False),
    ('v2.35.0-rc.1', '~2.34', False),
    ('v2.35.0-rc.1', '2.34.*', False),
    ('v3.0.0-rc.1', '^2.30', False),
    ('v2.35.0-rc.1', '<2.35.0-rc.2', True),
    ('v2.34.3-rc.1', '~2.34', True),
    ('v0.0.0-devel+abc1234', '>=2.30', False),
    ('v0.0.0-devel+abc1234', '<0.0.1', True),
    ('v0.0.0-devel+abc1234', '<0.0.0', False),
])
def test_version_satisfies(version, constraint, expected):
    assert version_satisfies(version, constraint) is expected


@pytest.mark.parametrize('constraint, culprit', [
    ('', "''"),
    ('>=two', "'two'"),
    ('>=2.30,,<3', 'empty clause'),
    ('>=2.*', 'wildcard'),
    ('~', "''"),
    (None, 'None'),
    ('>=\uff12.30', "'\uff12.30'"),
    ('\uff12.*', "'\uff12.*'"),
])
def test_version_satisfies_rejects_constraints(constraint, culprit):
    with pytest.raises(ValueError) as error:
        version_satisfies('v2.34.3', constraint)
    assert culprit in str(error.value)
    assert 'constraint' in str(error.value)


@pytest.mark.parametrize('constraint, suggestion', [
    ('>=2.30 <3', "'>=2.30,<3'"),
    ('>= 2.30  < 3', "'>= 2.30,< 3'"),
    ('2.34.* !=2.34.1', "'2.34.*,!=2.34.1'"),
])
def test_a_constraint_with_spaces_for_commas_suggests_commas(constraint, suggestion):
    with pytest.raises(ValueError) as error:
        version_satisfies('v2.34.3', constraint)
    assert str(error.value).endswith('; separate clauses with commas: %s' % suggestion)


def test_version_satisfies_rejects_versions():
    with pytest.raises(ValueError, match="'nightly'"):
        version_satisfies('nightly', '>=2.30')
