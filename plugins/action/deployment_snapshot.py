# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.coder.coderd.plugins.module_utils._api import Deployment, gather_facts
from ansible_collections.coder.coderd.plugins.module_utils._connection import CONNECTION_ARGSPEC
from ansible_collections.coder.coderd.plugins.module_utils._errors import InputError
from ansible_collections.coder.coderd.plugins.module_utils._reports import atomic_write
from ansible_collections.coder.coderd.plugins.plugin_utils._snapshot import (
    SECTIONS, VERSION_PINS, chosen_sections, required_subsets, take_snapshot,
)
from ansible_collections.coder.coderd.plugins.module_utils._tasks import connect
from ansible_collections.coder.coderd.plugins.plugin_utils._action import CoderAction

# The options besides the connection ones; plugins/modules/deployment_snapshot.py documents them.
OPTIONS = dict(
    dest=dict(type='path', required=True),
    version_pin=dict(type='str', default='minor', choices=list(VERSION_PINS)),
    include=dict(type='list', elements='str', choices=list(SECTIONS)),
    exclude=dict(type='list', elements='str', choices=list(SECTIONS)),
)


class ActionModule(CoderAction):
    """Always on the controller: the snapshot is a controller file, read later by deployment_assert there.

    Checks that the file can be written, gathers the facts the chosen sections need, turns them
    into the document and writes it when its bytes differ (never in check mode).
    """

    _supports_async = False

    def _runs_on_controller(self):
        return True

    def _argument_spec(self, name):
        return dict(CONNECTION_ARGSPEC, **OPTIONS)

    def _run_on_controller(self, name, params, warn):
        dest = params['dest']
        sections = chosen_sections(params['include'], params['exclude'], params['version_pin'])
        # Before any request: a path that cannot be written fails at once.
        target, before = _read_dest(dest)
        with connect(params, warn, self._task_environment()) as client:
            facts = gather_facts(Deployment(client), required_subsets(sections), include_options=True)
        snapshot = take_snapshot(facts, sections, params['version_pin'])
        changed = before != snapshot.text.encode('utf-8')
        if changed and not self._task.check_mode:
            try:
                atomic_write(target, snapshot.text)
            except OSError as exc:
                raise InputError('dest %s: cannot write it: %s' % (dest, exc.strerror or exc))
        result = dict(dest=dest, changed=changed, document=snapshot.document, counts=snapshot.counts,
                      sections=sections)
        if changed and self._task.diff:
            result['diff'] = dict(before=_as_text(before), after=snapshot.text,
                                  before_header=dest if before is not None else '%s (absent)' % dest,
                                  after_header=dest)
        return result


def _read_dest(dest):
    """(the path to write, the bytes there now or None); InputError naming ``dest`` when it cannot be written."""
    # Write through a symlink, not over it: the link may point into a checkout kept elsewhere.
    target = os.path.realpath(dest)
    directory = os.path.dirname(target)
    if os.path.isdir(target):
        raise InputError('dest %s: is a directory; name the file to write' % dest)
    if not os.path.isdir(directory):
        cause = 'is not a directory' if os.path.exists(directory) else 'does not exist'
        raise InputError('dest %s: the directory %s %s' % (dest, directory, cause))
    if not os.access(directory, os.W_OK | os.X_OK):
        raise InputError('dest %s: cannot write to the directory %s: permission denied' % (dest, directory))
    try:
        with open(target, 'rb') as stream:
            return target, stream.read()
    except FileNotFoundError:
        return target, None
    except OSError as exc:
        raise InputError('dest %s: cannot read it: %s' % (dest, exc.strerror or exc))


def _as_text(data):
    return '' if data is None else data.decode('utf-8', errors='replace')
