# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE to the coder.coderd collection: may change in any release without notice.
"""The one HTTP client of the collection: every module, lookup, filter and inventory uses it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import inspect
import json
import re
import socket
import threading
import time
import warnings
from array import array
from email.utils import mktime_tz, parsedate_tz
from itertools import accumulate
from urllib.parse import quote, urljoin, urlsplit

try:
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.exceptions import (
        ConnectTimeoutError, InsecureRequestWarning, InvalidHeader, MaxRetryError, NewConnectionError, ProtocolError,
        ReadTimeoutError, ResponseError,
    )
    from urllib3.util.retry import Retry
    REQUESTS_IMPORT_ERROR = None
except ImportError as exc:  # guarded: modules report it with missing_required_lib()
    REQUESTS_IMPORT_ERROR = exc
    Retry = object

from ansible_collections.coder.coderd.plugins.module_utils._connection import display_url
from ansible_collections.coder.coderd.plugins.module_utils._errors import InputError, ServerError

API_PREFIX = '/api/v2'
MAX_BODY_BYTES = 16 * 1024 * 1024
_READ_BYTES = 65536
# Coder's deepest answer (the health report) nests 8 levels. Refusing anything deeper than this
# before decoding keeps every recursive walk of the answer (the JSON decoder, the value model,
# Ansible's templating and result handling) far from Python's recursion limit.
MAX_JSON_DEPTH = 64
MAX_REDIRECTS = 5
# A request needs some time to succeed at all: a deadline never leaves it less than this.
MIN_REQUEST_TIMEOUT = 0.2
RETRY_STATUSES = (429, 502, 503, 504)
_EXCERPT_CHARS = 160
# What a server says goes into one line: each of its texts (message, detail, a validation) is cut
# to SERVER_TEXT_CHARS, and at most MAX_VALIDATIONS validations are listed.
SERVER_TEXT_CHARS = 300
MAX_VALIDATIONS = 5
USER_AGENT = 'coder.coderd-ansible'


class CoderError(ServerError):
    """Any failure talking to a deployment; ``str()`` is one line naming deployment and endpoint."""

    def __init__(self, cause, deployment=None, method='GET', path=None, status=None,
                 message=None, detail=None, validations=None, endpoints=None):
        self.cause = cause
        self.deployment = deployment
        self.method = method
        self.path = path
        self.status = status
        self.message = message
        self.detail = detail
        self.validations = validations or []
        # Every endpoint that failed this way: a combined error has several and no single path.
        self.endpoints = endpoints if endpoints is not None else [API_PREFIX + path] if path else []
        super(CoderError, self).__init__(self.__str__())

    def __str__(self):
        where = ' '.join(part for part in (display_url(self.deployment) if self.deployment else None,
                                           self.method if self.path else None,
                                           (API_PREFIX + self.path) if self.path else None) if part)
        line = '%s: %s' % (where, self.cause) if where else self.cause
        return re.sub(r'\s+', ' ', line).strip()

    def hinted(self, hint):
        """This error with ``hint`` (what the user can do about it) after its cause."""
        return self.with_cause('%s; %s' % (self.cause, hint))

    def with_cause(self, cause):
        """This error said otherwise: what an endpoint's refusal means is known better than its words."""
        return CoderError(cause, deployment=self.deployment, method=self.method, path=self.path,
                          status=self.status, message=self.message, detail=self.detail,
                          validations=self.validations, endpoints=self.endpoints)

    def to_dict(self):
        return dict(status=self.status, message=self.message, detail=self.detail,
                    validations=self.validations, endpoint=(API_PREFIX + self.path) if self.path else None,
                    endpoints=self.endpoints, deployment=display_url(self.deployment) if self.deployment else None)


def encode_path_segment(value):
    """Percent-encode one path segment so that no value (``..``, ``a/b``, ``?x``) changes the route."""
    return quote(str(value), safe='').replace('.', '%2E')


def check_api_path(path):
    """Paths are relative to ``/api/v2``; anything that could switch host, scheme or escape is refused."""
    text = str(path)
    if not text.startswith('/'):
        text = '/' + text
    if text.startswith(API_PREFIX + '/') or text == API_PREFIX:
        text = text[len(API_PREFIX):] or '/'
    lowered = text.lower()
    if (text.startswith('//') or '\\' in text or '://' in text or re.search(r'[\x00-\x20\x7f]', text)
            or any(seg in ('..', '.', '%2e%2e', '%2e', '.%2e', '%2e.')
                   for seg in lowered.split('?', 1)[0].split('/'))):
        raise InputError('API path %r is not allowed: it must be a plain path under /api/v2' % (str(path),))
    return text


class _BoundedRetry(Retry):
    """urllib3 Retry that reports each retry and refuses Retry-After waits beyond a bound.

    The bound is ``wait_limit``, not urllib3's own ``retry_after_max`` (a 6-hour cap since urllib3
    2.5): sharing that name let urllib3's default silently replace ours.
    """

    # The longest backoff sleep. urllib3 1.26 reads it from the class (BACKOFF_MAX before 1.26.9);
    # urllib3 2 takes it as the backoff_max argument (see _build_session).
    DEFAULT_BACKOFF_MAX = BACKOFF_MAX = 10

    def __init__(self, *args, **kwargs):
        self.on_retry = kwargs.pop('on_retry', None)
        self.wait_limit = kwargs.pop('wait_limit', None)
        super(_BoundedRetry, self).__init__(*args, **kwargs)

    def new(self, **kwargs):
        kwargs.setdefault('on_retry', self.on_retry)
        kwargs.setdefault('wait_limit', self.wait_limit)
        return super(_BoundedRetry, self).new(**kwargs)

    def get_retry_after(self, response):
        # urllib3 raises on a Retry-After that is neither seconds nor a date, which would replace the
        # server's answer with that complaint: back off as if there were none; the message names it.
        try:
            return super(_BoundedRetry, self).get_retry_after(response)
        except InvalidHeader:
            return None

    def is_retry(self, method, status_code, has_retry_after=False):
        if status_code == 429:
            # The server turned the request away before doing anything: repeating it is safe for
            # any method, a POST included (read errors on a POST are still never retried).
            method = 'GET'
        return super(_BoundedRetry, self).is_retry(method, status_code, has_retry_after)

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
        if response is not None and self.wait_limit is not None:
            wait = self.get_retry_after(response)
            if wait is not None and wait > self.wait_limit:
                # Returning the 429 at once beats sleeping past the caller's timeout.
                raise MaxRetryError(_pool, url, ResponseError('Retry-After %ss exceeds the wait bound' % wait))
        new_retry = super(_BoundedRetry, self).increment(method, url, response, error, _pool, _stacktrace)
        if self.on_retry is not None:
            self.on_retry(method, url, 'HTTP %s' % response.status if response is not None else error)
        return new_retry


class CoderClient:
    """A keep-alive session bound to one deployment and its resolved connection settings.

    With a ``deadline`` (``time.monotonic()``), each request also ends by then: its timeout is cut
    to the time left, but never below MIN_REQUEST_TIMEOUT.
    """

    def __init__(self, settings, warn=None, deadline=None):
        if REQUESTS_IMPORT_ERROR is not None:
            raise CoderError('the Python library "requests" is required: %s' % REQUESTS_IMPORT_ERROR)
        self.settings = settings
        self.base_url = settings.url
        self.deadline = deadline
        self._warn = warn or (lambda message: None)
        self.warn = self._warn
        self._secrets = Secrets(settings)
        self._retried = set()
        self._retried_lock = threading.Lock()
        self._session = self._build_session()
        if not settings.validate_certs:
            self._warn('TLS certificate verification is disabled for %s (validate_certs=false)'
                       % display_url(self.base_url))

    def _build_session(self):
        settings = self.settings
        session = requests.Session()
        session.trust_env = settings.use_proxy
        if not settings.use_proxy:
            session.proxies = {}
        if settings.client_cert:
            session.cert = (settings.client_cert, settings.client_key) if settings.client_key else settings.client_cert
        # The credentials (token and headers) go with each request, never on the session: only
        # request() decides where they may be sent.
        session.headers.update({'Accept': 'application/json', 'User-Agent': USER_AGENT})
        # urllib3 1.26 has no backoff_max argument (a TypeError there): it caps by the class attribute.
        cap = {'backoff_max': _BoundedRetry.DEFAULT_BACKOFF_MAX} \
            if 'backoff_max' in inspect.signature(Retry.__init__).parameters else {}
        retry = _BoundedRetry(
            total=settings.retries, connect=settings.retries, read=settings.retries, status=settings.retries,
            other=0, status_forcelist=RETRY_STATUSES, allowed_methods=frozenset(['GET', 'HEAD']),
            backoff_factor=0.5, respect_retry_after_header=True, raise_on_status=False,
            raise_on_redirect=False, redirect=False, on_retry=self._report_retry,
            wait_limit=settings.timeout, **cap)
        adapter = HTTPAdapter(max_retries=retry, pool_connections=4, pool_maxsize=16)
        session.mount('http://', adapter)
        session.mount('https://', adapter)
        return session

    def _request_timeout(self, timeout=None):
        timeout = timeout or self.settings.timeout
        if self.deadline is None:
            return timeout
        return max(MIN_REQUEST_TIMEOUT, min(timeout, self.deadline - time.monotonic()))

    def _report_retry(self, method, url, problem):
        cause = problem if isinstance(problem, str) else _cause(problem, self.settings.timeout)
        # Once per cause: a deployment that is down fails every endpoint and every try alike,
        # and the first warning already names an endpoint.
        with self._retried_lock:
            if cause in self._retried:
                return
            self._retried.add(cause)
        path = urlsplit(url or '').path
        self._warn(self._secrets.hide('%s %s %s: %s, retrying' % (display_url(self.base_url), method, path, cause)))

    def warn(self, message):
        """Show ``message`` as a warning of the task that uses this client."""
        self._warn(self._secrets.hide(message))

    def hide(self, text):
        """``text`` without this client's credentials."""
        return self._secrets.hide(text)

    def warn(self, message):
        """Show ``message`` as a warning of the task, without this client's credentials."""
        self._warn(self._secrets.hide(message))

    def close(self):
        self._session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def get(self, path, params=None, timeout=None):
        return self.request('GET', path, params=params, timeout=timeout)

    def post(self, path, body):
        return self.request('POST', path, json_body=body)

    def request(self, method, path, params=None, json_body=None, timeout=None):
        """Send one request to ``/api/v2<path>`` and return the decoded JSON answer.

        ``timeout`` replaces the connection's for this request: an endpoint that works before it
        answers (the health checks) needs longer than the others.
        """
        path = check_api_path(path)
        url = self.base_url + API_PREFIX + path
        fail = _Failure(self.base_url, method, path, self._secrets)
        headers = dict(self.settings.headers)
        if self.settings.token:
            headers['Coder-Session-Token'] = self.settings.token
        data = None
        if json_body is not None:
            data = json.dumps(json_body).encode('utf-8')
            headers['Content-Type'] = 'application/json'
        response = None
        for _hop in range(MAX_REDIRECTS + 1):
            response = self._send(fail, method, url, params, data, headers, timeout)
            if response.status_code not in (301, 302, 303, 307, 308):
                break
            url = self._follow(fail, url, response)
            params = None
            response.close()
        else:
            raise fail('more than %d redirects' % MAX_REDIRECTS)
        try:
            body = _read_body(fail, response, self._request_timeout(timeout))
        finally:
            response.close()
        try:
            return _decode(fail, response, body, self.settings.timeout)
        except CoderError as exc:
            if exc.status == 401 and not self.settings.token:
                raise exc.hinted('no token was sent: %s' % (self.settings.token_withheld or 'none is set for this url'))
            raise

    def _send(self, fail, method, url, params, data, headers, timeout=None):
        settings = self.settings
        timeout = self._request_timeout(timeout)
        try:
            with warnings.catch_warnings():
                if not settings.validate_certs:
                    warnings.simplefilter('ignore', InsecureRequestWarning)
                # verify goes with each request: a Session.verify loses to REQUESTS_CA_BUNDLE and
                # CURL_CA_BUNDLE, which would silently drop ca_path and validate_certs: false.
                return self._session.request(method, url, params=params, data=data, headers=headers,
                                             verify=settings.ca_path or settings.validate_certs,
                                             timeout=timeout, allow_redirects=False, stream=True)
        except requests.exceptions.SSLError as exc:
            raise fail(_tls_problem(exc, settings, timeout))
        except requests.exceptions.ConnectionError as exc:
            # urllib3 raises MaxRetryError (so requests a ConnectionError) once the retries are spent.
            spent = '; gave up after %s' % _retries_text(settings.retries) \
                if settings.retries and isinstance(exc.args[0] if exc.args else None, MaxRetryError) else ''
            raise fail(_cause(exc, timeout) + spent)
        except requests.exceptions.RequestException as exc:
            raise fail(_cause(exc, timeout))
        except OSError as exc:
            # requests checks that ca_path, client_cert and client_key exist before connecting.
            raise fail('cannot use the TLS files: %s' % exc)

    def _follow(self, fail, url, response):
        target = urljoin(url, response.headers.get('Location', ''))
        if not keeps_credentials(url, target):
            # Refused rather than followed without credentials: an answer without them would only
            # fail later with a 401 that hides where the request really went.
            old, new = urlsplit(url), urlsplit(target)
            raise fail('HTTP %s redirect to %s (%s); refusing to send the token and headers there '
                       '(set url to it if it is your deployment)'
                       % (response.status_code,
                          'another host' if old.hostname != new.hostname else 'another port or scheme',
                          display_url('%s://%s' % (new.scheme, new.netloc))))
        return target


def keeps_credentials(old_url, new_url):
    """Whether a redirect from ``old_url`` to ``new_url`` stays where the credentials belong.

    That is the same origin (scheme, host and port), or the upgrade of plain HTTP on the default
    port to HTTPS on the default port of the same host: another port may be another service of
    that host, which must get neither the token nor the headers.
    """
    old, new = urlsplit(old_url), urlsplit(new_url)
    try:
        old_origin = (old.scheme, old.hostname, old.port or _DEFAULT_PORTS.get(old.scheme))
        new_origin = (new.scheme, new.hostname, new.port or _DEFAULT_PORTS.get(new.scheme))
    except ValueError:  # a port that is no number
        return False
    upgrade = old_origin == ('http', old.hostname, 80) and new_origin == ('https', old.hostname, 443)
    return new_origin == old_origin or upgrade


_DEFAULT_PORTS = {'http': 80, 'https': 443}


class Secrets:
    """The credentials of one client, hidden from every message it makes (servers and proxies echo them)."""

    # A shorter header value is no credential, and hiding it would garble messages ("1" in "HTTP 401").
    _MIN_HEADER_VALUE = 8

    def __init__(self, settings):
        values = [settings.token] + [value for value in (settings.headers or {}).values()
                                     if len(value) >= self._MIN_HEADER_VALUE]
        # Longest first, so that a secret containing another is hidden whole.
        self._values = sorted(set(value for value in values if value), key=len, reverse=True)

    def hide(self, text):
        for value in self._values:
            text = text.replace(value, '<hidden>')
        return text


class _Failure:
    """Builds CoderErrors that all name the same deployment and endpoint, and never a credential."""

    def __init__(self, deployment, method, path, secrets):
        self.deployment, self.method, self.path, self.secrets = deployment, method, path, secrets

    def __call__(self, cause, **details):
        return CoderError(self.secrets.hide(cause), deployment=self.deployment, method=self.method, path=self.path,
                          **details)

    def server_text(self, value, limit=SERVER_TEXT_CHARS):
        """Text the server sent, fit for a message: credentials hidden first (a cut must not leave
        half a token behind), then cut to ``limit`` characters."""
        return None if value is None else clip(self.secrets.hide(str(value)), limit)


def clip(text, limit=SERVER_TEXT_CHARS):
    """``text`` cut to ``limit`` characters, saying how many more there were."""
    if len(text) <= limit:
        return text
    return '%s... (%d more characters)' % (text[:limit], len(text) - limit)


def _retries_text(count):
    return '%d %s' % (count, 'retry' if count == 1 else 'retries')


def _innermost(exc):
    """The urllib3 or socket error under the wrappers of requests and urllib3 (MaxRetryError, ProtocolError)."""
    # Bounded: the chains are a few levels deep, and a reason pointing back must not loop forever.
    for _depth in range(8):
        inner = getattr(exc, 'reason', None)
        if not isinstance(inner, BaseException):
            inner = next((arg for arg in getattr(exc, 'args', ()) if isinstance(arg, BaseException)), None)
        if inner is None:
            break
        exc = inner
    return exc


def _cause(exc, timeout):
    """What went wrong on the wire in a few words, without object reprs or pool names."""
    inner = _innermost(exc)
    if isinstance(inner, (ReadTimeoutError, socket.timeout)):
        return 'no answer within %gs (timeout)' % timeout
    if isinstance(inner, ConnectTimeoutError) and not isinstance(inner, NewConnectionError):
        return 'no connection within %gs (timeout)' % timeout
    text = str(inner)
    text = re.sub(r'<[^>]*object at 0x[0-9a-f]+>:?\s*', '', text)
    text = re.sub(r"HTTP(S)?ConnectionPool\(host='[^']*', port=\d+\):\s*", '', text)
    if any(marker in text for marker in ('Name or service not known', 'Temporary failure in name resolution',
                                         'nodename nor servname', 'No address associated', 'Failed to resolve')):
        return 'cannot connect: host name does not resolve'
    if 'Connection refused' in text:
        return 'cannot connect: connection refused'
    if isinstance(inner, NewConnectionError):
        return 'cannot connect: %s' % re.sub(r'^Failed to establish a new connection:\s*', '', text)
    if isinstance(inner, (ConnectionError, ProtocolError)) or 'Connection aborted' in text \
            or 'RemoteDisconnected' in text or 'IncompleteRead' in text:
        return 'connection closed by the server'
    return text or type(inner).__name__


def _tls_problem(exc, settings, timeout):
    text = _cause(exc, timeout)
    if 'CERTIFICATE_VERIFY_FAILED' in text or "doesn't match" in text:
        return ('TLS certificate verification failed (%s); set ca_path to the CA that signed the certificate, '
                'or validate_certs: false' % text)
    if settings.client_cert and ('PEM' in text or 'KEY_VALUES_MISMATCH' in text):
        return ('cannot use client_cert / client_key (%s): each must be a PEM file, the key matching the certificate'
                % text)
    if 'WRONG_VERSION_NUMBER' in text or 'record layer failure' in text:
        return 'TLS handshake failed (%s); does the server speak plain HTTP at this port?' % text
    return 'TLS handshake failed (%s)' % text


def _read_body(fail, response, timeout):
    """Read at most MAX_BODY_BYTES within ``timeout``: a trickling or endless body cannot hang us."""
    deadline = time.monotonic() + timeout
    raw = response.raw
    # read1() returns whatever has arrived, so the deadline is checked while a body trickles in.
    read1 = getattr(raw, 'read1', None)
    read_some = (lambda: read1(_READ_BYTES, decode_content=True)) if read1 else (lambda: _read_arrived(raw))
    chunks, size = [], 0
    try:
        while True:
            chunk = read_some()
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise fail('HTTP %s answer is larger than %d MiB; refusing to read it all'
                           % (response.status_code, MAX_BODY_BYTES // (1024 * 1024)), status=response.status_code)
            if time.monotonic() > deadline:
                raise fail('HTTP %s answer body still arriving after %gs (timeout); gave up'
                           % (response.status_code, timeout), status=response.status_code)
    except (requests.exceptions.RequestException, ProtocolError, ReadTimeoutError, OSError) as exc:
        raise fail('HTTP %s answer broke off: %s' % (response.status_code, _cause(exc, timeout)),
                   status=response.status_code)
    return b''.join(chunks)


def _read_arrived(raw):
    """urllib3 1.x's read1(): the decoded bytes that have arrived (waiting for at least one), b'' at the end.

    Its read(n) waits until all n bytes arrive, so a body trickling in would outlast the deadline;
    peek() on the http.client response under it waits for one read of the socket at most.
    """
    while True:
        under = raw._fp
        # Its peek() would wait on the connection past the end of a body of length 0.
        arrived = len(under.peek(_READ_BYTES)) if under is not None and under.length != 0 else 0
        # At the end, read() without a size flushes what the decoder still holds.
        chunk = raw.read(min(arrived, _READ_BYTES) or None, decode_content=True) or b''
        # A compressed body can arrive without yet decoding to anything.
        if chunk or not arrived:
            return chunk


# Both patterns match or fail without scanning past the next "<", or match up to the end: a body
# of unclosed tags takes linear time, not a rescan from each "<".
_SCRIPT_OR_STYLE = re.compile(r'<(script|style)\b[^<>]*>.*?(?:</\1\s*>|\Z)', re.S | re.I)
_TAG = re.compile(r'<[^<>]*>')


def _excerpt(fail, body):
    text = body.decode('utf-8', 'replace')
    text = _TAG.sub(' ', _SCRIPT_OR_STYLE.sub(' ', text))
    return fail.server_text(re.sub(r'\s+', ' ', text).strip(), _EXCERPT_CHARS)


def _retry_note(fail, response, timeout):
    """How retrying ended for a status that is retried: gave up after N, or a Retry-After too long to wait."""
    if response.status_code not in RETRY_STATUSES:
        return ''
    spent = len(getattr(getattr(response.raw, 'retries', None), 'history', None) or ())
    notes = ['rate limited'] if response.status_code == 429 else []
    given = response.headers.get('Retry-After')
    if given is not None:
        wait, words = _retry_after(fail, given)
        notes.append(words)
        if wait is not None and wait > timeout:
            notes.append('longer than the %gs timeout, so not waited for' % timeout)
    elif response.status_code == 429:
        notes.append('no Retry-After')
    if spent:
        notes.append('gave up after %s' % _retries_text(spent))
    return ' (%s)' % '; '.join(notes) if notes else ''


def _retry_after(fail, value):
    """(seconds to wait or None, words for a message) of a Retry-After header: seconds or an HTTP date."""
    text = value.strip()
    if re.match(r'^[0-9]+$', text):
        return int(text), 'Retry-After %ss' % text
    date = parsedate_tz(text)
    if date is not None:
        return max(0.0, mktime_tz(date) - time.time()), 'Retry-After until %s' % fail.server_text(text, 40)
    return None, 'Retry-After %r is neither seconds nor a date' % fail.server_text(text, 40)


_JSON_STRING = re.compile(b'"[^"]*"')
_NOT_A_BRACKET = bytes(byte for byte in range(256) if byte not in b'[]{}')
_DEPTH_STEPS = bytes.maketrans(b'[{]}', b'\x01\x01\xff\xff')


def nests_deeper(body, limit):
    """Whether JSON ``body`` (bytes) opens more than ``limit`` arrays or objects inside each other.

    A linear scan without recursion, at C speed: the escapes and the strings go (no bracket in a
    string counts), the brackets become steps of +1 / -1, and their running sum is the depth.
    """
    if body.count(b'[') + body.count(b'{') <= limit:
        return False
    structure = _JSON_STRING.sub(b'', body.replace(b'\\\\', b'').replace(b'\\"', b''))
    steps = array('b', structure.translate(_DEPTH_STEPS, _NOT_A_BRACKET))
    return next(filter(limit.__lt__, accumulate(steps)), None) is not None


def _decode(fail, response, body, timeout):
    status = response.status_code
    content_type = response.headers.get('Content-Type', '')
    is_json = 'json' in content_type.lower()
    shown_type = fail.server_text(content_type, 80) or 'no content type'
    parsed, parse_error = None, None
    if body and is_json and nests_deeper(body, MAX_JSON_DEPTH):
        raise fail('HTTP %s answer nests deeper than %d levels, which no Coder answer does; refusing to decode it'
                   % (status, MAX_JSON_DEPTH), status=status)
    if body and is_json:
        try:
            parsed = json.loads(body.decode('utf-8'))
        except ValueError as exc:
            parse_error = exc
    if status == 204:
        # No Content: a PUT that changed nothing (the health settings) says so without a body.
        return None
    if 200 <= status < 300:
        if not body:
            raise fail('HTTP %s with an empty body where JSON was expected' % status, status=status)
        if not is_json:
            raise fail('HTTP %s answered %s instead of JSON (is a proxy in the way?): %s'
                       % (status, shown_type, _excerpt(fail, body)), status=status)
        if parse_error is not None:
            raise fail('HTTP %s answer is not valid JSON (truncated?): %s at byte %s'
                       % (status, clip(_excerpt(fail, body), 60), getattr(parse_error, 'pos', '?')), status=status)
        return parsed
    note = _retry_note(fail, response, timeout)
    if isinstance(parsed, dict) and 'message' in parsed:
        raise _error_answer(fail, status, parsed, note)
    raise fail('HTTP %s (%s): %s%s' % (status, shown_type, _excerpt(fail, body) or 'empty body', note), status=status)


def _error_answer(fail, status, answer, note):
    """The CoderError of a Coder error answer: {message, detail, validations: [{field, detail}]}."""
    message, detail = fail.server_text(answer.get('message')), fail.server_text(answer.get('detail'))
    # Coder sends a list of {field, detail}; anything else (a proxy's JSON) is left out.
    given = [item for item in answer['validations'] if isinstance(item, dict)] \
        if isinstance(answer.get('validations'), list) else []
    validations = [dict(field=fail.server_text(item.get('field')), detail=fail.server_text(item.get('detail')))
                   for item in given[:MAX_VALIDATIONS]]
    text = ' '.join(part for part in (message, detail) if part)
    text += ''.join(' [%s: %s]' % (item['field'], item['detail']) for item in validations)
    if len(given) > MAX_VALIDATIONS:
        text += ' and %d more validations' % (len(given) - MAX_VALIDATIONS)
    return fail('HTTP %s: %s%s' % (status, text, note), status=status, message=message, detail=detail,
                validations=validations)
