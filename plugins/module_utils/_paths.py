# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE to the coder.coderd collection: may change in any release without notice.
"""Dotted paths ("session_lifetime.max_token_lifetime") into nested mappings, walked one way everywhere."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def find_path(data, path):
    """``(True, value)`` for the value at ``path`` (dotted text or a sequence of keys), else ``(False, None)``."""
    parts = path.split('.') if isinstance(path, str) else path
    node = data
    for part in parts:
        if not isinstance(node, dict) or part not in node:
            return False, None
        node = node[part]
    return True, node
