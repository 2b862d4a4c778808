# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError

# The module, not its TestModule class: pytest would collect a class named Test*.
from ansible_collections.coder.coderd.plugins.test import version_satisfies as plugin

version_satisfies = plugin.version_satisfies


# The constraint language itself is tested with the value model (test_units.py); the test plugin
# passes its answer through.
@pytest.mark.parametrize('version, constraint, expected', [
    ('v2.34.3+4653f32', '>=2.30,<3', True),
    ('v3.0.0-rc.1', '<3', False),
])
def test_versions_meet_constraints(version, constraint, expected):
    assert version_satisfies(version, constraint) is expected


@pytest.mark.parametrize('version, constraint, named', [
    ('banana', '>=2', "'banana'"),
    ('v2.34.3', '>=two', "'>=two'"),
    ('v2.34.3', '', "''"),
    ('v2.34.3', '>=2,,<3', "'>=2,,<3'"),
    (None, '>=2', 'None'),
    ('v\uff12.34.3', '>=2.30', "'v\uff12.34.3'"),   # full-width digits are no version
    ('v2.34.3', '>=\uff12.30', "'>=\uff12.30'"),
])
def test_bad_input_fails_with_one_line_naming_it(version, constraint, named):
    with pytest.raises(AnsibleFilterError) as caught:
        version_satisfies(version, constraint)
    text = str(caught.value)
    assert text.startswith('coder.coderd.version_satisfies: ')
    assert named in text
    assert '\n' not in text


def test_the_test_is_registered():
    assert plugin.TestModule().tests() == {'version_satisfies': version_satisfies}
