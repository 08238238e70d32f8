"""Exception classes: every user mistake raises one of these, with a message that
names the file (or theme, or option) and the cause in one line."""
from __future__ import annotations


class ZhspeechError(Exception):
    """Base class for errors caused by input, not by a bug in zhspeech."""

    def __init__(self, source, cause: str):
        self.source = str(source) if source is not None else ""
        self.cause = cause
        super().__init__(f"{self.source}: {cause}" if self.source else cause)


class DocumentError(ZhspeechError):
    """A document could not be read (empty, binary, undecodable, no text layer)."""


class UnsupportedFormatError(DocumentError):
    """The file extension is not one zhspeech reads."""


class EmptyCorpusError(ZhspeechError):
    """A folder or manifest yielded no readable texts."""


class LexiconError(ZhspeechError):
    """A lexicon or rule file is malformed (the message gives the line or key)."""


class ThemeError(ZhspeechError):
    """An unknown theme name was requested."""


class ReportError(ZhspeechError):
    """Notebook selection or execution problems in ``zhspeech report``."""


class GoldError(ZhspeechError):
    """A gold outline file is malformed or does not fit its text (the message gives the line)."""


class UsageError(ZhspeechError):
    """A command-line option or argument has a value zhspeech cannot use."""


class OutputError(ZhspeechError):
    """An output cannot be written where asked (it would overwrite an input, the folder
    is missing or read-only, the disk is full)."""


def quote(value, limit: int = 80) -> str:
    """``repr`` of a user-supplied value, cut to about ``limit`` characters, so that an
    error about a huge value stays one readable line."""
    text = repr(value)
    if len(text) <= limit:
        return text
    return text[: limit - 1] + "…" + f" ({len(str(value))} characters)"


def one_line(text: str, limit: int = 400) -> str:
    """``text`` with line breaks collapsed and cut to ``limit`` characters: the last guard
    that keeps every error message on one line of reasonable length."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
