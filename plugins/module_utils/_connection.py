# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE to the coder.coderd collection: may change in any release without notice.
"""Connection options: where each one comes from, in one table, and one adapter to read them.

Every module, lookup, the inventory and the role take the same options. ``OPTIONS`` says, for
each, every place its value may come from; ``PRECEDENCE`` says which wins. The docs' precedence
lists and the ``PLUGINS`` doc fragment are checked against both by the unit tests.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import csv
import hashlib
import os
import re
from urllib.parse import urlsplit, urlunsplit

from ansible_collections.coder.coderd.plugins.module_utils._errors import InputError


class _Option:
    """One connection option: its argument spec and every place its value may come from."""

    __slots__ = ('name', 'spec', 'cli_env', 'login_file', 'default', 'credential')

    def __init__(self, name, spec, cli_env=None, login_file=None, default=None, credential=False):
        self.name = name
        self.spec = spec
        self.cli_env = cli_env          # the Coder CLI's own environment variable
        self.login_file = login_file    # the file `coder login` writes, in the CLI's config folder
        self.default = default
        self.credential = credential    # a secret, or where to find one, that belongs to one deployment

    @property
    def option(self):
        return self.name

    @property
    def variable(self):
        return 'ansible_coder_' + self.name

    @property
    def env(self):
        return 'ANSIBLE_CODER_' + self.name.upper()


# The Coder CLI's variables and login files come last, so that a user who ran `coder login` or
# exported the CLI's variables needs no configuration at all.
OPTIONS = (
    _Option('url', dict(type='str'), cli_env='CODER_URL', login_file='url'),
    _Option('token', dict(type='str', no_log=True), cli_env='CODER_SESSION_TOKEN', login_file='session',
            credential=True),
    # Names of where the token is, not the token: fit for logs, read where the request is made.
    _Option('token_env', dict(type='str', no_log=False), credential=True),
    _Option('token_file', dict(type='path', no_log=False), credential=True),
    _Option('headers', dict(type='dict', no_log=True), cli_env='CODER_HEADER', credential=True),
    _Option('validate_certs', dict(type='bool'), default=True),
    _Option('ca_path', dict(type='path'), cli_env='CODER_CLIENT_TLS_CA_FILE'),
    _Option('client_cert', dict(type='path'), cli_env='CODER_CLIENT_TLS_CERT_FILE'),
    _Option('client_key', dict(type='path', no_log=False), cli_env='CODER_CLIENT_TLS_KEY_FILE'),
    _Option('timeout', dict(type='float'), default=30.0),
    _Option('retries', dict(type='int'), default=3),
    _Option('use_proxy', dict(type='bool'), default=True),
)

# Where a value comes from, highest first: each an attribute of _Option naming that source for
# one option (None where the option has no such source). The first three are Ansible's: for
# lookups and the inventory its option layer applies them (the PLUGINS doc fragment declares the
# variables and environment variables); for modules, ConnectionOptions.from_params does.
PRECEDENCE = ('option', 'variable', 'env', 'cli_env', 'login_file', 'default')

# The ways to give the token, best first. They are one choice, made source by source: all three
# come from the first source of PRECEDENCE that sets any of them (see first_given), and within it
# the first one set wins.
TOKEN_SOURCES = ('token', 'token_env', 'token_file')

CONNECTION_ARGSPEC = dict((option.name, option.spec) for option in OPTIONS)
_BY_NAME = dict((option.name, option) for option in OPTIONS)
CREDENTIALS = tuple(option.name for option in OPTIONS if option.credential)
FILE_OPTIONS = tuple(option.name for option in OPTIONS if option.spec['type'] == 'path')


def first_given(layers):
    """``get(name)`` over ``layers`` (``get(name)`` functions, highest first): each option from the
    first layer that sets it, except the token sources, which all come from the first layer that
    sets any of them.

    Option by option, an ``ANSIBLE_CODER_TOKEN`` exported for one deployment would beat the
    ``ansible_coder_token_file`` a host names, and an ``ansible_coder_token`` variable the
    ``token_env`` a task gives: the source the user configured for this task or host must win.
    """
    chosen = next((layer for layer in layers if any(layer(name) is not None for name in TOKEN_SOURCES)), None)

    def get(name):
        if name in TOKEN_SOURCES:
            return chosen(name) if chosen else None
        return next((value for value in (layer(name) for layer in layers) if value is not None), None)
    return get


def _memoized(get):
    values = {}

    def memo(name):
        if name not in values:
            values[name] = get(name)
        return values[name]
    return memo


def _environment_layer(environ):
    return lambda name: environ.get(_BY_NAME[name].env) or None


class ConnectionOptions:
    """The connection options of one task or plugin, read the same way whatever holds them.

    The shape of community.hashi_vault's option adapter: one reader, one constructor per holder.
    ``from_plugin`` reads a lookup's or the inventory's options through Ansible's option layer,
    which has applied the first three sources of PRECEDENCE already; ``from_params`` applies them
    to a module's parameters. ``settings()`` adds the rest: the Coder CLI's environment, its login
    files and the defaults.
    """

    def __init__(self, getter, environ=None):
        self._get = getter
        self._environ = os.environ if environ is None else environ

    @classmethod
    def from_plugin(cls, plugin, direct=None, variables=None):
        """``plugin``'s options; ``direct`` and ``variables`` are what it gave ``set_options``.

        The option layer merges its sources option by option: the token sources are taken only
        from the first source that sets any of them (see first_given).
        """
        direct, variables = direct or {}, variables or {}
        layers = (direct.get, lambda name: variables.get(_BY_NAME[name].variable), _environment_layer(os.environ))
        chosen = first_given(layers)

        def get(name):
            return None if name in TOKEN_SOURCES and chosen(name) is None else plugin.get_option(name)

        return cls(get)

    @classmethod
    def from_params(cls, params, environ=None):
        """A module's ``params`` (the action adapter filled in the variables, see with_variables),
        then ``ANSIBLE_CODER_*`` in ``environ`` (by default the process environment)."""
        environ = os.environ if environ is None else environ
        return cls(first_given((params.get, _environment_layer(environ))), environ)

    def get_option(self, name):
        return self._get(name)

    def get_options(self):
        return dict((option.name, self._get(option.name)) for option in OPTIONS)

    def settings(self):
        """The resolved, validated ConnectionSettings; ConnectionOptionError names a bad option."""
        return resolve_connection(self.get_options(), self._environ)


def connection_variables(variables, template):
    """The ``ansible_coder_*`` variables among ``variables``, templated by ``template``: Ansible's
    option layer would take ``"{{ vault_token }}"`` as it is."""
    return dict((option.variable, template(variables[option.variable])) for option in OPTIONS
                if option.variable in variables)


def with_variables(params, variables, template):
    """``params`` with each unset option taken from its ``ansible_coder_*`` variable, templated;
    only the variables used are, so that one the task overrides may stay undefined."""
    def variable(name):
        name = _BY_NAME[name].variable
        return template(variables[name]) if name in variables else None

    get = first_given((params.get, _memoized(variable)))
    filled = dict(params)
    values = ((option.name, get(option.name)) for option in OPTIONS)
    filled.update((name, value) for name, value in values if value is not None)
    return filled


def without_cli_credentials(environ):
    """``environ`` without the Coder CLI's credentials: they name no deployment of a fleet."""
    names = set(option.cli_env for option in OPTIONS if option.credential)
    return dict((name, value) for name, value in environ.items() if name not in names)


_BOOL_TRUE = ('1', 'true', 'yes', 'on', 't', 'y')
_BOOL_FALSE = ('0', 'false', 'no', 'off', 'f', 'n')
# Sockets take no longer timeout (OverflowError); nobody waits a day for one answer anyway.
MAX_TIMEOUT = 86400
# RFC 9110: a header name is a token; a value is visible Latin-1 text with inner spaces and tabs.
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_UNSENDABLE_IN_HEADER = re.compile(r'[^\t\x20-\x7e\x80-\xff]')


class ConnectionOptionError(InputError):
    """A connection option has a value we cannot use; the message names the option."""


class ConnectionSourceError(ConnectionOptionError):
    """What an option names cannot be read where the request is made (an unset environment
    variable, a missing file): the option may be right, and right on another machine."""


class ConnectionSettings:
    """Resolved, validated connection options. ``token`` is kept out of ``repr``."""

    # token_withheld: why a token found in the Coder CLI's environment or login files was not used.
    __slots__ = tuple(CONNECTION_ARGSPEC) + ('token_withheld',)

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


def url_password(url):
    """The password of a ``user:password@`` URL, or None: a value to hide wherever the URL is echoed."""
    try:
        return urlsplit(str(url)).password if url else None
    except ValueError:
        return None


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
        return _checked_token(value, 'token')
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _checked_token(value, where):
    token = str(value).strip()
    # Never echo it: a token pasted with a line break is still a secret.
    if re.search(r'[^\x21-\x7e]', token):
        raise ConnectionOptionError('%s contains spaces, line breaks or non-ASCII characters, which no Coder '
                                    'token has; check where it is set' % where)
    return token or None


def _token_from(given, environ):
    """The token that ``token_env`` or ``token_file`` in ``given`` points to, read here and now.

    Errors name the variable or the file, never what it holds.
    """
    if given.get('token_env') is not None:
        variable = str(given['token_env']).strip()
        if not environ.get(variable, '').strip():
            raise ConnectionSourceError('token_env: environment variable %s is %s'
                                        % (variable, 'empty' if variable in environ else 'not set'))
        return _checked_token(environ[variable], 'the token in the environment variable %s (token_env)' % variable)
    if given.get('token_file') is not None:
        path = os.path.expanduser(str(given['token_file']))
        try:
            with open(path) as handle:
                text = handle.read()
        except (IOError, OSError, UnicodeDecodeError) as exc:
            raise ConnectionSourceError('token_file: cannot read %s (%s)' % (path, getattr(exc, 'strerror', None) or exc))
        if not text.strip():
            raise ConnectionSourceError('token_file: %s is empty' % path)
        return _checked_token(text, 'the token in %s (token_file)' % path)
    return None


def _check_readable(name, path):
    """A TLS file that is not there fails here, naming the option, before any request is sent."""
    try:
        with open(path, 'rb'):
            pass
    except (IOError, OSError) as exc:
        raise ConnectionSourceError('%s: cannot read %s (%s)' % (name, path, exc.strerror or exc))


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


def resolve_connection(given, environ=None):
    """Every connection option, validated: ``given`` holds what the first three sources of
    PRECEDENCE set (None = unset); the Coder CLI's environment, its login files and the defaults
    fill in the rest."""
    environ = os.environ if environ is None else environ
    given = dict(given)
    if given.get('token') is None:
        given['token'] = _token_from(given, environ)
    values, from_cli = {}, set()
    for option in OPTIONS:
        value = given.get(option.name)
        if value is None and option.cli_env and environ.get(option.cli_env):
            value = environ[option.cli_env]
            from_cli.add(option.name)
        values[option.name] = _coerce(option.name, value)

    # The CLI's token belongs to the CLI's deployment: with CODER_URL naming another one, keep it home.
    cli_url = environ.get('CODER_URL')
    if 'token' in from_cli and cli_url and values['url'] is not None \
            and normalize_base_url(cli_url) != normalize_base_url(values['url']):
        values['token'] = None
        values['token_withheld'] = ('CODER_SESSION_TOKEN was withheld: it belongs to CODER_URL %s, not to this url'
                                    % display_url(normalize_base_url(cli_url)))

    if values['url'] is None or values['token'] is None:
        login_dir = _config_dir(environ)
        login_url = _read_login_file(login_dir, _BY_NAME['url'].login_file)
        if values['url'] is None and login_url:
            values['url'] = login_url
        # The CLI's session file belongs to the deployment in its url file: never send it elsewhere.
        if values['token'] is None and login_url and values['url'] is not None:
            if normalize_base_url(login_url) == normalize_base_url(values['url']):
                values['token'] = _read_login_file(login_dir, _BY_NAME['token'].login_file)
            elif not values.get('token_withheld') and _read_login_file(login_dir, _BY_NAME['token'].login_file):
                values['token_withheld'] = ('the Coder CLI login in %s was withheld: it belongs to %s, not to this url'
                                            % (login_dir, display_url(login_url)))

    if values['url'] is None:
        raise ConnectionOptionError(
            'no Coder URL: set the url option, ANSIBLE_CODER_URL or CODER_URL, or run `coder login`')
    values['url'] = normalize_base_url(values['url'])
    for option in OPTIONS:
        if values[option.name] is None:
            values[option.name] = option.default
    if values['client_key'] and not values['client_cert']:
        raise ConnectionOptionError('client_key is set but client_cert is not: give both')
    for name in ('ca_path', 'client_cert', 'client_key'):
        if values[name]:
            _check_readable('%s (from %s)' % (name, _BY_NAME[name].cli_env) if name in from_cli else name, values[name])
    values['headers'] = values['headers'] or {}
    return ConnectionSettings(**values)
