"""Errors of the expression language.

Every problem with an expression is a :class:`Diagnostic` (a code, plain
words, a 1-based position span relative to the expression text, and a hint).
The exceptions carry one or more diagnostics plus the expression text, so they
can render the offending source line with a caret under the spot::

    expr:1:7: error[E-DSL-SYNTAX]: expected an operator or the end of the expression, found 'then'
      a + b then c
            ^^^^
      hint: ...

``dsl`` does not import ``engine``; the engine wraps these errors where it
needs an ``RpsyncError``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Diagnostic:
    """One problem in an expression; positions are 1-based, end exclusive."""

    code: str
    message: str
    line: int
    column: int
    end_line: int
    end_column: int
    hint: str | None = None

    def shifted(self, line_offset: int = 0, column_offset: int = 0) -> Diagnostic:
        """The same diagnostic moved by ``line_offset`` lines; ``column_offset``
        applies to positions on the expression's first line only (the text of an
        expression embedded in a YAML line starts at some column of that line)."""
        col = self.column + (column_offset if self.line == 1 else 0)
        end_col = self.end_column + (column_offset if self.end_line == 1 else 0)
        return replace(self, line=self.line + line_offset, column=col,
                       end_line=self.end_line + line_offset, end_column=end_col)

    def render(self, text: str | None = None, *, source: str | None = None,
               line_offset: int = 0, column_offset: int = 0) -> str:
        """``source:line:col: error[CODE]: message``, the source line with a caret
        under the span, and the hint. ``text`` is the expression text the
        positions refer to (before shifting)."""
        where = f"{source or 'expression'}:{self.line + line_offset}:" \
                f"{self.column + (column_offset if self.line == 1 else 0)}"
        out = [f"{where}: error[{self.code}]: {self.message}"]
        if text is not None:
            lines = text.split("\n")
            if 1 <= self.line <= len(lines):
                src = lines[self.line - 1].replace("\t", " ")
                width = (self.end_column - self.column) if self.end_line == self.line else len(src) - self.column + 1
                width = max(1, width)
                out.append("  " + src)
                out.append("  " + " " * (self.column - 1) + "^" * width)
        if self.hint:
            out.append(f"  hint: {self.hint}")
        return "\n".join(out)


class ExprError(Exception):
    """Base of every error the expression language raises."""

    code = "E-DSL"

    def __init__(self, diagnostics: list[Diagnostic] | Diagnostic | str, *, text: str | None = None,
                 source: str | None = None, hint: str | None = None) -> None:
        if isinstance(diagnostics, str):
            # an unlocated error (e.g. raised inside a function); the program
            # that catches it attaches the position of the failing call.
            diagnostics = [Diagnostic(self.code, diagnostics, 1, 1, 1, 1, hint)]
            self.located = False
        else:
            self.located = True
        if isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics: list[Diagnostic] = list(diagnostics)
        self.text = text
        self.source = source
        super().__init__(self.render())

    @property
    def diagnostic(self) -> Diagnostic:
        """The first (for runtime errors: the only) diagnostic."""
        return self.diagnostics[0]

    @property
    def message(self) -> str:
        return self.diagnostics[0].message

    @property
    def hint(self) -> str | None:
        return self.diagnostics[0].hint

    def render(self, source_line_offset: int = 0, source_column_offset: int = 0) -> str:
        """All diagnostics, each with its source line and a caret."""
        if not self.located:
            d = self.diagnostics[0]
            return d.message + (f"\n  hint: {d.hint}" if d.hint else "")
        return "\n".join(d.render(self.text, source=self.source, line_offset=source_line_offset,
                                  column_offset=source_column_offset) for d in self.diagnostics)

    def __str__(self) -> str:
        return self.render()


class ExprSyntaxError(ExprError):
    """The text is not a well-formed expression."""

    code = "E-DSL-SYNTAX"


class ExprCheckError(ExprError):
    """The expression is well-formed but a static check failed (unknown
    function, table or field, wrong number or type of arguments, …)."""

    code = "E-DSL-CHECK"


class ExprRuntimeError(ExprError):
    """Evaluating the expression failed (a bad value in the record, division by
    zero, a key missing from a translation table, a result too large, …).
    ``value`` is the offending value when there is one."""

    code = "E-DSL-RUNTIME"

    def __init__(self, diagnostics, *, text=None, source=None, hint=None, value=None) -> None:
        self.value = value
        super().__init__(diagnostics, text=text, source=source, hint=hint)
