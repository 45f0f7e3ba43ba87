"""CEL string literals: quoting styles, raw strings and escape sequences.

Kept apart from the tree transformer because message templates decode their
literal chunks with the same rules.
"""

from __future__ import annotations

_SIMPLE_ESCAPES = {
    "a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
    "\\": "\\", "'": "'", '"': '"', "`": "`", "?": "?",
}


class StringLiteralError(ValueError):
    """An invalid escape; `offset` is relative to the decoded chunk's start."""

    def __init__(self, message: str, offset: int):
        super().__init__(message)
        self.offset = offset


def split_literal(token: str) -> tuple[str, bool, bool, int, int]:
    """Return (prefix-free body, raw, bytes, body start, body end) of a token."""
    i = 0
    raw = is_bytes = False
    while token[i] in "rRbB":
        raw |= token[i] in "rR"
        is_bytes |= token[i] in "bB"
        i += 1
    quote = token[i : i + 3] if token[i : i + 3] in ('"""', "'''") else token[i]
    start, end = i + len(quote), len(token) - len(quote)
    return token[start:end], raw, is_bytes, start, end


def decode(body: str, raw: bool) -> str:
    """Interpret CEL escapes (`\\n`, `\\x41`, `\\u00e9`, `\\101` ...)."""
    if raw or "\\" not in body:
        return body
    out: list[str] = []
    i, n = 0, len(body)
    while i < n:
        ch = body[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        if i + 1 >= n:
            raise StringLiteralError("a string cannot end with a lone backslash", i)
        esc = body[i + 1]
        if esc in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[esc])
            i += 2
        elif esc in "xX":
            out.append(_code_point(body, i, 2, 16))
            i += 4
        elif esc == "u":
            out.append(_code_point(body, i, 4, 16))
            i += 6
        elif esc == "U":
            out.append(_code_point(body, i, 8, 16))
            i += 10
        elif esc in "0123":
            out.append(_code_point(body, i - 1, 3, 8))
            i += 4
        else:
            raise StringLiteralError(f"invalid escape sequence '\\{esc}'", i)
    return "".join(out)


def _code_point(body: str, at: int, width: int, base: int) -> str:
    digits = body[at + 2 : at + 2 + width]
    try:
        if len(digits) != width:
            raise ValueError
        value = int(digits, base)
        if 0xD800 <= value <= 0xDFFF:
            raise ValueError
        return chr(value)
    except ValueError:
        raise StringLiteralError("invalid escape sequence: bad code point", at) from None


def quote(value: str, mark: str = '"') -> str:
    """The canonical quoted spelling of a string, as `fmt` prints it: double
    quotes, or single ones inside a message template's `{...}`."""
    out = [mark]
    for ch in value:
        if ch == mark:
            out.append("\\" + mark)
        elif ch == '"':  # inside a message's {...}, a bare " would end the message
            out.append("\\x22")
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    out.append(mark)
    return "".join(out)
