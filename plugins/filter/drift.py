# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections.abc import Mapping

from ansible_collections.coder.coderd.plugins.module_utils._compare import ComparisonError, compare, parse_spec
from ansible_collections.coder.coderd.plugins.module_utils._errors import InputError
from ansible_collections.coder.coderd.plugins.module_utils._reports import MAX_PROBLEM, clipped
from ansible_collections.coder.coderd.plugins.plugin_utils._plugin import template_function


def _value_at(data, key):
    """The value under ``key``: a key of ``data`` itself, else a dotted path; None when absent."""
    if isinstance(data, Mapping) and key in data:
        return data[key]
    value = data
    for part in str(key).split('.'):
        if isinstance(value, Mapping) and part in value:
            value = value[part]
        elif isinstance(value, (list, tuple)) and part.isascii() and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


@template_function('coder.coderd.drift')
def drift(actual, desired):
    """One record per check of ``desired`` against ``actual``: {key, expected, actual, operator, status}."""
    if not isinstance(desired, Mapping):
        raise InputError('the desired state must be a mapping of key: expected value, got %s' % type(desired).__name__)
    records = []
    for key, spec in desired.items():
        value = _value_at(actual, key)
        try:
            for operator, expected in parse_spec(spec):
                passed = compare(operator, value, expected)
                records.append(dict(key=key, expected=expected, actual=value, operator=operator,
                                    status='pass' if passed else 'drift'))
        except ComparisonError as exc:
            raise InputError(clipped('%s: %s' % (key, exc), MAX_PROBLEM))
    return records


class FilterModule(object):

    def filters(self):
        return {'drift': drift}
