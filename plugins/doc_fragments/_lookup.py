# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE to the coder.coderd collection: may change in any release without notice.

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # What every coder.coderd lookup shares: laziness and that API data is never templated.
    DOCUMENTATION = r'''
options: {}
notes:
  - A lookup runs each time its template is evaluated, for example at every reference to a variable defined
    with it in C(vars:). Bind the result once with M(ansible.builtin.set_fact), or gather facts with
    M(coder.coderd.deployment_info).
  - One call reads each endpoint it needs at most once, whatever the number of terms.
  - Values come back as data, never as templates; an answer containing C({{) stays literal text.
'''
