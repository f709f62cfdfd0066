"""Diagnostics: what validation found, where, and what to change.

A :class:`Diagnostic` names a stable code (listed in :data:`CODES`), a plain
message, the position in the mapping file that wrote the offending value, and
an optional hint. It renders as

    mappings/acme.yaml:12:16: error[invalid-value]: direction must be one of both, to_pohoda, to_raynet; got 'to_pohda' — did you mean 'to_pohoda'?
      hint: ...

or as a GitHub workflow annotation line, or as a JSON object. Validation
collects every diagnostic instead of stopping at the first; a
:class:`MappingError` carries all of them.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from typing import Iterable, Sequence

from engine.errors import RpsyncError

#: every code validation can emit, with what it means (stable: CI scripts and
#: docs refer to them). Expression problems carry the expression checker's own
#: code behind the prefix ``expr-`` (see :func:`expression_code`).
CODES: dict[str, str] = {
    # reading the file
    "file-not-found": "the mapping file (or a file it extends) does not exist or cannot be read",
    "yaml-encoding": "the file is not UTF-8 text",
    "yaml-syntax": "the file is not valid YAML",
    "yaml-duplicate-key": "the same key is written twice in one map",
    "yaml-alias-limit": "too many YAML anchors/aliases, or aliases that expand too far (alias bomb)",
    "yaml-too-large": "the file is larger than a mapping file can reasonably be",
    "yaml-too-deep": "the YAML nests deeper than any mapping needs",
    "yaml-unsupported": "a YAML feature mapping files do not use (tags, merge keys `<<`, complex keys, several documents)",
    "not-a-mapping": "the file does not hold a map of keys at its top level",
    "schema-comment": "the `# yaml-language-server: $schema=…` first line is missing or points nowhere",
    # overlays
    "extends-not-found": "`extends:` names a mapping that does not exist",
    "extends-cycle": "files extend each other in a circle",
    "extends-version": "an overlay and the mapping it extends declare different format versions",
    "remove-missing": "`null` removes a key that the extended mapping does not have",
    # the JSON Schema, translated
    "unknown-key": "a key the mapping format does not have here",
    "missing-key": "a required key is missing",
    "wrong-type": "a value of the wrong kind (text, number, list, map …)",
    "invalid-value": "a value outside the allowed choices",
    "invalid-format": "a text value that does not have the required form",
    "out-of-range": "a number, text length or list size outside its bounds",
    "duplicate-item": "the same item is listed twice",
    "schema": "the value does not fit the mapping format (no more specific code applies)",
    # semantic checks
    "fixed-direction": "an agenda configured in a direction its link does not allow (R-G4, R-O*, R-S*, R-L*, R-F5)",
    "mandatory-agenda": "the address book cannot be switched off (R-G4)",
    "mechanism": "a mechanism choice (R-A1, R-D1, R-P2) that is not exactly one of its choices, or lacks the "
                 "bindings it needs",
    "agenda-dependency": "an agenda enabled (or run in a direction) without the agenda it builds on",
    "binding-direction": "a field binding that cannot run in the direction it is configured for",
    "unknown-table": "an expression or key names a translation table that is not declared",
    "table-coverage": "a translation table misses states the source system can produce and has no default",
    "table-key": "a translation table has a key that is not a state of its source system",
    "table-domain": "a translation table is used for states it does not translate",
    "currency": "a currency without a price list in that currency, or a price list in an undeclared currency (R-G5, R-C3)",
    "secret-in-mapping": "a credential or secret reference in a mapping file (R-G8)",
    "unknown-field": "a field path that the field catalog of that record does not have",
    "field-type": "a field bound to a field of an incompatible type",
    "field-length": "a value longer than the target field allows",
    "expr": "an expression problem reported by the expression checker",
}

_EXPR_PREFIX = "expr-"


def expression_code(dsl_code: str | None) -> str:
    """The diagnostic code for a problem the dsl checker reported with ``dsl_code``."""
    return f"{_EXPR_PREFIX}{dsl_code}" if dsl_code else "expr"


def is_known_code(code: str) -> bool:
    return code in CODES or code.startswith(_EXPR_PREFIX)


@dataclass(frozen=True, slots=True)
class Position:
    """A place in a mapping file: 1-based line and column."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{display_path(self.file)}:{self.line}:{self.column}"


def display_path(file: str) -> str:
    """Show ``file`` relative to the working directory when it lies below it."""
    try:
        rel = os.path.relpath(file)
    except ValueError:  # other drive on Windows
        return file
    return file if rel.startswith("..") else rel


ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str
    message: str
    position: Position | None
    hint: str | None = None
    severity: str = ERROR

    def __post_init__(self) -> None:
        if not is_known_code(self.code):
            raise ValueError(f"unregistered diagnostic code {self.code!r}")
        if self.severity not in (ERROR, WARNING):
            raise ValueError(f"severity must be error or warning, not {self.severity!r}")

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def sort_key(self) -> tuple:
        p = self.position
        return (p.file, p.line, p.column, self.code, self.message) if p else ("", 0, 0, self.code, self.message)

    def render(self) -> str:
        """``file:line:col: error[CODE]: message`` plus an indented hint line."""
        where = f"{self.position}: " if self.position else ""
        text = f"{where}{self.severity}[{self.code}]: {self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text

    def to_json(self) -> dict:
        p = self.position
        return {
            "file": display_path(p.file) if p else None,
            "line": p.line if p else None,
            "column": p.column if p else None,
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "hint": self.hint,
        }

    def render_github(self) -> str:
        """A GitHub Actions workflow command that annotates the file at the position."""
        props = []
        if self.position:
            p = self.position
            props += [f"file={_gh_prop(display_path(p.file))}", f"line={p.line}", f"col={p.column}"]
        props.append(f"title={_gh_prop(self.code)}")
        body = self.message + (f"\nhint: {self.hint}" if self.hint else "")
        return f"::{self.severity} {','.join(props)}::{_gh_data(body)}"


def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_prop(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


def sorted_unique(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Diagnostics in file order, each reported once."""
    seen: set[tuple] = set()
    out = []
    for d in sorted(diagnostics, key=Diagnostic.sort_key):
        key = (d.sort_key(), d.severity)
        if key not in seen:
            seen.add(key)
            out.append(d)
    return out


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """The closest of ``choices`` to a misspelt ``word``, if one is close enough."""
    pool = [c for c in choices if isinstance(c, str)]
    match = difflib.get_close_matches(str(word), pool, n=1, cutoff=0.6)
    if not match:
        lowered = {c.lower(): c for c in pool}
        return lowered.get(str(word).lower())
    return match[0]


def suggestion_suffix(word: str, choices: Iterable[str]) -> str:
    best = did_you_mean(word, choices)
    return f" — did you mean '{best}'?" if best is not None and best != word else ""


def quote_list(values: Sequence) -> str:
    return ", ".join(str(v) for v in values)


class MappingError(RpsyncError):
    """A mapping file (or a file it extends) is invalid; carries every diagnostic found."""

    code = "E-MAPPING"

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        self.diagnostics = list(diagnostics)
        errors = [d for d in self.diagnostics if d.is_error]
        head = f"the mapping is invalid ({len(errors)} error{'s' if len(errors) != 1 else ''})"
        super().__init__(head + "\n" + "\n".join(d.render() for d in self.diagnostics))

    def __str__(self) -> str:
        return self.message

