# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.coder.coderd.plugins.module_utils._units import (
    NUMBER_TEXT, format_go_duration, ns_to_seconds, to_seconds,
)
from ansible_collections.coder.coderd.plugins.plugin_utils._plugin import template_function


@template_function('coder.coderd.duration')
def duration(value):
    """Seconds of a Go duration string ("168h0m0s", "30d") or of the API's integer nanoseconds."""
    if isinstance(value, str) and NUMBER_TEXT.fullmatch(value.strip()):
        # A number is nanoseconds, as on the wire, also when templating turned it into text.
        text = value.strip()
        return ns_to_seconds(float(text) if '.' in text else int(text))
    if isinstance(value, str):
        return to_seconds(value)
    return ns_to_seconds(value)


@template_function('coder.coderd.go_duration')
def go_duration(value):
    """The Go spelling ("168h0m0s") of a number of seconds, or of any duration string."""
    return format_go_duration(to_seconds(value))


class FilterModule(object):

    def filters(self):
        return {'duration': duration, 'go_duration': go_duration}
