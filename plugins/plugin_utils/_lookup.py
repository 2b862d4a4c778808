# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE to the coder.coderd collection: may change in any release without notice.
"""What every coder.coderd lookup shares: options, one deployment per run, errors, unsafe results."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleError, AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from ansible_collections.coder.coderd.plugins.module_utils._api import join_capped
from ansible_collections.coder.coderd.plugins.module_utils._connection import connection_variables
from ansible_collections.coder.coderd.plugins.module_utils._paths import find_path
from ansible_collections.coder.coderd.plugins.plugin_utils._plugin import (
    failure_text, make_unsafe, open_deployment, variable_template,
)


class CoderLookup(LookupBase):
    """A lookup reads one deployment; subclasses say what, in ``fetch(deployment, terms) -> list``.

    The Deployment memoizes its GETs, so however many terms ask for the same endpoint it is
    requested once per ``run()``.
    """

    def run(self, terms, variables=None, **kwargs):
        try:
            deployment = self._open(variables, kwargs)
        except AnsibleLookupError:
            raise
        except AnsibleError as exc:
            # Before ansible-core 2.19 any other error class out of a lookup was "an unhandled
            # exception", shown with its class and, at -vvv, a traceback.
            raise AnsibleLookupError(str(exc)) from None
        try:
            return make_unsafe(self.fetch(deployment, list(terms)))
        except AnsibleLookupError:
            raise
        except AnsibleError as exc:
            raise AnsibleLookupError(str(exc)) from None
        except Exception as exc:  # pylint: disable=broad-except
            raise AnsibleLookupError(failure_text(exc)) from None
        finally:
            deployment.client.close()

    def _open(self, variables, kwargs):
        # The option layer applies the ansible_coder_* vars and ANSIBLE_CODER_* env (the PLUGINS doc fragment).
        variables = connection_variables(variables or {}, variable_template(self._templar))
        self.set_options(var_options=variables, direct=kwargs)
        # Ansible drops unknown keyword options silently; a mistyped url= must not fall back to CODER_URL.
        unknown = sorted(set(kwargs) - set(self._options))
        if unknown:
            known = sorted(name for name in self._options if not name.startswith('_'))
            raise AnsibleLookupError('unknown option %s; the options are: %s' % (', '.join(unknown), ', '.join(known)))
        return open_deployment(self, kwargs, variables)

    def fetch(self, deployment, terms):
        raise NotImplementedError('%s must define fetch()' % type(self).__name__)


def pick_fields(data, terms, what):
    """``[data]`` without terms, else the field each term names (a dotted path for nested fields)."""
    if not terms:
        return [data]
    return [_field(data, term, what) for term in terms]


def _field(data, path, what):
    found, value = find_path(data, str(path))
    if not found:
        raise AnsibleLookupError('%s has no field %r; its fields are: %s'
                                 % (what, str(path), join_capped(sorted(data), ', ', 20)))
    return value
