"""Exit codes of every ``rpsync`` command, in one registry.

CI scripts branch on these codes, so they are part of the product's contract.
The reference manual (``docs/reference/cli.md``, ``python -m engine.docs``)
prints this table, and ``engine.cli`` appends each command's codes to its
``--help``. A command is named as it is typed (``"pohoda validate"``).

Adding a command: add its line here (the docs test fails until every command
has its exit codes). A command missing here falls back to the
``Exit codes: …`` sentence of its module docstring.

Every command also exits 2 when click/Typer refuses the command line (an
unknown option, a missing argument).
"""

from __future__ import annotations

EXIT_CODES: dict[str, dict[int, str]] = {
    "demo": {
        0: "the demo world is synced (a second demo: nothing new; the records bad on purpose stay in quarantine)",
        1: "the sync failed (the message says why); the next demo finishes the work",
        2: "usage error: --workdir is a file, no XSD folder at --xsd",
        3: "this run put records into quarantine that were not there before (the first demo: the records "
           "bad on purpose, each with what to change)",
    },
    "export": {
        0: "the file was written (or nothing new to export); with --responses: every answered order was imported",
        1: "failure: Raynet cannot be read, the outbox cannot be written, the state cannot be used, a response "
           "file cannot be read",
        2: "usage error: invalid mapping or profile, no outbox (with --responses: no inbox) configured",
        3: "some business cases could not be exported (listed: record, field, rule, what to change) while the "
           "others were written; with --responses: POHODA refused some orders (listed with its message)",
    },
    "expr": {
        0: "the expression ran; its result is printed as JSON",
        1: "the expression is wrong, or fails on the record (the error is shown with a caret)",
        2: "usage error: an option, or a record or tables file that cannot be read",
    },
    "fmt": {
        0: "the files are formatted (with --check: every file already was)",
        1: "with --check: some files would change (they are listed)",
        2: "usage error: no such path, no YAML file found, or a file that is not valid YAML",
    },
    "init": {
        0: "the overlay, its test file and the profile template were written",
        2: "usage error: a bad customer name, or the files exist already (nothing is overwritten)",
    },
    "plan": {
        0: "nothing to do (or --explain printed the steps)",
        1: "the dry run failed (the message says why)",
        2: "changes to make (they are listed); also a usage error (no --profile, a bad profile)",
    },
    "pohoda fetch-xsd": {
        0: "the XSD set is downloaded and unpacked",
        1: "the download or the unpacking failed",
    },
    "pohoda validate": {
        0: "every file is valid against the POHODA XSDs",
        1: "at least one file is invalid (its errors are listed)",
        2: "usage error: no XSD folder found",
    },
    "rebind": {
        0: "every link is re-resolved in the new accounting unit (with --dry-run: would be)",
        1: "refused or failed: links matching several records of the new unit (nothing was changed), a unit of "
           "another IČ, unsettled writes of the old unit",
        2: "usage error: a bad profile, a sync that never ran",
        3: "some links could not be re-resolved (listed; kept, detached, never re-created)",
    },
    "run": {
        0: "everything went through",
        1: "the run failed (also: the state database is locked by another process, read-only or damaged); "
           "nothing half-done is lost, the next run goes on",
        2: "usage error: a bad profile, a stale or unreadable saved plan",
        3: "some records were quarantined (the rest went through; the report says which and why)",
    },
    "sandbox pohoda": {
        0: "stopped cleanly (Ctrl-C)",
        2: "bad options or seed file, or the port is taken",
    },
    "sandbox raynet": {
        0: "stopped cleanly (Ctrl-C or SIGTERM)",
        2: "bad options or seed file, or the port is taken",
    },
    "schema": {
        0: "the JSON Schema (of mapping files, or with --test-file of test files) is printed",
    },
    "status": {
        0: "shown; nothing in quarantine",
        1: "the state database cannot be read: locked by another process (a run holding it longer than 5 s), "
           "damaged (the message says what to do)",
        2: "usage error: a bad profile",
        3: "records are in quarantine (they are listed)",
    },
    "test": {
        0: "every test passed",
        1: "a test failed (expected and actual values are shown at the test's line), or the mapping under "
           "test is not valid",
        2: "usage error, or a test file that is not valid (no such path, no test file found, a key the test "
           "format does not have, a field or table the test names that does not exist)",
    },
    "validate": {
        0: "every file is valid (warnings allowed)",
        1: "at least one error",
        2: "usage error: no such path, no mapping file found",
    },
}


def describe(codes: dict[int, str]) -> str:
    """``0 …; 1 …`` — one line, for ``--help``."""
    return "; ".join(f"{code} {text}" for code, text in sorted(codes.items()))


def command_paths(app) -> list[tuple[str, object]]:
    """(``"group command"``, CommandInfo) of every command registered on a Typer app, sub-apps included."""
    out: list[tuple[str, object]] = []
    for info in app.registered_commands:
        out.append((info.name or info.callback.__name__.replace("_", "-"), info))
    for group in app.registered_groups:
        sub = group.typer_instance
        prefix = group.name or sub.info.name
        out += [(f"{prefix} {name}", info) for name, info in command_paths(sub)]
    return out


def attach_to_help(app) -> None:
    """Append each command's exit codes to its ``--help`` (unless its help states them already)."""
    for name, info in command_paths(app):
        codes = EXIT_CODES.get(name)
        stated = "Exit codes" in (info.help or getattr(info.callback, "__doc__", None) or "")
        if codes and info.epilog is None and not stated:
            info.epilog = "Exit codes: " + describe(codes)
