# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE to the coder.coderd collection: may change in any release without notice.
"""Plugin adapter: lookups and the inventory get their client from Ansible's option layer."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleError
from ansible.utils.display import Display
from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.coder.coderd.plugins.module_utils._api import Deployment
from ansible_collections.coder.coderd.plugins.module_utils._client import CoderClient, CoderError
from ansible_collections.coder.coderd.plugins.module_utils._connection import ConnectionOptions

display = Display()


def open_deployment(plugin):
    """A memoizing Deployment over a fresh client for ``plugin``'s connection options; AnsibleError
    with the one-line cause on bad options."""
    try:
        return Deployment(CoderClient(ConnectionOptions.from_plugin(plugin).settings(), warn=display.warning))
    except (CoderError, ValueError) as exc:
        raise AnsibleError(str(exc))


def make_unsafe(data):
    """API data must never be templated: a config value holding ``{{ }}`` stays literal text."""
    return wrap_var(data)
