"""LaTeX text escaping and exact-number formatting.

Plain text from users (names, IDs, titles) always goes through
:func:`escape`; computed mathematics is built here from exact numbers and is
trusted by the templates.
"""

from __future__ import annotations

from fractions import Fraction
from numbers import Rational

import sympy

_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "^": r"\textasciicircum{}",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "%": r"\%",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
    '"': r"\textquotedbl{}",
    "'": r"\textquotesingle{}",
    "`": r"\textasciigrave{}",
}


def escape(text: object) -> str:
    """Escape plain text so that TeX prints it literally and runs nothing.

    Control characters (including the ``^^`` notation's targets) are dropped,
    every LaTeX special character becomes a command that prints it, line
    breaks become spaces, and ``--`` or ``,,`` are kept from turning into a
    dash or a quotation mark.
    """
    out = []
    text = str(text)
    for k, ch in enumerate(text):
        if ch in "-," and text[k + 1 : k + 2] == ch:
            out.append(ch + "{}")  # break TeX's ligatures: -- and --- are dashes, ,, a low quote
        elif ch in _SPECIALS:
            out.append(_SPECIALS[ch])
        elif ch in "\r\n\t":
            out.append(" ")
        elif ord(ch) < 32 or ord(ch) == 127:
            continue
        else:
            out.append(ch)
    return "".join(out)


def as_fraction(x: object) -> Fraction:
    if isinstance(x, Fraction):
        return x
    if isinstance(x, sympy.Rational):
        return Fraction(int(x.p), int(x.q))
    if isinstance(x, (int, Rational)):
        return Fraction(x)
    raise TypeError(f"not an exact rational: {x!r}")


def terminates(q: Fraction) -> bool:
    """Whether ``q`` has a finite decimal expansion (its denominator has no prime but 2 and 5)."""
    d = q.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    return d == 1


def decimal_str(q: Fraction) -> str:
    """Exact decimal for a terminating fraction: Fraction(-29, 10) -> '-2.9'."""
    q = as_fraction(q)
    if not terminates(q):
        raise ValueError(f"{q} has no finite decimal expansion")
    sign = "-" if q < 0 else ""
    q = abs(q)
    whole, rem = divmod(q.numerator, q.denominator)
    if rem == 0:
        return f"{sign}{whole}"
    digits = []
    while rem:
        rem *= 10
        d, rem = divmod(rem, q.denominator)
        digits.append(str(d))
    return f"{sign}{whole}.{''.join(digits)}"


def num(x: object, *, paren: bool = False) -> str:
    """LaTeX for an exact number: integers plainly, terminating fractions as
    decimals, other fractions as ``\\frac``. ``paren`` wraps negatives in
    parentheses (for use inside products such as ``3 \\times (-2)``)."""
    q = as_fraction(x)
    if q.denominator == 1:
        s = str(q.numerator)
    elif terminates(q):
        s = decimal_str(q)
    else:
        body = rf"\frac{{{abs(q.numerator)}}}{{{q.denominator}}}"
        s = ("-" if q < 0 else "") + body
    if paren and q < 0:
        return f"({s})"
    return s


def exact_str(x: object) -> str:
    """The contract's ``exact`` field: a string sympy.parse_expr reads."""
    q = as_fraction(x)
    if q.denominator == 1:
        return str(q.numerator)
    return f"{q.numerator}/{q.denominator}"


def json_number(x: object) -> int | float:
    """The contract's ``value`` field: int when whole, else float."""
    q = as_fraction(x)
    if q.denominator == 1:
        return int(q.numerator)
    return float(q)
