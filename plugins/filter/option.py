# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.coder.coderd.plugins.module_utils._config import find_option
from ansible_collections.coder.coderd.plugins.plugin_utils._plugin import template_function


@template_function('coder.coderd.option')
def option(options, key):
    """The record of ``options`` (the ``coder.options`` facts) that ``key`` names, in any key form."""
    return find_option(options, key)


class FilterModule(object):

    def filters(self):
        return {'option': option}
