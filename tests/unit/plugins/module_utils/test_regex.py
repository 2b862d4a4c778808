# -*- coding: utf-8 -*-
# Copyright: contributors to the coder.coderd collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The bounded regular expression search of the regex operator (plugins/module_utils/_regex.py)."""

import itertools
import re

import pytest

from ansible_collections.coder.coderd.plugins.module_utils import _regex
from ansible_collections.coder.coderd.plugins.module_utils._compare import ComparisonError, compare

# Patterns of every element the search supports, each against texts that match and texts that do not.
PATTERNS = [
    r'^https://', r'^v\d+\.\d+\.\d+(\+|$)', r'^(127\.|localhost:|\[::1\]:)', r'\.example\.com$', r'coder',
    r'^\*\.coder\.example\.com$', r'a|b|', r'(ab|a)(c|bcd)(d*)$', r'x{2,3}', r'x{2,}?y', r'(x?){3}x{3}',
    r'[^a-c\d]', r'[\w.-]+@[\w-]+', r'\bword\b', r'\Bor\B', r'\A\s*\Z', r'(?i)CODER', r'(?i:[a-c])x',
    r'(?m)^b$', r'(?s)a.b', r'a.b', r'$', r'^$', r'\n$', r'(?a)\w+', r'\d', r'(?a)\d', r'[^\W_]+',
    r'(a*)*b', r'(a|aa)+$', r'(?x) a b  # spaced', r'(?P<name>ab)+', r'(?:ab)*?c', r'[-a]', r'\S\s\S',
]
TEXTS = ['', 'a', 'ab', 'abcd', 'abd', 'aab', 'xxy', 'xxxxy', 'https://coder.example.com', 'http://x',
         'v2.34.3', 'v2.34.3+0a1b2c3', 'v2.34.0-rc.1', '127.0.0.1:2112', '0.0.0.0:2112', '*.coder.example.com',
         'a\nb\n', 'a\nb', 'word', 'swordfish', 'a word.', 'CoDeR', 'user@host-1', '  \t', '\n', 'x',
         '\u0663\u0664', 'caf\u00e9_1', 'B', 'a-b', 'a b c', 'aaaaaaaaaaaa']


@pytest.mark.parametrize('pattern', PATTERNS)
def test_search_agrees_with_python(pattern):
    compiled = re.compile(pattern)
    for text in TEXTS:
        assert _regex.search(pattern, text) == (compiled.search(text) is not None), (pattern, text)


@pytest.mark.parametrize('pattern, text', [
    (r'(a+)+$', 'a' * 40 + '!'),
    (r'^(a|aa)+$', 'a' * 41 + 'b'),
    (r'(x+x+)+y', 'x' * 35),
    (r'^(\w+\s?)*$', 'An input that ends badly with a dot at its end.'),
    (r'\d*\d*\d*\d*\d*\d*\d*\d*\d*\d*x', '1' * 40),
])
def test_patterns_that_backtrack_for_ages_in_python_return_at_once(pattern, text):
    # Python's re takes 2**40 steps or so for each; here every step of the pattern is visited at
    # most once per character, so there is no timing to assert: the test either ends or hangs.
    assert _regex.search(pattern, text) is False


@pytest.mark.parametrize('pattern, words', [
    (r'(a)\1', 'a backreference'),
    (r'(?P<x>a)(?P=x)', 'a backreference'),
    (r'a(?=b)', 'a lookaround'),
    (r'(?<!a)b', 'a lookaround'),
    (r'(a)?(?(1)b|c)', 'a conditional group'),
    ('x' * 1001, 'is longer than 1000 characters'),
    (r'a{1001}', 'expands to more than 1000 steps'),
    (r'(a{40}){40}', 'expands to more than 1000 steps'),
    (r'(unclosed', 'is not a valid regular expression: missing ), unterminated subpattern'),
])
def test_patterns_that_cannot_be_searched_in_bounded_time_are_refused(pattern, words):
    with pytest.raises(_regex.PatternError, match=re.escape(words)):
        _regex.compile_pattern(pattern)


@pytest.mark.skipif(not hasattr(re, 'NOFLAG'), reason='atomic groups and possessive repeats need Python 3.11')
@pytest.mark.parametrize('pattern, words', [(r'(?>a+)b', 'an atomic group'), (r'a++b', 'a possessive repeat')])
def test_atomic_groups_and_possessive_repeats_are_refused(pattern, words):
    with pytest.raises(_regex.PatternError, match=words):
        _regex.compile_pattern(pattern)


def test_the_value_is_bounded_too():
    assert _regex.search('x$', 'a' * (_regex.MAX_VALUE - 1) + 'x')
    with pytest.raises(ValueError, match='the value has 4097 characters; regex searches values of at most 4096'):
        _regex.search('x', 'a' * (_regex.MAX_VALUE + 1))


def test_the_operator_names_the_pattern_and_why():
    with pytest.raises(ComparisonError) as caught:
        compare('regex', 'aa', r'(a)\1')
    assert str(caught.value) == r"regex '(a)\\1' uses a backreference, which needs backtracking"
    with pytest.raises(ComparisonError, match='^regex: the value has 5000 characters'):
        compare('regex', 'a' * 5000, 'a')
    assert compare('regex', True, '^true$') and not compare('regex', None, '.*')


def test_every_element_combination_of_two_agrees_with_python():
    atoms = [r'a', r'.', r'\d', r'[ab]', r'[^a]', r'\b', r'^', r'$', r'(a|b)', r'(?i:A)']
    quantifiers = ['', '*', '+', '?', '{2}', '{0,2}?']
    pieces = [atom + quantifier if atom not in (r'\b', '^', '$') else atom
              for atom, quantifier in itertools.product(atoms, quantifiers)]
    for first, second in itertools.product(sorted(set(pieces)), repeat=2):
        pattern = first + second
        compiled = re.compile(pattern)
        for text in ('', 'a', 'ab', 'ba1', 'A a', 'aab\n'):
            assert _regex.search(pattern, text) == (compiled.search(text) is not None), (pattern, text)
