"""Each fault kind really happens on the wire (raw sockets where it matters).

Timing checks are lower bounds, or upper bounds many times the fault's own delay, so that they
hold on a loaded machine.
"""

import json
import socket
import time

import pytest
import requests

from coder_sim import DEFAULT_TOKENS, StateError
from coder_sim.examples import example

OWNER = DEFAULT_TOKENS["owner"]


def raw_exchange(sim, path):
    """Send one GET and read until close or reset: (bytes received, error or None)."""
    host, port = sim.url.split("//")[1].rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\nCoder-Session-Token: %s\r\nConnection: close\r\n\r\n"
                            % (path, host, OWNER)).encode())
        received = b""
        try:
            while True:
                chunk = connection.recv(65536)
                if not chunk:
                    return received, None
                received += chunk
        except OSError as error:
            return received, error


def split_response(raw):
    head, _separator, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v for k, _separator, v in (line.partition(": ") for line in lines[1:])}
    return lines[0], headers, body


def get(sim, path="/api/v2/buildinfo", **kwargs):
    return requests.get(sim.url + path, headers={"Coder-Session-Token": OWNER}, timeout=10, **kwargs)


def test_latency_delays_as_many_answers_as_its_count(coder_sim):
    coder_sim.set_faults([{"kind": "latency", "ms": 1500, "count": 1}])
    began = time.monotonic()
    assert get(coder_sim).status_code == 200
    assert time.monotonic() - began >= 1.5
    began = time.monotonic()
    get(coder_sim)
    assert time.monotonic() - began < 1.5  # count spent


def test_status_burst_then_success(coder_sim):
    coder_sim.set_faults([{"kind": "status", "status": 502, "count": 2, "path": "/api/v2/buildinfo"},
                          {"kind": "status", "status": 503, "body": {"message": "Down for upgrade"}, "count": 1}])
    answers = [get(coder_sim) for _attempt in range(3)]
    assert [a.status_code for a in answers] == [502, 502, 503]
    assert answers[2].json() == {"message": "Down for upgrade"}
    assert get(coder_sim).status_code == 200


def test_reset_sends_rst_before_any_byte(coder_sim):
    coder_sim.set_faults([{"kind": "reset"}])
    received, error = raw_exchange(coder_sim, "/api/v2/buildinfo")
    assert received == b""
    assert isinstance(error, ConnectionResetError)
    assert coder_sim.requests[-1]["status"] is None


def test_reset_mid_body(coder_sim):
    coder_sim.set_faults([{"kind": "reset_mid_body"}])
    received, error = raw_exchange(coder_sim, "/api/v2/buildinfo")
    status, headers, body = split_response(received)
    assert status == "HTTP/1.1 200 OK"
    assert 0 < len(body) < int(headers["content-length"])
    assert isinstance(error, ConnectionResetError)


def test_html_502(coder_sim):
    coder_sim.set_faults([{"kind": "html_502"}])
    response = get(coder_sim)
    assert (response.status_code, response.headers["Content-Type"]) == (502, "text/html")
    assert response.text.startswith("<html>")


def test_truncated_json_has_a_matching_content_length(coder_sim):
    coder_sim.set_faults([{"kind": "truncated_json"}])
    received, error = raw_exchange(coder_sim, "/api/v2/buildinfo")
    status, headers, body = split_response(received)
    assert (status, error) == ("HTTP/1.1 200 OK", None)
    assert int(headers["content-length"]) == len(body)
    assert body.startswith(b'{"external_url"')
    with pytest.raises(ValueError):
        json.loads(body)


def test_slow_body_trickles_past_a_read_timeout(coder_sim):
    coder_sim.set_faults([{"kind": "slow_body", "interval_ms": 60}])
    began = time.monotonic()
    response = requests.get(coder_sim.url + "/api/v2/", stream=True, timeout=(5, 0.8))
    body = response.raw.read(decode_content=False)
    # Every one of the 19 bytes came within the 0.8 s read timeout, yet the whole took 1.14 s.
    assert time.monotonic() - began >= 1.1
    assert body == '{"message":"\U0001F44B"}\n'.encode()


def test_redirect_to_another_host_records_leaked_tokens(coder_sim):
    coder_sim.set_faults([{"kind": "redirect_other_host", "count": 2}])
    plain = requests.get(coder_sim.url + "/api/v2/buildinfo?x=1", allow_redirects=False, timeout=10)
    assert plain.status_code == 302
    assert plain.headers["Location"].startswith("http://127.0.0.2:")
    assert plain.headers["Location"].endswith("/api/v2/buildinfo?x=1")
    # requests drops Authorization across hosts but re-sends custom headers: a leak.
    followed = requests.get(coder_sim.url + "/api/v2/buildinfo", timeout=10,
                            headers={"Coder-Session-Token": OWNER, "Authorization": "Bearer " + OWNER})
    assert followed.json() == {"message": "other host"}
    assert coder_sim.leaks == [OWNER]


def test_tls_redirect_target_is_trusted_too(coder_sim_factory):
    sim = coder_sim_factory(tls=True, state={"faults": [{"kind": "redirect_other_host"}]})
    followed = requests.get(sim.url + "/api/v2/", verify=sim.ca_path, timeout=10)
    assert followed.url.startswith("https://127.0.0.2:")
    assert followed.json() == {"message": "other host"}


def test_wrong_content_type(coder_sim):
    coder_sim.set_faults([{"kind": "wrong_content_type"}])
    response = get(coder_sim)
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.json()["version"] == "v2.34.3+4653f32"


def test_empty_body(coder_sim):
    coder_sim.set_faults([{"kind": "empty_body"}])
    received, _error = raw_exchange(coder_sim, "/api/v2/buildinfo")
    status, headers, body = split_response(received)
    assert (status, headers["content-length"], body) == ("HTTP/1.1 200 OK", "0", b"")


@pytest.mark.parametrize("chunked", [False, True])
def test_huge_body(coder_sim, chunked):
    coder_sim.set_faults([{"kind": "huge_body", "size_mb": 2, "chunked": chunked}])
    response = get(coder_sim)
    assert response.status_code == 200
    assert ("Content-Length" in response.headers) != chunked
    assert len(response.content) >= 2 * 1024 * 1024 - 64 * 1024
    assert response.json()["message"] == "padding"


def test_rate_limit(coder_sim):
    coder_sim.set_faults([{"kind": "rate_limit", "seconds": 7, "count": 1}])
    limited = get(coder_sim)
    assert (limited.status_code, limited.headers["Retry-After"]) == (429, "7")
    assert limited.json() == example("error-429.json")
    assert get(coder_sim).status_code == 200


def test_stats_processing(coder_sim):
    coder_sim.set_faults([{"kind": "stats_processing", "count": 2}])
    assert get(coder_sim, "/api/v2/buildinfo").status_code == 200  # other paths untouched, count kept
    answers = [get(coder_sim, "/api/v2/deployment/stats") for _attempt in range(3)]
    assert [a.status_code for a in answers] == [400, 400, 200]
    assert answers[0].json() == example("error-400-stats-processing.json")


def test_faults_match_paths_and_come_from_state_or_control_endpoint(coder_sim_factory):
    sim = coder_sim_factory(state={"faults": [{"kind": "status", "status": 500, "path": "/api/v2/buildinfo"}]})
    assert get(sim, "/api/v2/buildinfo").status_code == 500
    assert get(sim, "/api/v2/").status_code == 200
    assert requests.post(sim.url + "/__sim/faults", json=[{"kind": "html_502", "count": 1}], timeout=10).ok
    assert [get(sim, "/api/v2/").status_code for _attempt in range(2)] == [502, 200]
    refused = requests.post(sim.url + "/__sim/faults", json=[{"kind": "latency"}], timeout=10)
    assert (refused.status_code, refused.json()) == (400, {"message": "faults[0].ms: required for latency"})
    with pytest.raises(StateError, match=r"^faults\[0\]\.size_mb: wrong type str$"):
        sim.set_faults([{"kind": "huge_body", "size_mb": "big"}])
