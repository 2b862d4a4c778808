"""Test-only: plants a bug in the value model of the controller, to see how a bug is reported.

Enabled by name in ANSIBLE_CALLBACKS_ENABLED. The workers are forks of the controller, so the
action plugins and lookups they run read /buildinfo through the planted normalizer.
"""

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: inject_bug
type: aggregate
short_description: makes the /buildinfo normalizer raise a TypeError
description: [Test-only; never shipped.]
"""

PLANTED = "planted bug: 'NoneType' object is not subscriptable"


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "inject_bug"
    CALLBACK_NEEDS_ENABLED = True

    def v2_playbook_on_start(self, playbook):
        from ansible_collections.coder.coderd.plugins.module_utils import _values

        def normalize_build_info(raw):
            raise TypeError(PLANTED)

        _values.normalize_build_info = normalize_build_info
