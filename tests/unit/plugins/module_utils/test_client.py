# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The HTTP client (plugins/module_utils/_client.py) over real HTTP against the simulator's faults."""

import time
from importlib import resources

import pytest
import requests.certs
from urllib3.exceptions import ConnectTimeoutError

from coder_sim import DEFAULT_TOKENS

from ansible_collections.coder.coderd.plugins.module_utils._api import Deployment
from ansible_collections.coder.coderd.plugins.module_utils._client import (
    MAX_JSON_DEPTH, CoderClient, CoderError, check_api_path, encode_path_segment, keeps_credentials, nests_deeper,
)
from ansible_collections.coder.coderd.plugins.module_utils._connection import (
    ConnectionOptionError, resolve_connection,
)

TOKEN = DEFAULT_TOKENS["owner"]
SECRET_HEADER = "proxy-secret-0123456789"
# What a loaded machine (load 6 on 2 cores) may add to a request that should take no time. Each
# fault that a test times lasts far longer than its bound plus this (a 120 s silence, a 100 s
# body, Retry-After 60 s, a timeout of 30 s that must not be waited for), so missing the bound is
# a hang or a wait that should not be, never a slow machine.
LOAD_SLACK = 10.0
# A timeout that tests of instant failures must never reach: their bound is LOAD_SLACK.
LONG_TIMEOUT = 30


def client(url, warnings=None, **options):
    given = dict(url=url, token=TOKEN, timeout=2, retries=0)
    given.update(options)
    return CoderClient(resolve_connection(given, environ={"CODER_CONFIG_DIR": "/nonexistent"}),
                       warn=(warnings.append if warnings is not None else None))


def failure(url, path="/buildinfo", method="GET", **options):
    """The CoderError of one request, and how long it took."""
    started = time.monotonic()
    with pytest.raises(CoderError) as caught, client(url, **options) as coder:
        coder.request(method, path, json_body={"csp-report": {}} if method == "POST" else None)
    return caught.value, time.monotonic() - started


@pytest.mark.parametrize("fault, words", [
    ({"kind": "reset_mid_body"}, "HTTP 200 answer broke off: connection closed by the server"),
    ({"kind": "truncated_json"}, "HTTP 200 answer is not valid JSON (truncated?)"),
    ({"kind": "wrong_content_type"}, "HTTP 200 answered text/plain; charset=utf-8 instead of JSON"),
    ({"kind": "empty_body"}, "HTTP 200 with an empty body where JSON was expected"),
    ({"kind": "huge_body", "size_mb": 17}, "HTTP 200 answer is larger than 16 MiB"),
    ({"kind": "huge_body", "size_mb": 17, "chunked": True}, "HTTP 200 answer is larger than 16 MiB"),
    ({"kind": "html_502"}, "HTTP 502 (text/html): 502 Bad Gateway"),
    ({"kind": "status", "status": 500}, "HTTP 500: Internal Server Error"),
])
def test_a_broken_answer_is_one_line_naming_deployment_endpoint_and_cause(coder_sim, fault, words):
    coder_sim.set_faults([fault])
    error, seconds = failure(coder_sim.url, timeout=LONG_TIMEOUT)
    assert str(error) == "%s GET /api/v2/buildinfo: %s" % (coder_sim.url, str(error).split(": ", 1)[1])
    assert words in str(error)
    assert "\n" not in str(error) and "<" not in str(error).replace("<hidden>", "")
    assert seconds < LOAD_SLACK  # fails when the answer is broken, without waiting for the timeout


def test_a_trickling_body_ends_at_the_timeout(coder_sim):
    # A byte every 200 ms: the whole body takes 100 s, and no single read waits for the 1 s
    # timeout even when a loaded machine delays a byte.
    coder_sim.set_faults([{"kind": "slow_body", "interval_ms": 200}])
    error, seconds = failure(coder_sim.url, timeout=1)
    assert "HTTP 200 answer body still arriving after 1s (timeout)" in str(error)
    assert 1 <= seconds < 1 + LOAD_SLACK


def test_no_answer_is_a_timeout_retried_on_a_get(coder_sim):
    coder_sim.set_faults([{"kind": "latency", "ms": 120000}])
    warnings = []
    error, seconds = failure(coder_sim.url, timeout=0.5, retries=1, warnings=warnings)
    assert str(error).endswith("GET /api/v2/buildinfo: no answer within 0.5s (timeout); gave up after 1 retry")
    assert warnings == ["%s GET /api/v2/buildinfo: no answer within 0.5s (timeout), retrying" % coder_sim.url]
    # Each of the two tries waited its timeout, and neither waited for the answer.
    assert 1.0 <= seconds < 1.0 + LOAD_SLACK


def test_a_deadline_cuts_the_timeout_to_the_time_left(coder_sim):
    coder_sim.set_faults([{"kind": "latency", "ms": 30000}])
    started = time.monotonic()
    settings = resolve_connection(dict(url=coder_sim.url, timeout=20, retries=0), environ={"CODER_CONFIG_DIR": "/x"})
    with pytest.raises(CoderError) as caught, CoderClient(settings, deadline=started + 1) as coder:
        coder.get("/buildinfo")
    assert "GET /api/v2/buildinfo: no answer within " in str(caught.value)
    assert "within 20s" not in str(caught.value)
    assert time.monotonic() - started < 10


def test_a_post_is_not_repeated_after_no_answer(coder_sim):
    # Only the first request goes unanswered: a repeated POST would succeed.
    coder_sim.set_faults([{"kind": "latency", "ms": 120000, "count": 1}])
    warnings = []
    error, seconds = failure(coder_sim.url, "/csp/reports", "POST", timeout=0.5, retries=2, warnings=warnings)
    assert str(error).endswith("POST /api/v2/csp/reports: no answer within 0.5s (timeout)")
    assert warnings == []
    assert seconds < 0.5 + LOAD_SLACK


@pytest.mark.parametrize("retries, ending", [(0, "cannot connect: connection refused"),
                                             (1, "cannot connect: connection refused; gave up after 1 retry")])
def test_a_refused_connection(retries, ending, refused_url):
    url = refused_url
    warnings = []
    error, seconds = failure(url, retries=retries, warnings=warnings, timeout=LONG_TIMEOUT)
    assert str(error) == "%s GET /api/v2/buildinfo: %s" % (url, ending)
    assert warnings == ["%s GET /api/v2/buildinfo: cannot connect: connection refused, retrying" % url] * retries
    assert seconds < LOAD_SLACK  # no try waits for the timeout


def test_a_host_name_that_does_not_resolve():
    error, seconds = failure("https://coder.invalid")
    assert str(error) == "https://coder.invalid GET /api/v2/buildinfo: cannot connect: host name does not resolve"


def test_a_burst_of_503_is_retried_with_a_warning(coder_sim):
    coder_sim.set_faults([{"kind": "status", "status": 503, "count": 2}])
    warnings = []
    with client(coder_sim.url, warnings, retries=3) as coder:
        assert coder.get("/buildinfo")["version"] == "v2.34.3+4653f32"
    # One warning per cause: the second 503 is the same news.
    assert warnings == ["%s GET /api/v2/buildinfo: HTTP 503, retrying" % coder_sim.url]
    assert coder_sim.request_count("/api/v2/buildinfo") == 3


def test_persistent_503_fails_after_the_configured_retries(coder_sim):
    coder_sim.set_faults([{"kind": "status", "status": 503}])
    error, seconds = failure(coder_sim.url, retries=2)
    assert str(error).endswith("GET /api/v2/buildinfo: HTTP 503: Service Unavailable (gave up after 2 retries)")
    assert error.status == 503
    assert coder_sim.request_count("/api/v2/buildinfo") == 3
    assert seconds < LOAD_SLACK  # the back-off between the tries stays short (0 s, then 1 s)


def test_the_backoff_between_retries_is_capped_on_both_urllib3_lines(refused_url):
    # urllib3 2 takes the cap as an argument that urllib3 1.26 (RHEL 9) does not know, where
    # passing it made building any client a TypeError.
    with client(refused_url, retries=20) as coder:
        retry = coder._session.get_adapter(refused_url).max_retries
    while len(retry.history) < 12:
        retry = retry.increment("GET", "/api/v2/buildinfo", error=ConnectTimeoutError("no answer"))
    assert retry.get_backoff_time() == 10  # uncapped, the twelfth retry would sleep 0.5 s * 2**11


def test_a_post_is_not_repeated_after_a_5xx(coder_sim):
    coder_sim.set_faults([{"kind": "status", "status": 503}])
    error, seconds = failure(coder_sim.url, "/csp/reports", "POST", retries=3)
    assert str(error).endswith("POST /api/v2/csp/reports: HTTP 503: Service Unavailable")
    assert coder_sim.request_count("/api/v2/csp/reports") == 1


@pytest.mark.parametrize("method, path", [("GET", "/buildinfo"), ("POST", "/csp/reports")])
def test_a_short_retry_after_is_waited_for_whatever_the_method(coder_sim, method, path):
    coder_sim.set_faults([{"kind": "rate_limit", "seconds": 1, "count": 1}])
    warnings = []
    started = time.monotonic()
    body = {"csp-report": {"document-uri": "https://coder.example.com/"}} if method == "POST" else None
    with client(coder_sim.url, warnings, retries=1) as coder:
        coder.request(method, path, json_body=body)
    assert 1 <= time.monotonic() - started < 1 + LOAD_SLACK  # waited as asked, and no longer than that
    assert warnings == ["%s %s /api/v2%s: HTTP 429, retrying" % (coder_sim.url, method, path)]


def test_a_retry_after_longer_than_the_timeout_fails_at_once(coder_sim):
    # urllib3 >= 2.5 has its own retry_after_max (6 hours): it once replaced this bound silently.
    coder_sim.set_faults([{"kind": "rate_limit", "seconds": 60}])
    error, seconds = failure(coder_sim.url, retries=3, timeout=LONG_TIMEOUT)
    assert "HTTP 429: You've been rate limited" in str(error)
    assert str(error).endswith("(rate limited; Retry-After 60s; longer than the 30s timeout, so not waited for)")
    assert coder_sim.request_count("/api/v2/buildinfo") == 1
    assert seconds < LOAD_SLACK  # neither the Retry-After nor the timeout was waited for


@pytest.mark.parametrize("retry_after, note", [
    (None, "(rate limited; no Retry-After; gave up after 1 retry)"),
    ("Wed, 21 Oct 2099 07:28:00 GMT", "(rate limited; Retry-After until Wed, 21 Oct 2099 07:28:00 GMT; longer than "
                                      "the 2s timeout, so not waited for)"),
    ("soon", "(rate limited; Retry-After 'soon' is neither seconds nor a date; gave up after 1 retry)"),
])
def test_a_rate_limit_says_what_retry_after_said(canned_server, retry_after, note):
    headers = [("Content-Type", "application/json")] + ([("Retry-After", retry_after)] if retry_after else [])
    limited = canned_server(429, headers, b'{"message": "slow down"}')
    error, seconds = failure(limited.url, retries=1)
    assert str(error) == "%s GET /api/v2/buildinfo: HTTP 429: slow down %s" % (limited.url, note)


def test_a_redirect_to_another_host_is_refused_before_the_token_goes_there(coder_sim):
    coder_sim.set_faults([{"kind": "redirect_other_host"}])
    error, seconds = failure(coder_sim.url, headers={"X-Proxy-Auth": SECRET_HEADER})
    assert "HTTP 302 redirect to another host (http://127.0.0.2:" in str(error)
    assert "refusing to send the token and headers there" in str(error)
    assert coder_sim.leaks == []


def test_an_upgrade_to_https_on_another_port_gets_no_credential(canned_server):
    """A 301 from http://host:P1 to https://host:P2 leaves the origin: the trap on P2 hears nothing."""
    trap = canned_server(200, [("Content-Type", "application/json")], b'{"version": "v2.34.3"}', tls=True)
    redirector = canned_server(301, [("Location", trap.url + "/api/v2/buildinfo")])
    error, seconds = failure(redirector.url, ca_path=trap.ca_path, headers={"X-Proxy-Auth": SECRET_HEADER})
    assert str(error) == ("%s GET /api/v2/buildinfo: HTTP 301 redirect to another port or scheme (%s); refusing to "
                          "send the token and headers there (set url to it if it is your deployment)"
                          % (redirector.url, trap.url))
    assert trap.received == []
    assert [request.get("Coder-Session-Token") for request in redirector.received] == [TOKEN]


@pytest.mark.parametrize("old, new, keeps", [
    ("http://coder.example.com", "https://coder.example.com/x", True),
    ("http://coder.example.com:80", "https://coder.example.com:443/x", True),
    ("http://coder.example.com", "https://coder.example.com:8443/x", False),
    ("http://coder.example.com:8080", "https://coder.example.com:8443/x", False),
    ("http://coder.example.com:8080", "https://coder.example.com:8080/x", False),
    ("http://coder.example.com:8080", "http://coder.example.com:8080/x", True),
    ("https://coder.example.com", "https://coder.example.com:443/x", True),
    ("https://coder.example.com", "http://coder.example.com/x", False),
    ("https://coder.example.com", "https://coder.example.com:8443/x", False),
    ("https://coder.example.com", "https://other.example.com/x", False),
])
def test_credentials_stay_within_their_origin(old, new, keeps):
    assert keeps_credentials(old, new) is keeps


def test_credentials_echoed_by_the_server_are_hidden(coder_sim):
    echo = {"message": "token %s is not allowed" % TOKEN, "detail": "header %s is wrong" % SECRET_HEADER,
            "validations": [{"field": "token", "detail": TOKEN}, "not a validation"]}
    coder_sim.set_faults([{"kind": "status", "status": 401, "body": echo}])
    error, seconds = failure(coder_sim.url, headers={"X-Proxy-Auth": SECRET_HEADER})
    assert str(error).endswith("HTTP 401: token <hidden> is not allowed header <hidden> is wrong [token: <hidden>]")
    assert (error.message, error.detail) == ("token <hidden> is not allowed", "header <hidden> is wrong")
    assert error.validations == [{"field": "token", "detail": "<hidden>"}]
    assert TOKEN not in repr(error.to_dict()) and SECRET_HEADER not in repr(error.to_dict())


def test_what_the_server_says_is_cut_to_a_bounded_line(coder_sim):
    mebibyte = 1024 * 1024
    body = {"message": "m" * mebibyte, "detail": "d" * mebibyte,
            "validations": [{"field": "f%d" % number, "detail": "v" * mebibyte} for number in range(12)]}
    coder_sim.set_faults([{"kind": "status", "status": 400, "body": body}])
    error, seconds = failure(coder_sim.url)
    cut = "... (%d more characters)" % (mebibyte - 300)
    assert str(error).startswith("%s GET /api/v2/buildinfo: HTTP 400: %s%s %s%s [f0: %s%s]"
                                 % (coder_sim.url, "m" * 300, cut, "d" * 300, cut, "v" * 300, cut))
    assert str(error).endswith("[f4: %s%s] and 7 more validations" % ("v" * 300, cut))
    assert len(str(error)) < 5000
    assert (error.message, error.detail) == ("m" * 300 + cut, "d" * 300 + cut)
    assert len(error.validations) == 5


def test_a_credential_at_the_cut_is_hidden_whole(coder_sim):
    coder_sim.set_faults([{"kind": "status", "status": 401, "body": {"message": "x" * 290 + TOKEN}}])
    error, seconds = failure(coder_sim.url)
    assert str(error).endswith("HTTP 401: %s<hidden>" % ("x" * 290))
    assert TOKEN[:10] not in str(error)


@pytest.mark.parametrize("body", [b"<script>" * 40000, b"<" * 300000, b"<style " * 40000])
def test_an_excerpt_of_a_page_of_unclosed_tags_takes_linear_time(canned_server, body):
    page = canned_server(502, [("Content-Type", "text/html")], body)
    error, seconds = failure(page.url)
    assert str(error).startswith("%s GET /api/v2/buildinfo: HTTP 502 (text/html): " % page.url)
    assert seconds < 10  # in quadratic time, each took minutes


@pytest.mark.parametrize("status", [200, 500])
def test_an_answer_nested_too_deep_is_refused_before_decoding(canned_server, status):
    deep = canned_server(status, [("Content-Type", "application/json")], b'{"a":' * 100000 + b"1" + b"}" * 100000)
    error, seconds = failure(deep.url)
    assert str(error) == ("%s GET /api/v2/buildinfo: HTTP %d answer nests deeper than 64 levels, which no Coder answer "
                          "does; refusing to decode it" % (deep.url, status))


@pytest.mark.parametrize("text, limit, deeper", [
    ("[" * 65 + "]" * 65, 64, True),
    ("[" * 64 + "]" * 64, 64, False),
    ("[" * 100000, 64, True),                                  # cut off: the open levels still count
    ("[[1], [2], [3]]" * 40, 2, False),                        # wide is not deep
    ('{"a": "' + "[" * 100 + '"}', 2, False),                  # brackets in strings do not count
    ('[["\\"], ["\"[[[[", "\\\"{{{{"]]', 2, False),        # nor do escaped quotes end a string
    ('[{"a": [{"b": [{"c": []}]}]}]', 6, True),
    ('[{"a": [{"b": [{"c": []}]}]}]', 7, False),
])
def test_nesting_depth_is_counted_outside_strings(text, limit, deeper):
    assert nests_deeper(text.encode(), limit) is deeper


def test_real_coder_answers_nest_far_less_than_the_limit():
    answers = [entry for entry in resources.files("coder_sim").joinpath("data").joinpath("examples").iterdir()
               if entry.name.endswith(".json")]
    assert answers
    for entry in answers:
        assert not nests_deeper(entry.read_bytes(), MAX_JSON_DEPTH // 8), entry.name


@pytest.mark.parametrize("body, cause", [
    ("not an object", "unexpected /deployment/config response: expected a JSON object, got a string"),
    ({"config": {}, "options": [{"name": "Access URL", "env": 1.5, "annotations": []}]},
     'unexpected /deployment/config response: "options" item 1 "env" is a number, expected a string'),
])
def test_an_answer_of_another_shape_names_its_endpoint(coder_sim, body, cause):
    coder_sim.set_faults([{"kind": "status", "status": 200, "body": body}])
    with pytest.raises(CoderError) as caught, client(coder_sim.url) as coder:
        Deployment(coder).config_model()
    assert str(caught.value).startswith("%s GET /api/v2/deployment/config: %s" % (coder_sim.url, cause))


@pytest.mark.parametrize("path", ["//evil.example/x", "http://x/", "/../x", "%2e%2e/x", "/%2E%2E/x", "/a/./b",
                                  "\\\\evil\\x", "/api/v2/../x", "/x\r\nHost: evil"])
def test_paths_that_would_leave_the_api_are_refused(path):
    with pytest.raises(ValueError, match="is not allowed"):
        check_api_path(path)


@pytest.mark.parametrize("user, segment", [("../admin", "%2E%2E%2Fadmin"), ("a/b", "a%2Fb"),
                                           ("%2e%2e", "%252e%252e"), ("?x=1", "%3Fx%3D1")])
def test_a_path_segment_is_encoded_whole(user, segment):
    assert encode_path_segment(user) == segment


@pytest.fixture
def tls_sim(coder_sim_factory, monkeypatch):
    # A bundle that does not trust the simulator. requests lets these variables override a
    # Session's verify setting, so ca_path and validate_certs only work when given per request.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", requests.certs.where())
    monkeypatch.setenv("CURL_CA_BUNDLE", requests.certs.where())
    return coder_sim_factory(tls=True)


def test_tls_is_verified_by_default(tls_sim):
    error, seconds = failure(tls_sim.url)
    assert "GET /api/v2/buildinfo: TLS certificate verification failed (" in str(error)
    assert str(error).endswith("set ca_path to the CA that signed the certificate, or validate_certs: false")


def test_tls_works_with_ca_path_and_without_verification(tls_sim):
    with client(tls_sim.url, ca_path=tls_sim.ca_path) as coder:
        assert coder.get("/buildinfo")["version"] == "v2.34.3+4653f32"
    warnings = []
    with client(tls_sim.url, warnings, validate_certs=False) as coder:
        assert coder.get("/buildinfo")["version"] == "v2.34.3+4653f32"
    assert warnings == ["TLS certificate verification is disabled for %s (validate_certs=false)" % tls_sim.url]


def test_tls_files_that_cannot_be_used(tls_sim, tmp_path):
    with pytest.raises(ConnectionOptionError) as missing:
        client(tls_sim.url, ca_path="/nonexistent/ca.pem")
    assert str(missing.value) == "ca_path: cannot read /nonexistent/ca.pem (No such file or directory)"
    broken = tmp_path / "client.pem"
    broken.write_text("-----BEGIN CERTIFICATE-----\nMIIBroken\n-----END CERTIFICATE-----\n")
    error, seconds = failure(tls_sim.url, ca_path=tls_sim.ca_path, client_cert=str(broken), client_key=str(broken))
    assert "cannot use client_cert / client_key" in str(error)
    assert "MIIBroken" not in str(error)


def test_https_to_a_plain_http_server(coder_sim):
    error, seconds = failure(coder_sim.url.replace("http://", "https://"))
    assert "TLS handshake failed" in str(error) and "does the server speak plain HTTP" in str(error)


@pytest.mark.parametrize("options, words", [
    (dict(token="abc\ndef"), "token contains spaces, line breaks or non-ASCII characters"),
    (dict(token="t\u00f6ken-\u2603"), "token contains spaces, line breaks or non-ASCII characters"),
    (dict(headers={"X-Proxy": "secret\r\nInjected: 1"}), "headers: the value of X-Proxy has line breaks"),
    (dict(headers={"X-Proxy": "\u2603"}), "headers: the value of X-Proxy has line breaks"),
    (dict(headers={"X Proxy": "v"}), "headers: 'X Proxy' is not a valid HTTP header name"),
    (dict(timeout=1e12), "timeout must be more than 0 and at most 86400 seconds"),
    (dict(timeout=float("inf")), "timeout must be more than 0 and at most 86400 seconds"),
])
def test_settings_http_cannot_carry_are_refused_without_echoing_them(options, words):
    given = dict(url="http://127.0.0.1:1", token=TOKEN)
    given.update(options)
    with pytest.raises(ConnectionOptionError) as caught:
        resolve_connection(given, environ={"CODER_CONFIG_DIR": "/nonexistent"})
    assert words in str(caught.value)
    assert "secret" not in str(caught.value) and "abc" not in str(caught.value)
