# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import os

import yaml
from ansible.errors import AnsibleError

from ansible_collections.coder.coderd.plugins.module_utils._drift import MAX_DEPTH, MAX_TEXT, assert_deployment
from ansible_collections.coder.coderd.plugins.plugin_utils._action import CoderAction

_EXCLUSIVE = (('desired', 'desired_file'), ('waivers', 'waivers_file'))


class _TooDeep(yaml.YAMLError):
    def __init__(self, mark):
        super(_TooDeep, self).__init__()
        self.problem_mark = mark


class _DocumentLoader(yaml.SafeLoader):
    """Safe YAML with two changes: a waiver's ``expires: 2026-01-31`` stays the text it was written
    as (no timestamp parsing), and nesting stops at MAX_DEPTH while composing, where PyYAML recurses.
    Alias expansion is bounded after loading, by the engine's check_limits."""

    def __init__(self, stream):
        super(_DocumentLoader, self).__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):
        if self._depth >= MAX_DEPTH and self.check_event(yaml.SequenceStartEvent, yaml.MappingStartEvent):
            raise _TooDeep(self.peek_event().start_mark)
        self._depth += 1
        try:
            return super(_DocumentLoader, self).compose_node(parent, index)
        finally:
            self._depth -= 1


_DocumentLoader.add_constructor(u'tag:yaml.org,2002:timestamp', _DocumentLoader.construct_yaml_str)


class ActionModule(CoderAction):
    """Always on the controller: the desired state and waivers are controller files, and the check only reads."""

    _supports_async = False
    _mutually_exclusive = _EXCLUSIVE

    def _runs_on_controller(self):
        return True

    def _run_on_controller(self, name, params, warn):
        self._read_files(params)
        if params['facts'] is not None:
            # Facts gathered earlier: nothing to fetch, so no connection at all.
            return assert_deployment(params)
        return super(ActionModule, self)._run_on_controller(name, params, warn)

    def _read_files(self, params):
        """Replace desired_file / waivers_file by their parsed content, remembering where it came from."""
        if params['desired_file']:
            params['desired'] = self._load_yaml('desired_file', params['desired_file'])
            if params['desired'] is None:
                params['desired'] = {}
            params['desired_source'] = 'desired_file %s' % params['desired_file']
        if params['waivers_file']:
            params['waivers'] = self._load_yaml('waivers_file', params['waivers_file']) or []
            params['waivers_source'] = 'waivers_file %s' % params['waivers_file']
        params['waivers'] = _dates_as_text(params['waivers'])

    def _load_yaml(self, option, path):
        try:
            found = self._find_needle('files', path)
        except AnsibleError:
            # CI jobs name files relative to the checkout they run in, not to the playbook.
            if not os.path.isfile(path):
                raise ValueError("%s: cannot find %s (looked in the role's files/, next to the playbook and in "
                                 "the current directory)" % (option, path))
            found = path
        try:
            with open(found, 'rb') as stream:
                content = stream.read(MAX_TEXT + 1)
            if len(content) > MAX_TEXT:
                raise ValueError('%s %s: refused: larger than %d bytes' % (option, path, MAX_TEXT))
            return yaml.load(content.decode('utf-8'), Loader=_DocumentLoader)
        except _TooDeep as exc:
            raise ValueError('%s %s: refused: nested more than %d levels deep (line %d)'
                             % (option, path, MAX_DEPTH, exc.problem_mark.line + 1))
        except yaml.YAMLError as exc:
            mark = getattr(exc, 'problem_mark', None)
            where = ' at line %d column %d' % (mark.line + 1, mark.column + 1) if mark else ''
            raise ValueError('%s %s: invalid YAML%s: %s' % (option, path, where, getattr(exc, 'problem', None) or exc))
        except (OSError, UnicodeDecodeError) as exc:
            raise ValueError('%s %s: cannot read it: %s' % (option, path, getattr(exc, 'strerror', None) or exc))


def _dates_as_text(waivers):
    """Dates that a YAML parser upstream (playbook vars) turned into objects, back to YYYY-MM-DD."""
    if not isinstance(waivers, list):
        return waivers
    return [dict(waiver, expires=waiver['expires'].strftime('%Y-%m-%d'))
            if isinstance(waiver, dict) and isinstance(waiver.get('expires'), datetime.date) else waiver
            for waiver in waivers]
