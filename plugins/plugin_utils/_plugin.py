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
from ansible_collections.coder.coderd.plugins.module_utils._connection import CONNECTION_ARGSPEC, resolve_connection

display = Display()


def connection_options(plugin, overrides=None):
    """The connection options as ``get_option`` resolved them (task, vars, ANSIBLE_CODER_* env)."""
    options = dict((name, plugin.get_option(name)) for name in CONNECTION_ARGSPEC)
    options.update((name, value) for name, value in (overrides or {}).items() if value is not None)
    return options


def open_deployment(options, environ=None):
    """A memoizing Deployment over a fresh client; AnsibleError with the one-line cause on bad options."""
    try:
        return Deployment(CoderClient(resolve_connection(options, environ), warn=display.warning))
    except (CoderError, ValueError) as exc:
        raise AnsibleError(str(exc))


def make_unsafe(data):
    """API data must never be templated: a config value holding ``{{ }}`` stays literal text."""
    return wrap_var(data)
