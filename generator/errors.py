"""Exceptions the command line turns into one clear line and an exit code."""


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
