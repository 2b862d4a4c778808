# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE to the coder.coderd collection: may change in any release without notice.
"""Regular expressions searched in bounded time: the ``regex`` operator of drift checks.

Python's ``re`` backtracks, so a pattern such as ``(a+)+$`` takes exponential time on a value of 30
characters, and ``re`` has no timeout. Here a pattern is parsed by Python's own parser (same syntax,
same error messages) and searched as a Thompson automaton: each instruction is visited at most once
per character, so a search takes at most ``MAX_PROGRAM`` steps per character of a value of at most
``MAX_VALUE`` characters. Backreferences, lookarounds, atomic groups and possessive repeats need
backtracking and are refused; so is a pattern whose repeats expand beyond ``MAX_PROGRAM``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import functools
import re

from ansible_collections.coder.coderd.plugins.module_utils._errors import InputError

try:
    from re import _constants as _sre, _parser as _sre_parse
except ImportError:  # Python before 3.11 names the parser's modules sre_*
    import sre_constants as _sre
    import sre_parse as _sre_parse

MAX_PATTERN = 1000
MAX_PROGRAM = 1000
MAX_VALUE = 4096

_REFUSED = {
    'GROUPREF': 'a backreference', 'GROUPREF_EXISTS': 'a conditional group', 'ASSERT': 'a lookaround',
    'ASSERT_NOT': 'a lookaround', 'ATOMIC_GROUP': 'an atomic group', 'POSSESSIVE_REPEAT': 'a possessive repeat',
}
_ASCII_WORD = frozenset('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_')
_ASCII_SPACE = frozenset(' \t\n\r\f\v')
_ASCII_DIGIT = frozenset('0123456789')
# Python 3.14 lets \B match an empty text, earlier versions do not: follow the running Python.
_EMPTY_NON_BOUNDARY = re.search(r'\B', '') is not None


class PatternError(InputError):
    """A pattern that is not valid, or that cannot be searched in bounded time; the text completes
    "the pattern ..."."""


# --- instructions ---------------------------------------------------------------------------------
# ('char', test) consumes one character for which test(ch) holds; ('split', a, b) and ('jump', a)
# move without consuming; ('at', test) holds where test(text, position) does; ('match',) ends.

def _word_test(flags):
    if flags & _sre.SRE_FLAG_ASCII:
        return _ASCII_WORD.__contains__
    return lambda ch: ch.isalnum() or ch == '_'


def _category(category, flags):
    ascii_only = flags & _sre.SRE_FLAG_ASCII
    tests = {
        'DIGIT': _ASCII_DIGIT.__contains__ if ascii_only else str.isdecimal,
        'SPACE': _ASCII_SPACE.__contains__ if ascii_only else str.isspace,
        'WORD': _word_test(flags),
    }
    name = category.name.replace('CATEGORY_', '')
    test = tests.get(name.replace('NOT_', '', 1))
    if test is None:
        raise PatternError('uses the unsupported class %s' % category.name)
    if name.startswith('NOT_'):
        return lambda ch: not test(ch)
    return test


def _folded(test, flags):
    """``test`` that also holds for the other case of a character under IGNORECASE."""
    if not flags & _sre.SRE_FLAG_IGNORECASE:
        return test
    return lambda ch: test(ch) or test(ch.lower()) or test(ch.upper())


def _literal(code, flags):
    wanted = chr(code)
    return _folded(lambda ch: ch == wanted, flags)


def _char_set(items, flags):
    tests, negate = [], False
    for op, arg in items:
        name = op.name
        if name == 'NEGATE':
            negate = True
        elif name == 'LITERAL':
            tests.append(_literal(arg, flags))
        elif name == 'RANGE':
            low, high = chr(arg[0]), chr(arg[1])
            tests.append(_folded(lambda ch, low=low, high=high: low <= ch <= high, flags))
        elif name == 'CATEGORY':
            tests.append(_category(arg, flags))
        else:
            raise PatternError('uses the unsupported set item %s' % name)
    if negate:
        return lambda ch: not any(test(ch) for test in tests)
    return lambda ch: any(test(ch) for test in tests)


def _anchor(where, flags):
    multiline = flags & _sre.SRE_FLAG_MULTILINE
    name = where.name
    if name == 'AT_BEGINNING_STRING':
        return lambda text, at: at == 0
    if name == 'AT_END_STRING':
        return lambda text, at: at == len(text)
    if name == 'AT_BEGINNING':
        return lambda text, at: at == 0 or (multiline and text[at - 1] == '\n')
    if name == 'AT_END':
        return lambda text, at: (at == len(text) or (text[at] == '\n' and (multiline or at == len(text) - 1)))
    word = _word_test(flags)

    def boundary(text, at):
        return (at > 0 and word(text[at - 1])) != (at < len(text) and word(text[at]))
    if name == 'AT_BOUNDARY':
        return boundary
    if name == 'AT_NON_BOUNDARY':
        return lambda text, at: not boundary(text, at) and (_EMPTY_NON_BOUNDARY or text != '')
    raise PatternError('uses the unsupported anchor %s' % name)


class _Compiler:
    """Turns the parser's tree into instructions, counting them against MAX_PROGRAM."""

    def __init__(self):
        self.program = []

    def emit(self, *instruction):
        if len(self.program) >= MAX_PROGRAM:
            raise PatternError('expands to more than %d steps through its repeats' % MAX_PROGRAM)
        self.program.append(list(instruction))
        return len(self.program) - 1

    def sequence(self, items, flags):
        for op, arg in items:
            self.item(op.name, arg, flags)

    def item(self, name, arg, flags):
        if name in _REFUSED:
            raise PatternError('uses %s, which needs backtracking' % _REFUSED[name])
        if name == 'LITERAL':
            self.emit('char', _literal(arg, flags))
        elif name == 'NOT_LITERAL':
            test = _literal(arg, flags)
            self.emit('char', lambda ch: not test(ch))
        elif name == 'ANY':
            self.emit('char', (lambda ch: True) if flags & _sre.SRE_FLAG_DOTALL else (lambda ch: ch != '\n'))
        elif name == 'IN':
            self.emit('char', _char_set(arg, flags))
        elif name == 'AT':
            self.emit('at', _anchor(arg, flags))
        elif name == 'SUBPATTERN':
            _group, add, remove, items = arg
            self.sequence(items, (flags | add) & ~remove)
        elif name == 'BRANCH':
            self.branch(arg[1], flags)
        elif name in ('MAX_REPEAT', 'MIN_REPEAT'):
            # Greedy or lazy changes which match re returns, not whether there is one.
            self.repeat(arg, flags)
        else:
            raise PatternError('uses the unsupported element %s' % name)

    def branch(self, alternatives, flags):
        exits = []
        for alternative in alternatives[:-1]:
            split = self.emit('split', None, None)
            self.program[split][1] = len(self.program)
            self.sequence(alternative, flags)
            exits.append(self.emit('jump', None))
            self.program[split][2] = len(self.program)
        self.sequence(alternatives[-1], flags)
        for jump in exits:
            self.program[jump][1] = len(self.program)

    def repeat(self, arg, flags):
        low, high, items = arg
        for _copy in range(low):
            self.sequence(items, flags)
        if high == _sre.MAXREPEAT:
            split = self.emit('split', None, None)
            self.program[split][1] = len(self.program)
            self.sequence(items, flags)
            self.emit('jump', split)
            self.program[split][2] = len(self.program)
            return
        skips = []
        for _copy in range(high - low):
            skips.append(self.emit('split', None, None))
            self.program[skips[-1]][1] = len(self.program)
            self.sequence(items, flags)
        for split in skips:
            self.program[split][2] = len(self.program)


@functools.lru_cache(maxsize=64)
def compile_pattern(pattern):
    """The instructions of ``pattern``; PatternError says why there are none."""
    if len(pattern) > MAX_PATTERN:
        raise PatternError('is longer than %d characters' % MAX_PATTERN)
    try:
        parsed = _sre_parse.parse(pattern)
        compiler = _Compiler()
        compiler.sequence(parsed, parsed.state.flags)
    except re.error as exc:
        raise PatternError('is not a valid regular expression: %s' % exc)
    except RecursionError:
        raise PatternError('nests its groups too deeply')
    compiler.emit('match')
    return tuple(tuple(instruction) for instruction in compiler.program)


def search(pattern, text):
    """Whether ``pattern`` matches somewhere in ``text``, like ``re.search``, in bounded time.

    PatternError for the pattern; InputError for a text longer than MAX_VALUE.
    """
    program = compile_pattern(pattern)
    if len(text) > MAX_VALUE:
        raise InputError('the value has %d characters; regex searches values of at most %d' % (len(text), MAX_VALUE))
    current = []
    for at in range(len(text) + 1):
        # A match may start at any position: the start joins the threads still running.
        if _follow(program, text, at, current + [0], current):
            return True
        if at == len(text):
            return False
        char = text[at]
        current = [index + 1 for index in current if program[index][1](char)]
    return False


def _follow(program, text, at, starts, threads):
    """Fill ``threads`` with the 'char' instructions reachable from ``starts`` at ``at``; True on a match."""
    del threads[:]
    seen = set()
    pending = list(reversed(starts))
    while pending:
        index = pending.pop()
        if index in seen:
            continue
        seen.add(index)
        instruction = program[index]
        kind = instruction[0]
        if kind == 'char':
            threads.append(index)
        elif kind == 'match':
            return True
        elif kind == 'jump':
            pending.append(instruction[1])
        elif kind == 'split':
            pending.extend((instruction[2], instruction[1]))
        elif instruction[1](text, at):
            pending.append(index + 1)
    return False
