"""How test results are shown: text for people, annotations for GitHub workflows."""

from __future__ import annotations

from typing import Iterable

from engine.mapping.diagnostics import Position, _gh_data, _gh_prop, display_path
from engine.mappingtest.evaluate import CaseResult, Failure
from engine.mappingtest.runner import FileResult


def case_title(result: CaseResult) -> str:
    case = result.case
    what = case.agenda or f"table {case.table}"
    return f"{what}: {case.name}"


def failure_lines(failure: Failure) -> list[str]:
    lines = [f"    {failure.position}: {failure.label}",
             f"      expected: {failure.expected}",
             f"      actual:   {failure.actual}"]
    if failure.note:
        lines.append(f"      ({failure.note})")
    return lines


def text_lines(results: Iterable[FileResult], *, verbose: bool = False) -> list[str]:
    lines: list[str] = []
    for file in results:
        name = display_path(str(file.path))
        for d in file.file_errors:
            lines.append(d.render())
        if file.mapping_errors:
            lines.append(f"{name}: the mapping under test is not valid:")
            lines += ["  " + d.render() for d in file.mapping_errors]
        for case in file.cases:
            if case.passed:
                if verbose:
                    lines.append(f"PASS  {case_title(case)}")
                continue
            lines.append(f"FAIL  {case.case.position}: {case_title(case)}" if case.failures
                         else f"ERROR {case.case.position}: {case_title(case)}")
            for failure in case.failures:
                lines += failure_lines(failure)
            if case.invalid:
                lines.append(f"    {case.invalid}")
        lines.append(f"{name}: {file_summary(file)}")
    return lines


def file_summary(file: FileResult) -> str:
    if file.file_errors:
        return "not run: the test file is not valid"
    if file.mapping_errors:
        return f"{len(file.mapping_errors)} error{'s' if len(file.mapping_errors) != 1 else ''} in the mapping; " \
               "no test run"
    return f"{counts(file.passed, file.failed, file.invalid)} ({file.seconds:.2f} s)"


def counts(passed: int, failed: int, invalid: int) -> str:
    parts = [f"{passed} passed"]
    if failed:
        parts.append(f"{failed} failed")
    if invalid:
        parts.append(f"{invalid} invalid")
    return ", ".join(parts)


def github_lines(results: Iterable[FileResult]) -> list[str]:
    """GitHub workflow commands: an error annotation per failure, at its line in the test file."""
    lines: list[str] = []
    for file in results:
        for d in file.file_errors + file.mapping_errors:
            lines.append(d.render_github())
        for case in file.cases:
            for f in case.failures:
                body = f"{case_title(case)} — {f.label}: expected {f.expected}, actual {f.actual}" + (
                    f" ({f.note})" if f.note else "")
                lines.append(_annotation(f.position, body))
            if case.invalid:
                lines.append(_annotation(case.case.position, case.invalid))
    return lines


def _annotation(position: Position, message: str) -> str:
    where = f"file={_gh_prop(display_path(position.file))},line={position.line},col={position.column}"
    return f"::error {where},title=rpsync test::{_gh_data(message)}"
