# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.coder.coderd.plugins.plugin_utils._action import CoderAction


class ActionModule(CoderAction):
    """coder.coderd.health_settings, run on the controller unless the task targets a remote host."""
