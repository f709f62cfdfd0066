"""Mapping test files (``*_test.yaml``): finding them, reading them, checking them.

A test file sits beside the mapping it tests and is named like it with
``_test`` (``acme.yaml`` → ``acme_test.yaml``; the ``mapping:`` key names
another file). It is read with the mapping loader (positions kept, the same
limits on untrusted YAML), checked against its own JSON Schema
(``engine/mappingtest/schema.json``, printed in the reference manual) and
against the rules the schema cannot say (which expectations fit which given
record). Every problem is a :class:`~engine.mapping.diagnostics.Diagnostic` at
its line and column; a file with problems raises :class:`TestFileError`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Iterable

from jsonschema import Draft202012Validator

from engine.errors import RpsyncError
from engine.mapping.diagnostics import Diagnostic, Position, sorted_unique
from engine.mapping.loader import YamlMap, YamlNode, YamlSeq, load_file
from engine.mapping.schema import translate_errors

TEST_SUFFIXES = ("_test.yaml", "_test.yml")

#: what each expectation needs the case to give
_NEEDS = {
    "transfers": ("raynet", "pohoda"),
    "filter": ("raynet", "pohoda"),
    "quarantine": ("raynet", "pohoda"),
    "trigger": ("raynet",),
    "pohoda": ("raynet",),
    "raynet": ("pohoda",),
    "state": ("pohoda",),
    "tables": ("pohoda", "state"),
}
_WHY = {
    "trigger": "the trigger decides when a Raynet record goes to POHODA",
    "pohoda": "the POHODA document is rendered from a Raynet record",
    "raynet": "the Raynet values are computed from a POHODA record",
    "state": "the state is computed from a POHODA record",
    "tables": "the tables translate a state: give given.state, or a POHODA record of an agenda with `state`",
}


class TestFileError(RpsyncError):
    """A test file cannot be run as written; carries every diagnostic found."""

    __test__ = False  # not a pytest class
    code = "E-TEST-FILE"

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics = sorted_unique(diagnostics)
        super().__init__("\n".join(d.render() for d in self.diagnostics))


@dataclass(frozen=True)
class Expectation:
    """One checked value: ``kind`` is the key under ``expect`` (``pohoda``, ``filter`` …); ``field`` the path,
    table key or quarantine part below it, if any."""

    kind: str
    field: str | None
    value: Any
    position: Position

    @property
    def label(self) -> str:
        return f"expect.{self.kind}" + (f".{self.field}" if self.field is not None else "")


@dataclass(frozen=True)
class Case:
    """One test case as written (plain values) with the positions of its parts."""

    index: int
    name: str
    position: Position
    agenda: str | None
    table: str | None
    key: Any
    #: "raynet" (tests to_pohoda), "pohoda" (tests to_raynet) or None
    given_side: str | None
    given: dict | None
    given_position: Position | None
    state: str | None
    links: tuple[dict, ...]
    #: the Raynet instance's lists for this case (file-level, overridden per list by the case)
    instance: dict
    expectations: tuple[Expectation, ...]

    def wants(self, kind: str) -> bool:
        return any(e.kind == kind for e in self.expectations)


@dataclass(frozen=True)
class TestFile:
    __test__ = False

    path: Path
    mapping_path: Path
    mapping_position: Position | None
    description: str | None
    cases: tuple[Case, ...]


# ------------------------------------------------------------------------------------------- finding


def is_test_file(path: Path) -> bool:
    return path.name.endswith(TEST_SUFFIXES)


def companion_test_file(mapping: Path) -> Path | None:
    """The test file beside a mapping file (``acme.yaml`` → ``acme_test.yaml``), if there is one."""
    for suffix in TEST_SUFFIXES:
        candidate = mapping.with_name(mapping.stem + suffix)
        if candidate.is_file():
            return candidate
    return None


def default_mapping_for(test_path: Path) -> Path:
    """``acme_test.yaml`` → ``acme.yaml`` (same folder, same extension)."""
    name = test_path.name
    for suffix in TEST_SUFFIXES:
        if name.endswith(suffix):
            return test_path.with_name(name[: -len(suffix)] + suffix[len("_test"):])
    return test_path


def discover(paths: Iterable[str | Path]) -> tuple[list[Path], list[str]]:
    """(test files, problems): files as given (a mapping file stands for its test file), folders searched
    for ``*_test.yaml`` (hidden folders skipped). Problems are usage errors (no such path …)."""
    found: list[Path] = []
    problems: list[str] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for candidate in sorted(path.rglob("*")):
                rel = candidate.relative_to(path)
                if candidate.is_file() and is_test_file(candidate) and \
                        not any(part.startswith(".") for part in rel.parts):
                    found.append(candidate)
        elif path.is_file():
            if is_test_file(path):
                found.append(path)
            else:
                test = companion_test_file(path)
                if test is None:
                    problems.append(f"{path} is not a test file and has no {path.stem}_test.yaml beside it")
                else:
                    found.append(test)
        else:
            problems.append(f"no such file or folder: {path}")
    unique = list(dict.fromkeys(found))
    return unique, problems


# ------------------------------------------------------------------------------------------- reading


def schema_text() -> str:
    return resources.files("engine.mappingtest").joinpath("schema.json").read_text(encoding="utf-8")


@cache
def schema() -> dict:
    return json.loads(schema_text())


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(schema())


def load_test_file(path: str | Path) -> TestFile:
    """Read and check a test file; raises :class:`TestFileError` with every problem."""
    path = Path(path)
    loaded = load_file(path)
    diagnostics = list(loaded.diagnostics)
    root = loaded.root
    if root is None:
        raise TestFileError(diagnostics or [Diagnostic("not-a-mapping", "the test file is empty",
                                                       Position(str(path), 1, 1))])
    diagnostics += translate_errors(_validator().iter_errors(root.to_plain()), root)
    if any(d.is_error for d in diagnostics):
        raise TestFileError(diagnostics)
    builder = _Builder(path, root)
    test_file = builder.build()
    if builder.diagnostics:
        raise TestFileError(builder.diagnostics)
    return test_file


class _Builder:
    def __init__(self, path: Path, root: YamlMap) -> None:
        self.path = path
        self.root = root
        self.diagnostics: list[Diagnostic] = []

    def error(self, code: str, message: str, pos: Position, hint: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(code, message, pos, hint=hint))

    def build(self) -> TestFile:
        root = self.root
        mapping_node = root.get("mapping")
        if mapping_node is not None:
            mapping_path = self.path.parent / str(mapping_node.to_plain())
        else:
            mapping_path = default_mapping_for(self.path)
        description = root.get("description")
        instance = _plain(root.get("raynet_instance")) or {}
        tests = root.get("tests")
        assert isinstance(tests, YamlSeq)  # the schema says so
        cases = tuple(self.case(i, node, instance) for i, node in enumerate(tests.items))
        return TestFile(self.path, mapping_path, mapping_node.pos if mapping_node is not None else None,
                        description.to_plain() if description is not None else None, cases)

    def case(self, index: int, node: YamlNode, file_instance: dict) -> Case:
        assert isinstance(node, YamlMap)
        plain = node.to_plain()
        agenda, table = plain.get("agenda"), plain.get("table")
        given_node = node.get("given")
        given = plain.get("given") or {}
        sides = [s for s in ("raynet", "pohoda") if s in given]
        expect_node = node.get("expect")
        assert isinstance(expect_node, YamlMap)
        if agenda and table:
            self.error("schema", "a test case tests either an agenda or a table, not both", node.pos,
                       hint="split it into two cases")
        if table is not None:
            if "key" not in plain:
                self.error("missing-key", "a table case needs the key to look up (`key:`)", node.pos)
            for key, entry in expect_node.entries.items():
                if key != "value":
                    self.error("invalid-value", f"expect.{key} does not apply to a table case; expect its `value`",
                               entry.key_pos)
            if given_node is not None:
                self.error("invalid-value", "a table case has no given record; it looks up `key` in `table`",
                           given_node.pos)
        elif agenda is None:
            self.error("missing-key", "a test case needs `agenda:` (with a given record) or `table:` (with a key)",
                       node.pos, hint="e.g. agenda: address_book and given: {raynet: {…}}")
        else:
            if "key" in plain:
                self.error("invalid-value", "`key:` belongs to table cases; an agenda case gives a record",
                           node.entries["key"].key_pos)
            if given_node is None:
                self.error("missing-key", "an agenda case needs `given:` — a raynet record, a pohoda record "
                           "or a state", node.pos)
            elif len(sides) > 1:
                self.error("invalid-value", "given holds one record: raynet (tests the way to POHODA) or pohoda "
                           "(tests the way to Raynet) — write two cases for the two ways", given_node.pos)
            if "value" in expect_node.entries:
                self.error("invalid-value", "expect.value is the result of a table case (`table:` and `key:`)",
                           expect_node.entries["value"].key_pos)
            have = set(sides) | ({"state"} if "state" in given else set())
            for key, entry in expect_node.entries.items():
                needs = _NEEDS.get(key)
                if needs and not have & set(needs) and given_node is not None:
                    wanted = " or ".join(f"given.{n}" for n in needs)
                    why = f" ({_WHY[key]})" if key in _WHY else ""
                    self.error("missing-key", f"expect.{key} needs {wanted}{why}", entry.key_pos)
        case_instance = dict(file_instance)
        case_instance.update(_plain(node.get("raynet_instance")) or {})
        side = sides[0] if len(sides) == 1 else None
        record_node = given_node.get(side) if isinstance(given_node, YamlMap) and side else None
        return Case(
            index=index, name=str(plain.get("name")), position=node.pos, agenda=agenda, table=table,
            key=plain.get("key"), given_side=side, given=given.get(side) if side else None,
            given_position=record_node.pos if record_node is not None else None,
            state=given.get("state"), links=tuple(plain.get("links") or ()), instance=case_instance,
            expectations=tuple(_expectations(expect_node)),
        )


def _expectations(expect: YamlMap) -> Iterable[Expectation]:
    for kind, entry in expect.entries.items():
        node = entry.node
        if kind in ("tables", "raynet", "pohoda") and isinstance(node, YamlMap):
            for field, sub in node.entries.items():
                yield Expectation(kind, field, sub.node.to_plain(), sub.node.pos)
        elif kind == "quarantine" and isinstance(node, YamlMap):
            for part, sub in node.entries.items():
                yield Expectation(kind, part, sub.node.to_plain(), sub.node.pos)
        else:
            yield Expectation(kind, None, node.to_plain(), node.pos)


def _plain(node: YamlNode | None) -> Any:
    return node.to_plain() if node is not None else None
