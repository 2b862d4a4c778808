# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.coder.coderd.plugins.module_utils import _units
from ansible_collections.coder.coderd.plugins.plugin_utils._plugin import template_function


@template_function('coder.coderd.version_satisfies')
def version_satisfies(version, constraint):
    """Whether a Coder version ("v2.34.3+4653f32") meets a constraint (">=2.30,<3")."""
    return _units.version_satisfies(version, constraint)


class TestModule(object):

    def tests(self):
        return {'version_satisfies': version_satisfies}
