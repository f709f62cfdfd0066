"""``rpsync test [PATH…]``: run the mapping unit tests (``*_test.yaml``), offline.

Folders are searched for ``*_test.yaml`` files; a mapping file stands for the
test file beside it (``acme.yaml`` → ``acme_test.yaml``). Each failure shows
the expected and the actual value at its line and column in the test file.

Exit codes: 0 every test passed; 1 a test failed, or the mapping under test
is not valid; 2 usage error or an invalid test file (no such path, no test
file found, a key the test format does not have, a field or table the test
names that does not exist).
"""

from __future__ import annotations

import time
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from engine.cli.app import app

EXIT_PASSED, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class TestOutput(str, Enum):
    __test__ = False  # not a pytest class

    text = "text"
    github = "github"


@app.command("test")
def test_command(
    paths: Optional[List[Path]] = typer.Argument(
        None, help="Test files, mapping files (their *_test.yaml), or folders to search (default: the current "
                   "folder)."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="List passing tests too."),
    output_format: TestOutput = typer.Option(
        TestOutput.text, "--format", case_sensitive=False,
        help="text, or github (workflow annotations at the failing lines)."),
) -> None:
    """Run mapping unit tests (*_test.yaml) offline; show expected vs actual at the test's line.

    Exit codes: 0 every test passed; 1 a test failed or the mapping under test is not valid;
    2 usage error or an invalid test file.
    """
    from engine.mappingtest import discover, run_test_files
    from engine.mappingtest.output import counts, github_lines, text_lines

    started = time.perf_counter()
    files, problems = discover(paths or [Path(".")])
    for problem in problems:
        typer.echo(f"rpsync test: {problem}", err=True)
    if problems:
        raise typer.Exit(EXIT_USAGE)
    if not files:
        typer.echo("rpsync test: no test files (*_test.yaml) found in "
                   + ", ".join(str(p) for p in (paths or [Path(".")])), err=True)
        raise typer.Exit(EXIT_USAGE)
    results = run_test_files(files)
    lines = github_lines(results) if output_format is TestOutput.github else text_lines(results, verbose=verbose)
    for line in lines:
        typer.echo(line)
    passed = sum(r.passed for r in results)
    failed = sum(r.failed for r in results)
    invalid = sum(r.invalid for r in results)
    broken_mappings = sum(1 for r in results if r.mapping_errors)
    total = sum(len(r.cases) for r in results)
    summary = (f"{len(files)} test file{'s' if len(files) != 1 else ''}, {total} test{'s' if total != 1 else ''}: "
               f"{counts(passed, failed, invalid)} in {time.perf_counter() - started:.2f} s")
    if broken_mappings:
        summary += f"; {broken_mappings} mapping{'s' if broken_mappings != 1 else ''} not valid"
    typer.echo(summary)
    if invalid:
        raise typer.Exit(EXIT_USAGE)
    raise typer.Exit(EXIT_FAILED if failed or broken_mappings else EXIT_PASSED)
