# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE to the coder.coderd collection: may change in any release without notice.
"""Plugin adapter: lookups and the inventory get their client from Ansible's option layer."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import functools
import inspect

from ansible.errors import AnsibleError, AnsibleFilterError
from ansible.utils.display import Display
from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.coder.coderd.plugins.module_utils._api import Deployment
from ansible_collections.coder.coderd.plugins.module_utils._client import CoderClient
from ansible_collections.coder.coderd.plugins.module_utils._connection import ConnectionOptions
from ansible_collections.coder.coderd.plugins.module_utils._errors import InternalError, reportable

try:
    from ansible.parsing.vault import EncryptedString as _Encrypted  # ansible-core 2.19 and later
except ImportError:
    from ansible.parsing.yaml.objects import AnsibleVaultEncryptedUnicode as _Encrypted

display = Display()


def is_vault_encrypted(value):
    """Whether ``value`` is a still encrypted ``!vault`` value."""
    return isinstance(value, _Encrypted)


def variable_template(templar):
    """``templar.template`` for ``ansible_coder_*`` variables: a vault-encrypted value comes out as its
    text, which templating leaves encrypted before ansible-core 2.19 and option types cannot take."""
    def template(value):
        value = templar.template(value)
        return str(value) if is_vault_encrypted(value) else value
    return template


def open_deployment(plugin, direct, variables):
    """A memoizing Deployment over a fresh client for ``plugin``'s connection options (``direct`` and
    ``variables`` as given to its ``set_options``); AnsibleError with the one-line cause on bad options."""
    try:
        options = ConnectionOptions.from_plugin(plugin, direct=direct, variables=variables)
        return Deployment(CoderClient(options.settings(), warn=display.warning))
    except AnsibleError:
        raise
    except Exception as exc:  # pylint: disable=broad-except
        raise AnsibleError(failure_text(exc))


def failure_text(exc):
    """The one line that ``exc``, having reached an adapter, shows; a bug's traceback goes to -vvv.

    Every adapter (action, lookup, inventory, filter, test) reports through here, so that a bug
    reads the same everywhere.
    """
    error = reportable(exc)
    if isinstance(error, InternalError):
        show_trace(error.trace)
    return str(error)


def show_trace(trace):
    display.vvv('coder.coderd: the traceback of this bug (include it in the report):\n%s' % trace)


def template_function(name):
    """Decorates a filter or test ``name``: its failures become one AnsibleFilterError line.

    Arguments that do not fit the signature stay Ansible's own error: the template is wrong, not us.
    """
    def decorate(function):
        signature = inspect.signature(function)

        @functools.wraps(function)
        def run(*args, **kwargs):
            signature.bind(*args, **kwargs)
            try:
                return function(*args, **kwargs)
            except AnsibleError:
                raise
            except Exception as exc:  # pylint: disable=broad-except
                raise AnsibleFilterError('%s: %s' % (name, failure_text(exc)))
        return run
    return decorate


def make_unsafe(data):
    """API data must never be templated: a config value holding ``{{ }}`` stays literal text."""
    return wrap_var(data)
