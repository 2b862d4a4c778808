# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE to the coder.coderd collection: may change in any release without notice.
"""The errors of the collection, under one base that every adapter catches.

A CoderdError's ``str()`` is the whole line a user sees. Any other exception that reaches an
adapter is a bug of ours, and reportable() says so: filing it as a server or input problem would send
the user looking for a fault that is not theirs, without the traceback that finds ours.

Standard library only: it also runs inside modules on remote hosts.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import traceback


class CoderdError(Exception):
    """A failure the collection can say in one line; anything else that reaches an adapter is a bug."""


class InputError(CoderdError, ValueError):
    """Bad input: an option, a desired-state document, a filter or test argument, facts passed in.

    Also a ValueError: the parsers of durations, versions and URLs serve server answers too, whose
    readers turn the same failure into a ServerError naming the endpoint.
    """


class ServerError(CoderdError):
    """A deployment failed, or sent an answer the value model cannot read.

    The value model raises it with the field; the client's CoderError adds the deployment and the
    endpoint.
    """


# The result key that carries a bug's traceback from a remote module to its action plugin, which
# shows it at -vvv: Ansible's own ``exception`` key adds lines at default verbosity before
# ansible-core 2.19, and from 2.19 on is left out unless ANSIBLE_DISPLAY_TRACEBACK asks for it.
TRACE_KEY = 'coderd_traceback'


class InternalError(CoderdError):
    """A bug of ours, said as one: ``str()`` is the line to show, ``trace`` the traceback for -vvv."""

    def __init__(self, line, trace):
        super(InternalError, self).__init__(line)
        self.trace = trace


def reportable(exc, where=None, hide=None):
    """The CoderdError an adapter reports for ``exc``: ``exc`` itself, or the InternalError of a bug.

    ``where`` (the deployment) starts a bug's line; ``hide`` removes credentials from line and trace.
    """
    if isinstance(exc, CoderdError):
        return exc
    hide = hide or (lambda text: text)
    line = 'bug in coder.coderd: %s: %s (please report it; run with -vvv for the traceback)' \
        % (type(exc).__name__, exc)
    trace = ''.join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return InternalError(hide('%s: %s' % (where, line) if where else line), hide(trace))
