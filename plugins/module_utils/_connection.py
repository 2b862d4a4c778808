# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE to the coder.coderd collection: may change in any release without notice.
"""Connection options: declared once, resolved by one function for every plugin type.

Precedence, highest first (DESIGN §2): the task or plugin option, ``ANSIBLE_CODER_<OPT>``
(plugins also read ``ansible_coder_<opt>`` vars through Ansible's own option layer before we
get here), the Coder CLI's own environment, the Coder CLI's login files, the default.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import csv
import hashlib
import os
import re

try:
    from urllib.parse import urlsplit, urlunsplit
except ImportError:  # pragma: no cover - Python 2 is not supported, the import only keeps sanity happy
    from urlparse import urlsplit, urlunsplit

CONNECTION_ARGSPEC = dict(
    url=dict(type='str'),
    token=dict(type='str', no_log=True),
    headers=dict(type='dict', no_log=True),
    validate_certs=dict(type='bool'),
    ca_path=dict(type='path'),
    client_cert=dict(type='path'),
    client_key=dict(type='path', no_log=False),
    timeout=dict(type='float'),
    retries=dict(type='int'),
    use_proxy=dict(type='bool'),
)

DEFAULTS = dict(validate_certs=True, timeout=30.0, retries=3, use_proxy=True)

# The Coder CLI's own variables (FACTS §7). They are values of last resort so that a user who ran
# `coder login` or exported the CLI's variables needs no configuration at all.
_CLI_ENV = dict(
    url='CODER_URL',
    token='CODER_SESSION_TOKEN',
    headers='CODER_HEADER',
    ca_path='CODER_CLIENT_TLS_CA_FILE',
    client_cert='CODER_CLIENT_TLS_CERT_FILE',
    client_key='CODER_CLIENT_TLS_KEY_FILE',
)

_BOOL_TRUE = ('1', 'true', 'yes', 'on', 't', 'y')
_BOOL_FALSE = ('0', 'false', 'no', 'off', 'f', 'n')
# Sockets take no longer timeout (OverflowError); nobody waits a day for one answer anyway.
MAX_TIMEOUT = 86400
# RFC 9110: a header name is a token; a value is visible Latin-1 text with inner spaces and tabs.
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_UNSENDABLE_IN_HEADER = re.compile(r'[^\t\x20-\x7e\x80-\xff]')


class ConnectionOptionError(ValueError):
    """A connection option has a value we cannot use; the message names the option."""


class ConnectionSettings:
    """Resolved, validated connection options. ``token`` is kept out of ``repr``."""

    __slots__ = ('url', 'token', 'headers', 'validate_certs', 'ca_path', 'client_cert', 'client_key',
                 'timeout', 'retries', 'use_proxy', 'token_source')

    def __init__(self, **values):
        for name in self.__slots__:
            setattr(self, name, values.get(name))

    def __repr__(self):
        return 'ConnectionSettings(url=%r, token=%s)' % (display_url(self.url), '<set>' if self.token else '<unset>')

    def replace(self, **changes):
        """A copy with ``changes`` applied."""
        values = dict((name, getattr(self, name)) for name in self.__slots__)
        values.update(changes)
        return ConnectionSettings(**values)

    def cache_identity(self):
        """Everything that changes what the server answers, for cache keys (token only hashed)."""
        token_digest = hashlib.sha256((self.token or '').encode('utf-8')).hexdigest()[:16]
        return (self.url, token_digest, tuple(sorted((self.headers or {}).items())),
                self.validate_certs, self.ca_path, self.client_cert, self.use_proxy)


def normalize_base_url(url):
    """Deployment URL without ``/api/v2`` and trailing slashes; errors name the bad value."""
    text = str(url).strip()
    parts = urlsplit(text)
    if parts.scheme.lower() not in ('http', 'https') or not parts.hostname:
        raise ConnectionOptionError(
            "url %r is not an http(s) URL of a Coder deployment (expected e.g. https://coder.example.com)"
            % display_url(text))
    try:
        parts.port
    except ValueError:
        raise ConnectionOptionError('url %r has an invalid port' % display_url(text))
    path = re.sub(r'/+$', '', parts.path)
    path = re.sub(r'/api/v2$', '', path)
    return urlunsplit((parts.scheme.lower(), parts.netloc, path, '', ''))


def display_url(url):
    """The URL as it may appear in messages: never with user:password."""
    try:
        parts = urlsplit(str(url))
    except ValueError:
        return '<unparsable url>'
    netloc = parts.netloc.rsplit('@', 1)[-1]
    return urlunsplit((parts.scheme, netloc, parts.path, '', ''))


def _coerce(name, value):
    if value is None:
        return None
    if name in ('validate_certs', 'use_proxy'):
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _BOOL_TRUE:
            return True
        if text in _BOOL_FALSE:
            return False
        raise ConnectionOptionError('%s must be a boolean, got %r' % (name, value))
    if name == 'timeout':
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ConnectionOptionError('timeout must be a number of seconds, got %r' % (value,))
        if not 0 < number <= MAX_TIMEOUT:
            raise ConnectionOptionError('timeout must be more than 0 and at most %d seconds, got %r'
                                        % (MAX_TIMEOUT, value))
        return number
    if name == 'retries':
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ConnectionOptionError('retries must be a whole number, got %r' % (value,))
        if number < 0:
            raise ConnectionOptionError('retries must be 0 or more, got %r' % (value,))
        return number
    if name == 'headers':
        if isinstance(value, dict):
            headers = dict((str(k).strip(), str(v).strip()) for k, v in value.items())
        else:
            headers = parse_header_list(value, 'headers')
        for key, val in headers.items():
            _check_header(key, val)
        return headers
    if name == 'token':
        token = str(value).strip()
        # Never echo it: a token pasted with a line break is still a secret.
        if re.search(r'[^\x21-\x7e]', token):
            raise ConnectionOptionError('token contains spaces, line breaks or non-ASCII characters, which no Coder '
                                        'token has; check where it is set')
        return token or None
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _check_header(name, value):
    """Refuse what requests would refuse later with the value in its message, or fail to encode."""
    if not _HEADER_NAME.match(name):
        raise ConnectionOptionError('headers: %r is not a valid HTTP header name' % name)
    if _UNSENDABLE_IN_HEADER.search(value):
        # Never echo the value: it may hold a secret.
        raise ConnectionOptionError('headers: the value of %s has line breaks, control characters or characters '
                                    'outside Latin-1, which HTTP cannot send' % name)


def parse_header_list(value, where):
    """``key=value`` entries, as the Coder CLI's ``--header`` / ``CODER_HEADER`` (CSV) take them."""
    if isinstance(value, str):
        entries = next(csv.reader([value])) if value.strip() else []
    else:
        entries = list(value)
    headers = {}
    for entry in entries:
        key, sep, val = str(entry).partition('=')
        if not sep or not key.strip():
            # Never echo the entry: it may hold a secret.
            raise ConnectionOptionError('%s: every header must look like key=value' % where)
        headers[key.strip()] = val.strip()
    return headers


def _config_dir(environ):
    if environ.get('CODER_CONFIG_DIR'):
        return environ['CODER_CONFIG_DIR']
    base = environ.get('XDG_CONFIG_HOME') or os.path.join(os.path.expanduser('~'), '.config')
    return os.path.join(base, 'coderv2')


def _read_login_file(directory, name):
    try:
        with open(os.path.join(directory, name)) as handle:
            return handle.read().strip() or None
    except (IOError, OSError):
        return None


def resolve_connection(explicit, environ=None):
    """Resolve every connection option; ``explicit`` holds what Ansible resolved (None = unset)."""
    environ = os.environ if environ is None else environ
    values = {}
    sources = {}
    for name in CONNECTION_ARGSPEC:
        value, source = explicit.get(name), 'option'
        if value is None and environ.get('ANSIBLE_CODER_' + name.upper()) not in (None, ''):
            value, source = environ['ANSIBLE_CODER_' + name.upper()], 'ANSIBLE_CODER_' + name.upper()
        if value is None and name in _CLI_ENV and environ.get(_CLI_ENV[name]) not in (None, ''):
            value, source = environ[_CLI_ENV[name]], _CLI_ENV[name]
        values[name] = _coerce(name, value)
        sources[name] = source

    # The CLI's token belongs to the CLI's deployment: with CODER_URL naming another one, keep it home.
    cli_url = environ.get('CODER_URL')
    if sources['token'] == 'CODER_SESSION_TOKEN' and cli_url and values['url'] is not None \
            and normalize_base_url(cli_url) != normalize_base_url(values['url']):
        values['token'] = None

    if values['url'] is None or values['token'] is None:
        login_dir = _config_dir(environ)
        login_url = _read_login_file(login_dir, 'url')
        if values['url'] is None and login_url:
            values['url'], sources['url'] = login_url, 'login'
        # The CLI's session file belongs to the deployment in its url file: never send it elsewhere.
        if values['token'] is None and login_url and values['url'] is not None \
                and normalize_base_url(login_url) == normalize_base_url(values['url']):
            values['token'] = _read_login_file(login_dir, 'session')
            sources['token'] = 'login'

    if values['url'] is None:
        raise ConnectionOptionError(
            'no Coder URL: set the url option, ANSIBLE_CODER_URL or CODER_URL, or run `coder login`')
    values['url'] = normalize_base_url(values['url'])
    for name, default in DEFAULTS.items():
        if values[name] is None:
            values[name] = default
    if values['client_key'] and not values['client_cert']:
        raise ConnectionOptionError('client_key is set but client_cert is not: give both')
    values['headers'] = values['headers'] or {}
    values['token_source'] = sources['token'] if values['token'] else None
    return ConnectionSettings(**values)
