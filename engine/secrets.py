"""Secrets (API keys, passwords) that must never be printed.

A ``Secret`` holds its value privately; ``str()``/``repr()``/f-strings show a
redacted marker. Code that needs the value calls ``reveal()`` at the last
moment (building an Authorization header). ``redact(text)`` removes every
secret value ever created in this process from a text, as a last line of
defence for logs, reports and error messages.
"""

from __future__ import annotations

import threading

_REDACTED = "***"
#: values shorter than this are not scrubbed from free text by ``redact`` (a
#: one-letter test key would mangle every message); the primary defence is that
#: a Secret never formats as its value.
MIN_REDACT_LENGTH = 8
_known: set[str] = set()
_lock = threading.Lock()


class Secret:
    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError("a Secret holds a string")
        self._value = value
        if len(value) >= MIN_REDACT_LENGTH:
            with _lock:
                _known.add(value)

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __str__(self) -> str:
        return _REDACTED

    def __repr__(self) -> str:
        return "Secret('***')"

    def __format__(self, spec: str) -> str:
        return _REDACTED

    def __reduce__(self):  # never pickle a secret into a file by accident
        raise TypeError("a Secret cannot be pickled")


def redact(text: str) -> str:
    """Replace every known secret value in ``text`` by ``***``."""
    with _lock:
        values = sorted(_known, key=len, reverse=True)
    for value in values:
        if value in text:
            text = text.replace(value, _REDACTED)
    return text
