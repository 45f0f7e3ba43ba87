"""Find `#` comments in rule text, skipping string literals.

The parser drops comments; `fmt` must not, so it asks this scanner where
they are and puts them back around the clauses they sit next to.
"""

from __future__ import annotations

import re

_STRING = re.compile(
    r'[rRbB]{0,2}("""([^"\\]|\\[\s\S]|"(?!""))*"""|\'\'\'([^\'\\]|\\[\s\S]|\'(?!\'\'))*\'\'\''
    r'|"([^"\\\n]|\\.)*"|\'([^\'\\\n]|\\.)*\')'
)


def find_comments(text: str) -> list[tuple[int, str]]:
    """(offset, text) of every comment, in order."""
    found: list[tuple[int, str]] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "#":
            end = text.find("\n", i)
            end = n if end == -1 else end
            found.append((i, text[i:end].rstrip()))
            i = end
        elif ch in "\"'" or (ch in "rRbB" and i + 1 < n and text[i + 1] in "\"'rRbB"):
            m = _STRING.match(text, i)
            if m:
                i = m.end()
            else:
                i += 1
        elif ch.isalnum() or ch == "_":
            # skip a whole word so a prefix letter inside a name is not a string prefix
            j = i + 1
            while j < n and (text[j].isalnum() or text[j] == "_"):
                j += 1
            i = j
        else:
            i += 1
    return found
