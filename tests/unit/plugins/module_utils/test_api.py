# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The endpoint layer (plugins/module_utils/_api.py) against the simulator."""

import pytest

from coder_sim import DEFAULT_TOKENS

from ansible_collections.coder.coderd.plugins.module_utils._api import (
    SUBSETS, Deployment, gather_facts, join_capped,
)
from ansible_collections.coder.coderd.plugins.module_utils._client import CoderClient, CoderError
from ansible_collections.coder.coderd.plugins.module_utils._connection import resolve_connection


def deployment(url):
    settings = resolve_connection(dict(url=url, token=DEFAULT_TOKENS["owner"], timeout=2, retries=0),
                                  environ={"CODER_CONFIG_DIR": "/nonexistent"})
    return Deployment(CoderClient(settings))


@pytest.mark.parametrize("items, text", [
    ([], ""),
    (["a"], "a"),
    (["a", "b", "c"], "a; b; c"),
    (["a", "b", "c", "d", "e"], "a; b; c; and 2 more"),
])
def test_join_capped(items, text):
    assert join_capped(iter(items), "; ", 3) == text


def test_many_failed_endpoints_make_one_bounded_line(coder_sim):
    """Every endpoint answers JSON of another shape: the line names a few causes and counts the rest."""
    coder_sim.set_faults([{"kind": "status", "status": 200, "body": {"message": "x" * 1000}}])
    reader = deployment(coder_sim.url)
    with pytest.raises(CoderError) as caught:
        gather_facts(reader, list(SUBSETS), processing_timeout=0)
    reader.client.close()
    message = str(caught.value)
    # The API root's answer is {"message": ...}: the other seven endpoints fail.
    assert message.startswith("%s: 7 endpoints failed: /api/v2/buildinfo unexpected /buildinfo response: " % coder_sim.url)
    assert message.endswith("; and 4 more")
    assert message.count("/api/v2/") == 3
    assert "\n" not in message
