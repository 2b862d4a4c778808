# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE to the coder.coderd collection: may change in any release without notice.

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    DOCUMENTATION = r'''
options: {}
attributes:
  action_group:
    description: Use C(group/coder.coderd.coderd) in C(module_defaults) to set the connection options once.
    support: full
    membership:
      - coder.coderd.coderd
  action:
    description: Runs on the controller through an action plugin; runs as a module on the target when the
      task targets a remote host (for deployments reachable only from there) or runs asynchronously.
    support: full
  async:
    description: Supported; the module then runs on the target.
    support: full
'''

    INFO_MODULE = r'''
options: {}
attributes:
  check_mode:
    description: Can run in check mode and returns the same keys as without it.
    support: full
  diff_mode:
    description: Returns no diff; reading a deployment changes nothing.
    support: N/A
  idempotent:
    description: Reads only; running it again changes nothing.
    support: full
'''

    # Modules whose action plugin always runs on the controller, because they read or write files
    # there. List it before coder.coderd._attributes: where two fragments document the same
    # attribute, the one listed first wins.
    CONTROLLER = r'''
options: {}
attributes:
  action:
    description: Always runs on the controller through an action plugin, whatever host the task targets.
    support: full
  async:
    description: Not supported.
    support: none
'''
