"""Errors a user of rpsync can see.

Every foreseeable problem is an ``RpsyncError`` (or a subclass) whose message
says where (file:line:col, or record and field) and what to change. The CLI
prints ``str(error)`` and exits with the command's documented code; it never
shows a traceback for these.
"""

from __future__ import annotations


class RpsyncError(Exception):
    """Base class of every user-facing rpsync error."""

    #: short stable code, e.g. ``"E-MAP-SCHEMA"``; subclasses override
    code: str = "E-RPSYNC"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}\n  hint: {self.hint}"
        return self.message


class ConfigError(RpsyncError):
    """A connection profile or command-line setting is wrong."""

    code = "E-CONFIG"
