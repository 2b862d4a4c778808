# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.coder.coderd.plugins.filter.duration import FilterModule, duration, go_duration


@pytest.mark.parametrize('given, seconds', [
    ('168h0m0s', 604800),
    ('876600h0m0s', 3155760000),
    ('1h30m', 5400),
    ('30d', 2592000),
    ('1d12h', 129600),
    ('300ms', 0.3),
    ('-1.5h', -5400),
    ('0', 0),
    (604800000000000, 604800),          # the API's nanoseconds
    (3155760000000000000, 3155760000),
    ('604800000000000', 604800),        # nanoseconds that templating turned into text
    (1500000000.0, 1.5),
    (0, 0),
])
def test_duration_gives_seconds(given, seconds):
    assert duration(given) == seconds


def test_duration_is_an_int_when_whole():
    assert isinstance(duration('168h'), int)
    assert isinstance(duration(604800000000000), int)


@pytest.mark.parametrize('given, message', [
    ('7 days', "invalid Go duration '7 days'"),
    ('h', "invalid Go duration 'h'"),
    ('', "invalid Go duration ''"),
    (True, 'True'),
    ([1], '[1]'),
    (None, 'None'),
    ('\uff11\uff12', "invalid Go duration '\uff11\uff12'"),     # full-width digits are no number
    ('\uff11h', "invalid Go duration '\uff11h'"),
])
def test_duration_rejects_what_is_not_a_duration(given, message):
    with pytest.raises(AnsibleFilterError) as caught:
        duration(given)
    text = str(caught.value)
    assert text.startswith('coder.coderd.duration: ')
    assert message in text
    assert '\n' not in text


@pytest.mark.parametrize('given, spelled', [
    (604800, '168h0m0s'),
    (3155760000, '876600h0m0s'),
    (5400, '1h30m0s'),
    (60, '1m0s'),
    (1.5, '1.5s'),
    (0.5, '500ms'),
    (0, '0s'),
    ('90', '1m30s'),
    ('30d', '720h0m0s'),
    ('1h30m', '1h30m0s'),
])
def test_go_duration_spells_like_go(given, spelled):
    assert go_duration(given) == spelled


@pytest.mark.parametrize('seconds', [0, 1, 59.5, 3600, 604800, 3155760000, 0.000001])
def test_duration_and_go_duration_round_trip(seconds):
    assert duration(go_duration(seconds)) == seconds


@pytest.mark.parametrize('given', ['a week', None, False, {'seconds': 1}, '\uff19\uff10'])
def test_go_duration_rejects_what_is_not_a_duration(given):
    with pytest.raises(AnsibleFilterError, match=r'^coder\.coderd\.go_duration: '):
        go_duration(given)


def test_both_filters_are_registered():
    assert FilterModule().filters() == {'duration': duration, 'go_duration': go_duration}
