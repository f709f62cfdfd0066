"""``rpsync fmt``: mapping files and mapping test files in one canonical layout, comments kept.

    from engine.fmt import format_text, format_file
    new_text = format_text(text, kind="mapping")      # or kind="test"; raises FormatError
    changed = format_file(path, check=False)          # True when the file was (or would be) rewritten

The file is read with the mapping loader (positions of every key, item and
scalar, the same limits on untrusted YAML); comments are attached to the keys
and items they describe (:mod:`engine.fmt.comments`) and everything is written
again in the canonical layout (:mod:`engine.fmt.layout`), keys in the order of
the file's JSON Schema (mapping files: ``engine/mapping/schema.json``; test
files: ``engine/mappingtest/schema.json``). Formatting is idempotent, and it is
checked before anything is written: the new text must read back to the same
values with the same comments, or the file is left alone with an error.
"""

from __future__ import annotations

from pathlib import Path

from engine.errors import RpsyncError
from engine.fmt.comments import attach
from engine.fmt.layout import Layout
from engine.fmt.schema_order import SchemaWalker
from engine.mapping.loader import load_text

__all__ = ["FormatError", "format_file", "format_text", "kind_of"]


class FormatError(RpsyncError):
    code = "E-FMT"


def kind_of(path: Path) -> str:
    """``test`` for mapping test files (``*_test.yaml``), else ``mapping``."""
    from engine.mappingtest.testfile import is_test_file

    return "test" if is_test_file(path) else "mapping"


def _walker(kind: str) -> SchemaWalker:
    if kind == "test":
        from engine.mappingtest.testfile import schema
    else:
        from engine.mapping.schema import schema
    return SchemaWalker(schema())


def format_text(text: str, *, kind: str = "mapping", file: str = "<yaml>") -> str:
    """``text`` in the canonical layout; :class:`FormatError` when it is not valid YAML or cannot be kept."""
    text = text.replace("\r\n", "\n").lstrip("\ufeff")
    loaded = load_text(text, file)
    errors = [d for d in loaded.diagnostics if d.is_error]
    if errors or loaded.root is None:
        first = errors[0].render() if errors else f"{file}: the file is empty or not a map of keys"
        raise FormatError(f"{first}\n(rpsync fmt rewrites only valid YAML; fix this first)")
    comments = attach(text, loaded.root)
    new = Layout(text, loaded.root, comments, _walker(kind)).render()
    _verify(text, new, loaded.root.to_plain(), comments.texts, file)
    return new


def _verify(old: str, new: str, values: object, comment_texts: list[str], file: str) -> None:
    reloaded = load_text(new, file)
    if reloaded.root is None or reloaded.root.to_plain() != values:
        raise FormatError(f"{file}: the canonical layout would change a value; the file is left as it is",
                          hint="please report this with the file (rpsync fmt must never change meaning)")
    if sorted(attach(new, reloaded.root).texts) != sorted(comment_texts):
        raise FormatError(f"{file}: the canonical layout would lose a comment; the file is left as it is",
                          hint="please report this with the file (rpsync fmt must keep every comment)")


def format_file(path: str | Path, *, check: bool = False) -> bool:
    """Rewrite ``path`` in the canonical layout (with ``check``: only tell). True when it changes."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FormatError(f"{path}: cannot read the file: {exc}") from None
    new = format_text(text, kind=kind_of(path), file=str(path))
    if new == text:
        return False
    if not check:
        tmp = path.with_name(path.name + ".rpsync-fmt.tmp")
        tmp.write_text(new, encoding="utf-8")
        tmp.replace(path)
    return True
