"""Mapping unit tests: ``*_test.yaml`` files beside a mapping, run by ``rpsync test``.

    from engine.mappingtest import discover, run_test_files
    files, problems = discover(["mappings/"])
    results = run_test_files(files)        # -> [FileResult(cases=[CaseResult(failures=[Failure…])])]

Each case gives a record from one side (a Raynet record, or a POHODA record as
the catalogs name its fields) and expects what the mapping makes of it: the
filter's decision, a quarantine message, the trigger, the Raynet values a step
would write, fields of the rendered POHODA document, the agenda's state and
its tables — or a table's translation of a key. Everything runs offline
through the engine's own steps (``harness``), in milliseconds per case.

Modules: ``testfile`` (finding, reading and checking test files; the format is
``schema.json``), ``records`` (given records shaped and typed like the
engine's), ``harness`` (a step with an offline context), ``document`` (the
rendered POHODA document read back), ``compare`` (matching values),
``evaluate`` (one case), ``runner`` (files), ``output`` (text and GitHub
annotations). The format is documented in docs/reference/test-files.md.
"""

from engine.mappingtest.evaluate import CaseResult, Failure
from engine.mappingtest.runner import FileResult, run_test_file, run_test_files
from engine.mappingtest.testfile import TestFile, TestFileError, discover, load_test_file

__all__ = [
    "CaseResult", "Failure", "FileResult", "TestFile", "TestFileError", "discover", "load_test_file",
    "run_test_file", "run_test_files",
]
