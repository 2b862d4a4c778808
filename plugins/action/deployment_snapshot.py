# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.coder.coderd.plugins.module_utils._reports import atomic_write
from ansible_collections.coder.coderd.plugins.plugin_utils._action import CoderAction


class ActionModule(CoderAction):
    """Always on the controller: the snapshot is a controller file, read later by deployment_assert there."""

    _supports_async = False

    def _runs_on_controller(self):
        return True

    def _run_on_controller(self, name, params, warn):
        dest = params['dest']
        # Before any request: a path that cannot be written fails at once.
        target, before = _read_dest(dest)
        result = super(ActionModule, self)._run_on_controller(name, params, warn)
        content = result.pop('content')
        changed = before != content.encode('utf-8')
        if changed and not self._task.check_mode:
            try:
                atomic_write(target, content)
            except OSError as exc:
                raise ValueError('dest %s: cannot write it: %s' % (dest, exc.strerror or exc))
        result.update(dest=dest, changed=changed)
        if changed and self._task.diff:
            result['diff'] = dict(before=_as_text(before), after=content,
                                  before_header=dest if before is not None else '%s (absent)' % dest,
                                  after_header=dest)
        return result


def _read_dest(dest):
    """(the path to write, the bytes there now or None); ValueError naming ``dest`` when it cannot be written."""
    # Write through a symlink, not over it: the link may point into a checkout kept elsewhere.
    target = os.path.realpath(dest)
    directory = os.path.dirname(target)
    if os.path.isdir(target):
        raise ValueError('dest %s: is a directory; name the file to write' % dest)
    if not os.path.isdir(directory):
        cause = 'is not a directory' if os.path.exists(directory) else 'does not exist'
        raise ValueError('dest %s: the directory %s %s' % (dest, directory, cause))
    if not os.access(directory, os.W_OK | os.X_OK):
        raise ValueError('dest %s: cannot write to the directory %s: permission denied' % (dest, directory))
    try:
        with open(target, 'rb') as stream:
            return target, stream.read()
    except FileNotFoundError:
        return target, None
    except OSError as exc:
        raise ValueError('dest %s: cannot read it: %s' % (dest, exc.strerror or exc))


def _as_text(data):
    return '' if data is None else data.decode('utf-8', errors='replace')
