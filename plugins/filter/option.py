# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.coder.coderd.plugins.module_utils._config import find_option


def option(options, key):
    """The record of ``options`` (the ``coder.options`` facts) that ``key`` names, in any key form."""
    try:
        return find_option(options, key)
    except ValueError as exc:
        raise AnsibleFilterError('coder.coderd.option: %s' % exc)


class FilterModule(object):

    def filters(self):
        return {'option': option}
