# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The endpoint layer (plugins/module_utils/_api.py) against the simulator."""

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from coder_sim import DEFAULT_TOKENS

from ansible_collections.coder.coderd.plugins.module_utils._api import (
    SUBSETS, Deployment, gather_facts, join_capped,
)
from ansible_collections.coder.coderd.plugins.module_utils._client import CoderClient, CoderError
from ansible_collections.coder.coderd.plugins.module_utils import _values
from ansible_collections.coder.coderd.plugins.module_utils._connection import resolve_connection
from ansible_collections.coder.coderd.plugins.module_utils._errors import InternalError
from ansible_collections.coder.coderd.plugins.module_utils._tasks import TASKS, run_task


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


def test_a_bug_in_a_normalizer_is_reported_as_a_bug_not_as_a_server_problem(coder_sim, monkeypatch):
    token = DEFAULT_TOKENS["owner"]

    def normalize_with_a_bug(raw):
        raise TypeError("unhashable type: 'dict' (%s)" % token)

    monkeypatch.setattr(_values, "normalize_build_info", normalize_with_a_bug)
    reader = deployment(coder_sim.url)
    with pytest.raises(TypeError):
        reader.build()
    reader.client.close()
    params = ArgumentSpecValidator(TASKS["build_info"].argument_spec).validate(
        dict(url=coder_sim.url, token=token, retries=0)).validated_parameters
    with pytest.raises(InternalError) as caught:
        run_task("build_info", params, warn=None, environ={"CODER_CONFIG_DIR": "/nonexistent"})
    assert str(caught.value) == ("bug in coder.coderd: TypeError: unhashable type: 'dict' (<hidden>) "
                                 "(please report it; run with -vvv for the traceback)")
    assert "normalize_with_a_bug" in caught.value.trace and token not in caught.value.trace


def test_one_cause_of_every_endpoint_is_said_once(refused_url):
    reader = deployment(refused_url)
    with pytest.raises(CoderError) as caught:
        gather_facts(reader, list(SUBSETS), processing_timeout=0)
    reader.client.close()
    assert str(caught.value) == ("%s: all 8 endpoints (/api/v2/, /api/v2/buildinfo, /api/v2/deployment/config, "
                                 "/api/v2/deployment/ssh, /api/v2/deployment/stats, /api/v2/experiments, "
                                 "/api/v2/updatecheck, /api/v2/users/me/keys/tokens/tokenconfig) failed: "
                                 "cannot connect: connection refused" % refused_url)
    error = caught.value.to_dict()
    assert error["message"] == "cannot connect: connection refused" and error["endpoint"] is None
    assert error["endpoints"] == ["/api/v2/", "/api/v2/buildinfo", "/api/v2/deployment/config", "/api/v2/deployment/ssh",
                                  "/api/v2/deployment/stats", "/api/v2/experiments", "/api/v2/updatecheck",
                                  "/api/v2/users/me/keys/tokens/tokenconfig"]


def test_a_members_token_refused_config_and_stats_is_pointed_at_gather_subset(coder_sim):
    settings = resolve_connection(dict(url=coder_sim.url, token=DEFAULT_TOKENS["member"], timeout=2, retries=0),
                                  environ={"CODER_CONFIG_DIR": "/nonexistent"})
    reader = Deployment(CoderClient(settings))
    with pytest.raises(CoderError) as caught:
        gather_facts(reader, ["build", "config", "stats"], processing_timeout=0)
    reader.client.close()
    message = str(caught.value)
    assert message.startswith("%s: 2 endpoints (/api/v2/deployment/config, /api/v2/deployment/stats) failed: HTTP 403: "
                              "Forbidden." % coder_sim.url)
    assert message.endswith("only an owner's or an auditor's token may read the deployment config and stats: use one, "
                            "or leave them out with gather_subset: ['all', '!config', '!stats'] (the inventory's "
                            "option is gather)")
    assert caught.value.to_dict()["status"] == 403 and caught.value.to_dict()["message"] == "Forbidden."


def test_a_401_without_a_token_says_which_token_was_withheld(coder_sim, tmp_path):
    environ = {"CODER_URL": "https://coder.example.com", "CODER_SESSION_TOKEN": DEFAULT_TOKENS["owner"],
               "CODER_CONFIG_DIR": str(tmp_path)}
    reader = Deployment(CoderClient(resolve_connection(dict(url=coder_sim.url, retries=0), environ=environ)))
    with pytest.raises(CoderError) as caught:
        reader.token_config()
    reader.client.close()
    assert "HTTP 401: You are signed out" in str(caught.value)
    assert str(caught.value).endswith("; no token was sent: CODER_SESSION_TOKEN was withheld: it belongs to CODER_URL "
                                      "https://coder.example.com, not to this url")
