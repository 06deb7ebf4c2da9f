"""Exceptions the command line turns into one clear line and an exit code."""

import re


class GeneratorError(Exception):
    """A problem the user can act on; the CLI prints it as one line."""

    exit_code = 1


class UsageError(GeneratorError):
    """Bad input: a seed, option value, file or folder the tool cannot use."""

    exit_code = 2


class VerificationError(GeneratorError):
    """Two independent routes disagree on an answer: the version must not ship."""

    exit_code = 3


class SamplingError(GeneratorError):
    """The sampler could not find a draw that satisfies every rule."""

    exit_code = 3


class TexError(GeneratorError):
    """TeX is missing or a document failed to compile."""

    exit_code = 4


class OutputError(GeneratorError):
    """A file could not be written (a full disk, a file where a folder belongs);
    nothing partial was left."""

    exit_code = 4


# Characters that would break a message's one line or change how it reads on a
# terminal: C0 and C1 controls (newline, carriage return, escape), the line
# and paragraph separators, and the bidirectional controls.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str) -> str:
    """``text`` with every such character written as an escape (``\\n``,
    ``\\x1b``, ``\\u2028``), so that a path or a name with a newline in it
    keeps a message on one line."""
    return _UNPRINTABLE.sub(lambda m: _NAMED.get(m.group(), f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                                                 else f"\\u{ord(m.group()):04x}"), text)


def message(exc: GeneratorError) -> str:
    """How the command line prints ``exc``: one line, escaped. A TeX failure
    quotes its log under that line, each log line escaped."""
    text = str(exc)
    if isinstance(exc, TexError) and _QUOTE in text:
        head, log = text.split(_QUOTE, 1)
        return printable(head + _QUOTE.rstrip()) + "".join("\n" + printable(line) for line in log.split("\n"))
    return printable(text)


_QUOTE = "did not compile:\n"  # how a TeX failure's message ends its line before the log
