"""Connection of the integration tests: the local connection, reported as a remote one.

coder.coderd's action plugins do their work in-process when the transport is ``local`` and run
the real module (AnsiballZ) otherwise. Reporting another transport makes them take the module
path while the "remote host" is still this machine, so tests need no SSH server.
"""

from ansible.plugins.connection.local import Connection as LocalConnection

DOCUMENTATION = r"""
name: remote_local
short_description: Run on the controller but look like a remote host to action plugins
description:
  - The C(local) connection with C(transport) reported as C(remote_local), so that action plugins
    which run in-process on the C(local) transport execute their module instead.
  - Test helper of the coder.coderd integration tests; not part of the collection.
author: coder.coderd contributors
options:
  become_success_timeout:
    type: int
    default: 10
    description: As for the C(local) connection.
    vars:
      - name: ansible_local_become_success_timeout
  become_strip_preamble:
    type: bool
    default: true
    description: As for the C(local) connection.
    vars:
      - name: ansible_local_become_strip_preamble
extends_documentation_fragment:
  - connection_pipelining
"""


class Connection(LocalConnection):
    transport = "remote_local"
