"""Reading what ansible-core prints alike on every core the collection supports."""

import re

from ansible.release import __version__

CORE = tuple(int(part) for part in __version__.split(".")[:2])
# ansible-core 2.19 reworked how warnings and errors are shown: before it, each warning is wrapped
# at 79 columns and an inventory source that fails to parse is reported in another form.
WRAPS_WARNINGS = CORE < (2, 19)


def unwrapped(text):
    """``text`` with each run of whitespace made one space, and the breaks that wrapping puts after
    a hyphen (inside a path or a word) removed: a message then reads the same whether or not a core
    wrapped it."""
    if WRAPS_WARNINGS:
        text = re.sub(r"(?<=\S-)\n(?=\S)", "", text)
    return " ".join(text.split())


def messages(text):
    """The lines of ``text``, with each wrapped warning or error made one line again: on a core that
    wraps, a message goes on in lines that neither start with "[" (as "[WARNING]: " does) nor are blank."""
    if not WRAPS_WARNINGS:
        return text.splitlines()
    return [unwrapped(part) for part in re.split(r"\n(?=\[|\s*\n)", text)]
