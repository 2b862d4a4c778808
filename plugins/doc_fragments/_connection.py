# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE to the coder.coderd collection: may change in any release without notice.

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # Connection options, shared by every module, lookup, the inventory and the role. Defaults are
    # stated in prose, not as `default:`, because an unset option must fall through to the
    # environment and the Coder CLI's login files before the default applies.
    DOCUMENTATION = r'''
options:
  url:
    description:
      - URL of the Coder deployment, with or without C(/api/v2), for example V(https://coder.example.com).
      - "If unset: the variable C(ansible_coder_url), then E(ANSIBLE_CODER_URL), then the Coder CLI's E(CODER_URL),
        then the C(url) file written by C(coder login) in E(CODER_CONFIG_DIR) (default C(~/.config/coderv2))."
    type: str
  token:
    description:
      - Coder session or API token, sent as the C(Coder-Session-Token) header.
      - "If unset: the variable C(ansible_coder_token), then E(ANSIBLE_CODER_TOKEN), then E(CODER_SESSION_TOKEN),
        then the C(session) file written by C(coder login) (used only when O(url) is the deployment that file
        belongs to)."
      - Without a token only the public endpoints answer (API root, build info, update check, CSP reports).
      - O(token_env) and O(token_file) say where to read the token instead; O(token_env) says which source wins.
    type: str
  token_env:
    description:
      - Name of an environment variable holding the token, read where the request is made (on the controller
        for lookups, the inventory and modules running locally, else on the host the module runs on).
      - The token sources O(token), O(token_env) and O(token_file) are one choice, made level by level (see the
        notes). All three come from the highest level that sets any of them, and within a level O(token) beats
        O(token_env), which beats O(token_file). So the token of a task beats this option given as a variable,
        and this option given as a variable beats E(ANSIBLE_CODER_TOKEN) and E(CODER_SESSION_TOKEN).
      - An unset or empty variable is an error naming the variable, not a fall back to the next source.
      - "If unset: the variable C(ansible_coder_token_env), then E(ANSIBLE_CODER_TOKEN_ENV)."
    type: str
  token_file:
    description:
      - Path of a file holding the token, such as one a secret store mounts; surrounding whitespace (the
        trailing newline of C(echo token > file)) is ignored. Read where the request is made, like O(token_env).
      - Used when neither O(token) nor O(token_env) is set at the same level (see O(token_env)).
      - A file that cannot be read or is empty is an error naming the file, not a fall back to the next source.
      - "If unset: the variable C(ansible_coder_token_file), then E(ANSIBLE_CODER_TOKEN_FILE)."
    type: path
  headers:
    description:
      - Extra HTTP headers for every request, for example for an authenticating proxy.
      - "If unset: the variable C(ansible_coder_headers), then E(ANSIBLE_CODER_HEADERS), then the Coder CLI's
        E(CODER_HEADER) (comma-separated C(key=value))."
    type: dict
  validate_certs:
    description:
      - Verify the deployment's TLS certificate. Defaults to V(true); V(false) prints a warning.
      - "If unset: the variable C(ansible_coder_validate_certs), then E(ANSIBLE_CODER_VALIDATE_CERTS)."
    type: bool
  ca_path:
    description:
      - PEM file of the CA that signed the deployment's certificate.
      - "If unset: the variable C(ansible_coder_ca_path), then E(ANSIBLE_CODER_CA_PATH), then
        E(CODER_CLIENT_TLS_CA_FILE)."
    type: path
  client_cert:
    description:
      - PEM client certificate for mutual TLS.
      - "If unset: the variable C(ansible_coder_client_cert), then E(ANSIBLE_CODER_CLIENT_CERT), then
        E(CODER_CLIENT_TLS_CERT_FILE)."
    type: path
  client_key:
    description:
      - PEM private key of O(client_cert), if not in the same file.
      - "If unset: the variable C(ansible_coder_client_key), then E(ANSIBLE_CODER_CLIENT_KEY), then
        E(CODER_CLIENT_TLS_KEY_FILE)."
    type: path
  timeout:
    description:
      - Seconds to wait for a connection, for an answer, and for the whole answer body. Defaults to V(30).
      - A C(Retry-After) longer than this is not waited for; the request fails at once instead.
      - "If unset: the variable C(ansible_coder_timeout), then E(ANSIBLE_CODER_TIMEOUT)."
    type: float
  retries:
    description:
      - How often to retry a GET after a connection error or an HTTP 429, 502, 503 or 504, with
        exponential backoff that honours C(Retry-After). Each retry is reported as a warning. Defaults to V(3).
      - "If unset: the variable C(ansible_coder_retries), then E(ANSIBLE_CODER_RETRIES)."
    type: int
  use_proxy:
    description:
      - Use the proxy from the environment (E(HTTPS_PROXY), E(HTTP_PROXY), E(NO_PROXY)). Defaults to V(true).
      - "If unset: the variable C(ansible_coder_use_proxy), then E(ANSIBLE_CODER_USE_PROXY)."
    type: bool
notes:
  - "Connection options resolve, highest first: the task option, the variable C(ansible_coder_<option>),
    E(ANSIBLE_CODER_<OPTION>), the Coder CLI's environment (E(CODER_URL), E(CODER_SESSION_TOKEN), E(CODER_HEADER),
    E(CODER_CLIENT_TLS_CA_FILE), E(CODER_CLIENT_TLS_CERT_FILE), E(CODER_CLIENT_TLS_KEY_FILE)), the Coder CLI's
    login files (C(url) and C(session)), the default. Set them once for all modules with C(module_defaults) and the
    group C(group/coder.coderd.coderd)."
  - "The token sources O(token), O(token_env) and O(token_file) are taken together from the first of these levels
    that sets any of them: the task option, the variables, the environment variables (E(ANSIBLE_CODER_TOKEN),
    E(ANSIBLE_CODER_TOKEN_ENV), E(ANSIBLE_CODER_TOKEN_FILE)); after them come the Coder CLI's E(CODER_SESSION_TOKEN)
    and its C(session) file. A token source configured for the task or the host thus always beats one exported for
    the whole shell."
  - The token never appears in results, messages or logs. The token and O(headers) are sent only to the deployment's
    origin (scheme, host and port); a redirect elsewhere fails with an error, except the upgrade of C(http://host)
    to C(https://host) on the default ports.
requirements:
  - Python 3.9 or newer where the task runs
  - requests >= 2.25.1
  - urllib3 >= 1.26.5
'''

    # Lookups and the inventory read the same options through Ansible's option layer, which applies
    # the variables and environment variables below; _connection.OPTIONS is the table they follow.
    PLUGINS = r'''
options:
  url:
    env:
      - name: ANSIBLE_CODER_URL
    vars:
      - name: ansible_coder_url
  token:
    env:
      - name: ANSIBLE_CODER_TOKEN
    vars:
      - name: ansible_coder_token
  token_env:
    env:
      - name: ANSIBLE_CODER_TOKEN_ENV
    vars:
      - name: ansible_coder_token_env
  token_file:
    env:
      - name: ANSIBLE_CODER_TOKEN_FILE
    vars:
      - name: ansible_coder_token_file
  headers:
    env:
      - name: ANSIBLE_CODER_HEADERS
    vars:
      - name: ansible_coder_headers
  validate_certs:
    env:
      - name: ANSIBLE_CODER_VALIDATE_CERTS
    vars:
      - name: ansible_coder_validate_certs
  ca_path:
    env:
      - name: ANSIBLE_CODER_CA_PATH
    vars:
      - name: ansible_coder_ca_path
  client_cert:
    env:
      - name: ANSIBLE_CODER_CLIENT_CERT
    vars:
      - name: ansible_coder_client_cert
  client_key:
    env:
      - name: ANSIBLE_CODER_CLIENT_KEY
    vars:
      - name: ansible_coder_client_key
  timeout:
    env:
      - name: ANSIBLE_CODER_TIMEOUT
    vars:
      - name: ansible_coder_timeout
  retries:
    env:
      - name: ANSIBLE_CODER_RETRIES
    vars:
      - name: ansible_coder_retries
  use_proxy:
    env:
      - name: ANSIBLE_CODER_USE_PROXY
    vars:
      - name: ansible_coder_use_proxy
'''
