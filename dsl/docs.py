"""The generated parts of docs/dsl.md: the null table and the function reference.

    python -m dsl.docs            # rewrite the generated sections of docs/dsl.md
    python -m dsl.docs --check    # exit 1 if docs/dsl.md is out of date

Both sections are rendered from data that the test suite executes cell by
cell: :data:`OPERATOR_NULLS` below and, per function, ``FunctionSpec.null_cases``
and ``FunctionSpec.examples`` from :mod:`dsl.functions`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from dsl.functions import FUNCTIONS
from dsl.values import dumps

#: the table the null cases use: ``t = {"a": "A"}`` (no default)
NULL_TABLES = {"t": {"a": "A"}}

#: (expression, expected, rule) — every operator with null operands (evaluated with an empty env)
OPERATOR_NULLS: tuple[tuple[str, object, str], ...] = (
    ("null + 1", None, "arithmetic with a null operand is null"),
    ("1 + null", None, ""),
    ("null - 1", None, ""),
    ("1 - null", None, ""),
    ("null * 2", None, ""),
    ("2 * null", None, ""),
    ("null / 2", None, ""),
    ("2 / null", None, "(no division-by-zero error)"),
    ("null % 2", None, ""),
    ("2 % null", None, ""),
    ("-null", None, ""),
    ("null == null", True, "null equals only null"),
    ("null == 0", False, ""),
    ('null == ""', False, ""),
    ("null != null", False, ""),
    ("null != 0", True, ""),
    ("null < 1", None, "ordering with a null operand is null (false in conditions)"),
    ("1 < null", None, ""),
    ("null <= 1", None, ""),
    ("null > 1", None, ""),
    ("null >= 1", None, ""),
    ("null in [1, null]", True, "membership uses =="),
    ("null in [1, 2]", False, ""),
    ('null in "abc"', False, "null is not a part of any text"),
    ("1 in null", False, "a null container is empty"),
    ('"a" in null', False, ""),
    ("null not in [1, 2]", True, ""),
    ("1 not in null", True, ""),
    ('null ~ "a"', "a", "~ writes null as empty text"),
    ('"a" ~ null', "a", ""),
    ("null ~ null", "", ""),
    ("null ?? 1", 1, "?? replaces only null"),
    ("0 ?? 1", 0, ""),
    ("null ?? null", None, ""),
    ("null and true", False, "null is false in conditions; and/or give true or false"),
    ("true and null", False, ""),
    ("null or true", True, ""),
    ("null or null", False, ""),
    ("not null", True, ""),
    ("if null then 1 else 2", 2, ""),
    ("missing", None, "a missing name is null"),
    ("missing.deeper.path", None, "a path through null or a missing key is null"),
    ("null.x", None, ""),
    ("null[0]", None, ""),
    ("[1, 2][5]", None, "a position past the end is null"),
    ('$["no such key"]', None, ""),
    ("[null]", [None], "lists keep null elements"),
)


def _cell(value) -> str:
    return dumps(value).replace("|", "\\|")


def _code(text: str) -> str:
    return "`" + text.replace("|", "\\|") + "`" if "`" not in text else "``" + text + "``"


def render_null_table() -> str:
    lines = ["| expression | result | rule |", "|---|---|---|"]
    for expression, expected, rule in OPERATOR_NULLS:
        lines.append(f"| {_code(expression)} | {_cell(expected)} | {rule} |")
    lines.append("")
    lines.append('Functions (the table `t` is `{"a": "A"}` without default):')
    lines.append("")
    lines.append("| function | expression | result | rule |")
    lines.append("|---|---|---|---|")
    for name in sorted(FUNCTIONS):
        spec = FUNCTIONS[name]
        if not spec.null_cases:
            lines.append(f"| `{name}` | — | — | {spec.null} |")
        for i, (expression, expected) in enumerate(spec.null_cases):
            lines.append(f"| {f'`{name}`' if i == 0 else ''} | {_code(expression)} | {_cell(expected)} "
                         f"| {spec.null if i == 0 else ''} |")
    return "\n".join(lines)


def render_functions() -> str:
    out = []
    for name in sorted(FUNCTIONS):
        spec = FUNCTIONS[name]
        out.append(f"### `{name}`")
        out.append("")
        out.append(f"`{spec.signature}`")
        out.append("")
        out.append(spec.doc)
        out.append("")
        out.append(f"Null: {spec.null}.")
        if spec.examples:
            out.append("")
            out.append("| example | names | result |")
            out.append("|---|---|---|")
            for ex in spec.examples:
                env = dumps(ex.env) if ex.env else ""
                if ex.tables:
                    env = (env + " " if env else "") + "tables " + dumps(ex.tables)
                out.append(f"| {_code(ex.expression)} | {_code(env) if env else ''} | {_cell(ex.expected)} |")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


SECTIONS = {"null-table": render_null_table, "functions": render_functions}


def render_reference(current: str) -> str:
    """``current`` (the text of docs/dsl.md) with every generated section re-rendered."""
    text = current
    for name, render in SECTIONS.items():
        begin = f"<!-- BEGIN GENERATED {name} (python -m dsl.docs) -->"
        end = f"<!-- END GENERATED {name} -->"
        if begin not in text or end not in text:
            raise ValueError(f"docs/dsl.md lacks the markers of the generated section '{name}'")
        head, rest = text.split(begin, 1)
        _, tail = rest.split(end, 1)
        text = f"{head}{begin}\n{render().rstrip()}\n{end}{tail}"
    return text


def docs_path() -> Path:
    return Path(__file__).resolve().parent.parent / "docs" / "dsl.md"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    path = docs_path()
    current = path.read_text(encoding="utf-8")
    fresh = render_reference(current)
    if "--check" in argv:
        if fresh != current:
            print(f"{path} is out of date; run: python -m dsl.docs", file=sys.stderr)
            return 1
        return 0
    if fresh != current:
        path.write_text(fresh, encoding="utf-8")
        print(f"updated {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
