"""Hostile mapping files (consultants' files are untrusted input): expression sandbox escapes, YAML alias bombs,
enormous and deeply nested files, literal secrets (R-G8), wrong types everywhere, regular expressions that
backtrack without bound. Each gives a clear error naming file, line and column (or, at run time, the record),
within bounded time and memory — ``validate`` never runs anything a mapping says, and never crashes.
"""

from __future__ import annotations

import time
import tracemalloc

import pytest

from engine.mapping import validate
from engine.resources import mappings_dir
from tests.evidence.conftest_badinput import hostile_world
from tests.sync.helpers import linked_pohoda_id, raynet_company

STANDARD = mappings_dir() / "standard.yaml"
SECRET = "S3cr3t-raynet-9f2c"


def overlay(tmp_path, body: str, name: str = "customer.yaml"):
    path = tmp_path / name
    path.write_text(f"version: 1\nextends: {STANDARD}\n{body}", encoding="utf-8")
    return path


def expression_overlay(tmp_path, expression: str):
    """The expression as to_pohoda of the address book's note: it sits on line 9, from column 20."""
    return overlay(tmp_path, "agendas:\n  address_book:\n    fields:\n      note:\n"
                             "        pohoda: addressbookHeader.note\n        raynet: notice\n"
                             "        to_pohoda: '" + expression.replace("'", "''") + "'\n")


def checked(path, *, seconds: float = 3.0, megabytes: float = 30.0):
    """``validate(path)`` within the bounds; its error diagnostics (the model must be refused)."""
    tracemalloc.start()
    start = time.monotonic()
    try:
        model, diagnostics = validate(path)
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert time.monotonic() - start < seconds
    assert peak < megabytes * 1e6, peak
    errors = [d for d in diagnostics if d.is_error]
    assert model is None and errors, diagnostics
    for d in errors:                  # (a broken overlay may also break what it extends: those name their file)
        assert d.position.file and d.position.line >= 1 and d.position.column >= 1, d
    mine = [d for d in errors if d.position.file == str(path)]
    assert mine, errors
    return mine


@pytest.mark.parametrize("expression, code", [
    ("notice.__class__", "expr-name"),                       # attribute access / dunder
    ("notice.__class__.__mro__[1].__subclasses__()", "expr-"),
    ('__import__("os").system("id")', "expr-"),
    ('open("/etc/passwd")', "expr-unknown-function"),
    ('eval("1 + 1")', "expr-unknown-function"),
    ('getattr(notice, "upper")', "expr-unknown-function"),
    ("notice.upper()", "expr-syntax"),                        # methods: not the language
    ("x => x", "expr-syntax"),                                # a lambda outside a list function
    ("lambda: 1", "expr-syntax"),
    ('[c for c in notice]', "expr-syntax"),
    ("notice ** 999999999", "expr-syntax"),                   # no power operator: no huge exponents
    ("(" * 30_000 + "1" + ")" * 30_000, "expr-"),             # over the expression length: refused, no recursion
    ('count(items, a => count(items, b => count(items, c => count(items, d => 1))))', "expr-"),  # nesting limit
    ('"${env:RAYNET_API_KEY}"', "secret"),                   # a credential reference, even as text (R-G8)
], ids=lambda v: v[:24] if isinstance(v, str) else str(v))
def test_expression_escapes_are_refused_with_file_line_and_column(tmp_path, expression, code):
    path = expression_overlay(tmp_path, expression)
    errors = checked(path)
    assert any(d.code.startswith(code) for d in errors), errors
    assert any(d.position.line == 9 for d in errors), errors


def test_yaml_alias_bombs_are_refused_before_they_expand(tmp_path):
    # many aliases (9 per level, 9 levels: 9^9 nodes) …
    wide = "tables:\n  a0: &a0 {x: 1, y: 2}\n" + "".join(
        f"  a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]\n" for i in range(1, 10))
    # … or few aliases that still multiply (7 per level, 7 levels = 49 uses: 7^7 = 823,543 nodes)
    narrow = "tables:\n  a0: &a0 {x: 1, y: 2}\n" + "".join(
        f"  a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 7) + "]\n" for i in range(1, 8))
    for name, text in (("wide", wide), ("narrow", narrow)):
        errors = checked(overlay(tmp_path, text, f"{name}.yaml"), seconds=2, megabytes=20)
        assert any(d.code.startswith("yaml-alias") or "alias" in d.message for d in errors), (name, errors)


def test_enormous_and_deeply_nested_files_are_refused_without_being_parsed(tmp_path):
    huge = overlay(tmp_path, "description: '" + "x" * 30_000_000 + "'\n", "huge.yaml")
    [error] = [d for d in checked(huge, seconds=1, megabytes=5) if d.code == "yaml-too-large"]
    assert (error.position.line, error.position.column) == (1, 1) and "262,144 bytes" in error.message
    deep = overlay(tmp_path, "tables:\n  t: " + "[" * 20_000 + "]" * 20_000 + "\n", "deep.yaml")
    assert any(d.code == "yaml-too-deep" for d in checked(deep, seconds=2))
    many_keys = overlay(tmp_path, "tables:\n  t:\n    default: x\n    entries:\n" + "".join(
        f"      k{i}: v{i}\n" for i in range(10_000)), "many.yaml")          # near the size limit
    start = time.monotonic()
    model, diagnostics = validate(many_keys)                                 # big but sound: accepted, quickly
    assert model is not None and time.monotonic() - start < 5, [d for d in diagnostics if d.is_error][:3]


@pytest.mark.parametrize("body, line", [
    (f"raynet:\n  api_key: {SECRET}\n", 4),
    (f"pohoda:\n  password: '{SECRET}'\n", 4),
    ("pohoda:\n  password: '${env:POHODA_PASSWORD}'\n", 4),            # not even as a reference
    (f"settings:\n  token: {SECRET}\n", 4),
    (f"agendas:\n  address_book:\n    secret: {SECRET}\n", 5),
], ids=["api_key", "password", "env_reference", "token", "nested"])
def test_literal_secrets_are_refused_and_never_echoed_R_G8(tmp_path, body, line):
    errors = checked(overlay(tmp_path, body))
    secret = [d for d in errors if d.code == "secret-in-mapping"]
    assert secret and secret[0].position.line == line, errors
    for d in errors:
        assert SECRET not in f"{d.message} {d.hint}"                   # the diagnostic never shows the value


@pytest.mark.parametrize("body, line, words", [
    ("agendas:\n  address_book:\n    direction: 5\n", 5, "direction"),
    ("agendas:\n  stock:\n    enabled: 'yes'\n", 5, "enabled"),
    ("agendas:\n  address_book:\n    fields: [1, 2]\n", 5, "fields"),
    ("agendas:\n  address_book:\n    fields:\n      name:\n        pohoda: [1]\n", 7, "pohoda"),
    ("tables: 7\n", 3, "tables"),
    ("agendas:\n  contracts:\n    trigger_to_pohoda: {a: 1}\n", 5, "trigger_to_pohoda"),
    ("version: [1]\n", 3, "version"),
    ("agendas: !!python/object/apply:os.system ['id']\n", 3, "tag"),
], ids=["number_for_text", "text_for_bool", "list_for_map", "list_for_path", "number_for_map", "map_for_expr",
        "list_for_version", "python_tag"])
def test_wrong_types_everywhere_name_file_line_and_column(tmp_path, body, line, words):
    errors = checked(overlay(tmp_path, body))
    assert any(d.position.line == line and (words in d.message or words in (d.hint or "")) for d in errors), errors


@pytest.mark.timeout(60)   # without the bound this match runs for hours
def test_a_regex_that_backtracks_without_bound_quarantines_the_record_in_bounded_time(tmp_path, pohoda_xsd_dir):
    mapping = expression_overlay(tmp_path, 'if regex_match(notice ?? "", "^(a|a)*$") then "shoda" else notice')
    with hostile_world(tmp_path / "w", pohoda_xsd_dir, mapping_path=mapping) as w:
        slow = raynet_company(w, "Pomalá", ico="27082440", notice="a" * 40 + "b")
        fine = raynet_company(w, "Rychlá", ico="27082441", notice="aaaa")
        start = time.monotonic()
        result = w.run(only=["address_book"])
        assert time.monotonic() - start < 5
    [q] = result.report.quarantine
    assert int(q.record) == slow and "took longer than" in q.message and "(a|a)*" in q.message, q
    assert linked_pohoda_id(w, "address_book", fine) is not None
