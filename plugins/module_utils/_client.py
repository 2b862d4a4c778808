# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE to the coder.coderd collection: may change in any release without notice.
"""The one HTTP client of the collection: every module, lookup, filter and inventory uses it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re
import time
import warnings

try:
    from urllib.parse import quote, urljoin, urlsplit
except ImportError:  # pragma: no cover
    from urllib import quote
    from urlparse import urljoin, urlsplit

try:
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.exceptions import InsecureRequestWarning, MaxRetryError, ProtocolError, ReadTimeoutError, ResponseError
    from urllib3.util.retry import Retry
    REQUESTS_IMPORT_ERROR = None
except ImportError as exc:  # guarded: modules report it with missing_required_lib()
    REQUESTS_IMPORT_ERROR = exc
    Retry = object

from ansible_collections.coder.coderd.plugins.module_utils._connection import display_url

API_PREFIX = '/api/v2'
MAX_BODY_BYTES = 16 * 1024 * 1024
MAX_REDIRECTS = 5
RETRY_STATUSES = (429, 502, 503, 504)
_EXCERPT_CHARS = 160
USER_AGENT = 'coder.coderd-ansible'


class CoderError(Exception):
    """Any failure talking to a deployment; ``str()`` is one line naming deployment and endpoint."""

    def __init__(self, cause, deployment=None, method='GET', path=None, status=None,
                 message=None, detail=None, validations=None):
        self.cause = cause
        self.deployment = deployment
        self.method = method
        self.path = path
        self.status = status
        self.message = message
        self.detail = detail
        self.validations = validations or []
        super(CoderError, self).__init__(self.__str__())

    def __str__(self):
        where = ' '.join(part for part in (display_url(self.deployment) if self.deployment else None,
                                           self.method if self.path else None,
                                           (API_PREFIX + self.path) if self.path else None) if part)
        line = '%s: %s' % (where, self.cause) if where else self.cause
        return re.sub(r'\s+', ' ', line).strip()

    def to_dict(self):
        return dict(status=self.status, message=self.message, detail=self.detail,
                    validations=self.validations, endpoint=(API_PREFIX + self.path) if self.path else None,
                    deployment=display_url(self.deployment) if self.deployment else None)


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
        raise ValueError('API path %r is not allowed: it must be a plain path under /api/v2' % (str(path),))
    return text


class _BoundedRetry(Retry):
    """urllib3 Retry that reports each retry and refuses Retry-After waits beyond a bound."""

    def __init__(self, *args, **kwargs):
        self.on_retry = kwargs.pop('on_retry', None)
        self.retry_after_max = kwargs.pop('retry_after_max', None)
        super(_BoundedRetry, self).__init__(*args, **kwargs)

    def new(self, **kwargs):
        kwargs.setdefault('on_retry', self.on_retry)
        kwargs.setdefault('retry_after_max', self.retry_after_max)
        return super(_BoundedRetry, self).new(**kwargs)

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
        if response is not None and self.retry_after_max is not None:
            wait = self.get_retry_after(response)
            if wait is not None and wait > self.retry_after_max:
                # Returning the 429 at once beats sleeping past the caller's timeout.
                raise MaxRetryError(_pool, url, ResponseError('Retry-After %ss exceeds the wait bound' % wait))
        new_retry = super(_BoundedRetry, self).increment(method, url, response, error, _pool, _stacktrace)
        if self.on_retry is not None:
            cause = 'HTTP %s' % response.status if response is not None else type(error).__name__
            self.on_retry(url, cause, new_retry.total)
        return new_retry


class CoderClient:
    """A keep-alive session bound to one deployment and its resolved connection settings."""

    def __init__(self, settings, warn=None):
        if REQUESTS_IMPORT_ERROR is not None:
            raise CoderError('the Python library "requests" is required: %s' % REQUESTS_IMPORT_ERROR)
        self.settings = settings
        self.base_url = settings.url
        self._warn = warn or (lambda message: None)
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
        session.verify = settings.ca_path or settings.validate_certs
        if settings.client_cert:
            session.cert = (settings.client_cert, settings.client_key) if settings.client_key else settings.client_cert
        session.headers.update({'Accept': 'application/json', 'User-Agent': USER_AGENT})
        session.headers.update(settings.headers)
        retry = _BoundedRetry(
            total=settings.retries, connect=settings.retries, read=settings.retries, status=settings.retries,
            other=0, status_forcelist=RETRY_STATUSES, allowed_methods=frozenset(['GET', 'HEAD']),
            backoff_factor=0.5, backoff_max=10, respect_retry_after_header=True, raise_on_status=False,
            raise_on_redirect=False, redirect=False, on_retry=self._report_retry,
            retry_after_max=settings.timeout)
        adapter = HTTPAdapter(max_retries=retry, pool_connections=4, pool_maxsize=16)
        session.mount('http://', adapter)
        session.mount('https://', adapter)
        return session

    def _report_retry(self, url, cause, remaining):
        path = urlsplit(url or '').path
        self._warn('%s GET %s: %s, retrying (%s retries left)' % (display_url(self.base_url), path, cause, remaining))

    def close(self):
        self._session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def get(self, path, params=None):
        return self.request('GET', path, params=params)

    def post(self, path, body):
        return self.request('POST', path, json_body=body)

    def request(self, method, path, params=None, json_body=None):
        """Send one request to ``/api/v2<path>`` and return the decoded JSON answer."""
        path = check_api_path(path)
        url = self.base_url + API_PREFIX + path
        fail = _Failure(self.base_url, method, path)
        headers = {}
        if self.settings.token:
            headers['Coder-Session-Token'] = self.settings.token
        data = None
        if json_body is not None:
            data = json.dumps(json_body).encode('utf-8')
            headers['Content-Type'] = 'application/json'
        response = None
        for _hop in range(MAX_REDIRECTS + 1):
            response = self._send(fail, method, url, params, data, headers)
            if response.status_code not in (301, 302, 303, 307, 308):
                break
            url = self._follow(fail, url, response)
            params = None
            response.close()
        else:
            raise fail('more than %d redirects' % MAX_REDIRECTS)
        try:
            body = _read_body(fail, response, time.monotonic() + self.settings.timeout)
        finally:
            response.close()
        return _decode(fail, response, body, self.settings.token)

    def _send(self, fail, method, url, params, data, headers):
        try:
            with warnings.catch_warnings():
                if not self.settings.validate_certs:
                    warnings.simplefilter('ignore', InsecureRequestWarning)
                return self._session.request(method, url, params=params, data=data, headers=headers,
                                             timeout=self.settings.timeout, allow_redirects=False, stream=True)
        except requests.exceptions.SSLError as exc:
            raise fail('TLS verification failed (%s); set ca_path to the CA that signed the certificate, '
                       'or validate_certs: false' % _short_reason(exc))
        except requests.exceptions.ConnectTimeout:
            raise fail('no connection within %gs (timeout)' % self.settings.timeout)
        except requests.exceptions.ReadTimeout:
            raise fail('no answer within %gs (timeout)' % self.settings.timeout)
        except requests.exceptions.RetryError as exc:
            raise fail('gave up after %d retries: %s' % (self.settings.retries, _short_reason(exc)))
        except requests.exceptions.ConnectionError as exc:
            raise fail('cannot connect: %s' % _short_reason(exc))
        except requests.exceptions.RequestException as exc:
            raise fail('request failed: %s' % _short_reason(exc))

    def _follow(self, fail, url, response):
        target = urljoin(url, response.headers.get('Location', ''))
        old, new = urlsplit(url), urlsplit(target)
        same_origin = (old.hostname, old.port or _default_port(old.scheme)) == \
            (new.hostname, new.port or _default_port(new.scheme))
        upgrade_only = old.hostname == new.hostname and old.scheme == 'http' and new.scheme == 'https'
        if not (same_origin and new.scheme == old.scheme) and not upgrade_only:
            # requests would re-send Coder-Session-Token to the other host (only Authorization is dropped).
            raise fail('HTTP %s redirect to another host (%s); refusing to send the token there'
                       % (response.status_code, display_url('%s://%s' % (new.scheme, new.netloc))))
        return target


def _default_port(scheme):
    return 443 if scheme == 'https' else 80


class _Failure:
    """Builds CoderErrors that all name the same deployment and endpoint."""

    def __init__(self, deployment, method, path):
        self.deployment, self.method, self.path = deployment, method, path

    def __call__(self, cause, **details):
        return CoderError(cause, deployment=self.deployment, method=self.method, path=self.path, **details)


def _short_reason(exc):
    """The innermost useful words of a requests/urllib3 exception, without object reprs."""
    reason = exc
    while getattr(reason, 'args', None) and isinstance(reason.args[0], Exception):
        reason = reason.args[0]
    reason = getattr(reason, 'reason', reason)
    text = str(reason)
    text = re.sub(r'<[^>]*object at 0x[0-9a-f]+>:?\s*', '', text)
    text = re.sub(r"HTTP(S)?ConnectionPool\(host='[^']*', port=\d+\): ", '', text)
    text = re.sub(r'Max retries exceeded with url: \S+ \(Caused by ', '', text).rstrip(')')
    for marker in ('Name or service not known', 'Temporary failure in name resolution',
                   'nodename nor servname', 'No address associated'):
        if marker in text:
            return 'host name does not resolve'
    if 'Connection refused' in text:
        return 'connection refused'
    if 'Connection reset' in text or 'RemoteDisconnected' in text or 'Connection aborted' in text:
        return 'connection closed by the server before an answer'
    return text or type(exc).__name__


def _read_body(fail, response, deadline):
    """Read at most MAX_BODY_BYTES before ``deadline``: a trickling or endless body cannot hang us."""
    raw = response.raw
    # read1() returns whatever has arrived, so the deadline is checked while a body trickles in;
    # urllib3 1.x lacks it and falls back to fixed-size reads.
    read_some = getattr(raw, 'read1', None) or raw.read
    chunks, size = [], 0
    try:
        while True:
            chunk = read_some(65536, decode_content=True)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise fail('HTTP %s answer is larger than %d MiB; refusing to read it all'
                           % (response.status_code, MAX_BODY_BYTES // (1024 * 1024)), status=response.status_code)
            if time.monotonic() > deadline:
                raise fail('HTTP %s answer body still arriving after the timeout; gave up'
                           % response.status_code, status=response.status_code)
    except (requests.exceptions.RequestException, ProtocolError, ReadTimeoutError, OSError) as exc:
        raise fail('connection broke while reading the answer (%s)' % _short_reason(exc), status=response.status_code)
    return b''.join(chunks)


def _excerpt(body, token):
    text = body.decode('utf-8', 'replace')
    text = re.sub(r'<(script|style)[^>]*>.*?</\1>', ' ', text, flags=re.S | re.I)
    text = re.sub(r'<[^>]+>', ' ', text)
    text = re.sub(r'\s+', ' ', text).strip()
    if token:
        text = text.replace(token, '<token>')
    return text[:_EXCERPT_CHARS] + ('...' if len(text) > _EXCERPT_CHARS else '')


def _decode(fail, response, body, token):
    status = response.status_code
    content_type = response.headers.get('Content-Type', '')
    is_json = 'json' in content_type.lower()
    parsed, parse_error = None, None
    if body and is_json:
        try:
            parsed = json.loads(body.decode('utf-8'))
        except ValueError as exc:
            parse_error = exc
    if 200 <= status < 300:
        if not body:
            raise fail('HTTP %s with an empty body where JSON was expected' % status, status=status)
        if not is_json:
            raise fail('HTTP %s answered %s instead of JSON (is a proxy in the way?): %s'
                       % (status, content_type or 'no content type', _excerpt(body, token)), status=status)
        if parse_error is not None:
            raise fail('HTTP %s answer is not valid JSON (truncated?): %s at byte %s'
                       % (status, _excerpt(body, token)[:60], getattr(parse_error, 'pos', '?')), status=status)
        return parsed
    if isinstance(parsed, dict) and 'message' in parsed:
        message, detail = parsed.get('message'), parsed.get('detail')
        validations = parsed.get('validations') or []
        text = ' '.join(str(part) for part in (message, detail) if part)
        for item in validations:
            text += ' [%s: %s]' % (item.get('field'), item.get('detail'))
        if token:
            text = text.replace(token, '<token>')
        hint = ''
        if status == 429:
            hint = ' (rate limited; Retry-After %ss)' % response.headers.get('Retry-After', '?')
        raise fail('HTTP %s: %s%s' % (status, text, hint), status=status, message=message, detail=detail,
                   validations=validations)
    raise fail('HTTP %s (%s): %s' % (status, content_type or 'no content type', _excerpt(body, token) or 'empty body'),
               status=status)
