"""Run test files: load each mapping once, run every case, collect the results."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from engine.mapping import MappingError, load_mapping
from engine.mapping.diagnostics import Diagnostic, Position
from engine.mapping.model import Mapping
from engine.mappingtest.evaluate import CaseResult, run_case
from engine.mappingtest.harness import Harness
from engine.mappingtest.testfile import TestFile, TestFileError, load_test_file


@dataclass
class FileResult:
    path: Path
    cases: list[CaseResult] = field(default_factory=list)
    #: the test file cannot be read or is not valid (exit 2)
    file_errors: list[Diagnostic] = field(default_factory=list)
    #: the mapping under test is not valid (the tests fail: exit 1)
    mapping_errors: list[Diagnostic] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def passed(self) -> int:
        return sum(1 for c in self.cases if c.passed)

    @property
    def failed(self) -> int:
        return sum(1 for c in self.cases if c.failures)

    @property
    def invalid(self) -> int:
        return sum(1 for c in self.cases if c.invalid) + (1 if self.file_errors else 0)


def run_test_file(path: str | Path, *, _mappings: dict[Path, Mapping] | None = None) -> FileResult:
    """Every case of one test file (``_mappings`` caches loaded mappings across files)."""
    started = time.perf_counter()
    result = FileResult(Path(path))
    try:
        test_file = load_test_file(path)
    except TestFileError as exc:
        result.file_errors = exc.diagnostics
        result.seconds = time.perf_counter() - started
        return result
    mapping = _load(test_file, result, _mappings if _mappings is not None else {})
    if mapping is not None:
        harness = Harness(mapping)
        result.cases = [run_case(case, harness) for case in test_file.cases]
    result.seconds = time.perf_counter() - started
    return result


def _load(test_file: TestFile, result: FileResult, cache: dict[Path, Mapping]) -> Mapping | None:
    key = test_file.mapping_path.resolve()
    if key in cache:
        return cache[key]
    if not test_file.mapping_path.is_file():
        where = test_file.mapping_position or Position(str(test_file.path), 1, 1)
        result.file_errors = [Diagnostic(
            "file-not-found", f"the mapping under test, {test_file.mapping_path}, does not exist", where,
            hint="name it with `mapping:` (relative to the test file), or name the test file after the mapping "
                 "(acme.yaml → acme_test.yaml)")]
        return None
    try:
        mapping = load_mapping(test_file.mapping_path)
    except MappingError as exc:
        result.mapping_errors = [d for d in exc.diagnostics if d.is_error]
        return None
    cache[key] = mapping
    return mapping


def run_test_files(paths: Iterable[Path]) -> list[FileResult]:
    cache: dict[Path, Mapping] = {}
    return [run_test_file(p, _mappings=cache) for p in paths]
