# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import os

import yaml
from ansible.errors import AnsibleError

from ansible_collections.coder.coderd.plugins.module_utils._drift import assert_deployment
from ansible_collections.coder.coderd.plugins.plugin_utils._action import CoderAction

_EXCLUSIVE = (('desired', 'desired_file'), ('waivers', 'waivers_file'))


class _PlainDatesLoader(yaml.SafeLoader):
    """YAML without timestamp parsing: a waiver's ``expires: 2026-01-31`` stays the text it was written as."""


_PlainDatesLoader.add_constructor(u'tag:yaml.org,2002:timestamp', _PlainDatesLoader.construct_yaml_str)


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
            with open(found, encoding='utf-8') as stream:
                return yaml.load(stream, Loader=_PlainDatesLoader)
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
