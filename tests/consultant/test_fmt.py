"""`rpsync fmt`: canonical layout, comments kept, idempotent, shipped files already formatted."""

from __future__ import annotations

import io
import re
import string

from hypothesis import assume, given, settings, strategies as st
from ruamel.yaml import YAML

from engine.fmt import FormatError, format_text
from engine.fmt.comments import attach
from engine.mapping.loader import load_text
from engine.resources import mappings_dir

MESSY = """\
# yaml-language-server: $schema=mapping.schema.json
# Acme's mapping: header comment, stays on top.
agendas:
    stock:   # the stock agenda
        fields:
            code: {raynet: code, pohoda: stockHeader.code}
        # the warehouse filter (R-G7)
        filter:
            to_raynet: "stockHeader.isSales == true"     # only items for sale
        enabled: true


    # the address book is mandatory (R-G4)
    address_book:
        checks:
            named:
                message: "the client has no name"
                rule: >-
                  trim(name ?? "")
                  != ""
                direction: to_pohoda
        direction: both
extends: standard
version: 1
# the end
"""

EXPECTED = """\
# yaml-language-server: $schema=mapping.schema.json
# Acme's mapping: header comment, stays on top.
version: 1
extends: standard
agendas:
  # the address book is mandatory (R-G4)
  address_book:
    direction: both
    checks:
      named:
        direction: to_pohoda
        rule: >-
          trim(name ?? "")
          != ""
        message: the client has no name
  stock:   # the stock agenda
    enabled: true
    # the warehouse filter (R-G7)
    filter:
      to_raynet: 'stockHeader.isSales == true'     # only items for sale
    fields:
      code: {pohoda: stockHeader.code, raynet: code}
# the end
"""


def _comments(text: str) -> list[str]:
    return sorted(attach(text, load_text(text).root).texts)


def test_the_canonical_layout():
    assert format_text(MESSY) == EXPECTED


def test_formatting_twice_is_formatting_once_and_keeps_values_and_comments():
    once = format_text(MESSY)
    assert format_text(once) == once
    assert load_text(once).root.to_plain() == load_text(MESSY).root.to_plain()
    assert _comments(once) == _comments(MESSY)
    assert len(_comments(MESSY)) == 7


def test_every_shipped_file_is_formatted(cli):
    result = cli("fmt", "--check", mappings_dir())
    assert result.exit_code == 0, result.output
    assert re.search(r"0 files would be reformatted, \d+ unchanged", result.output)
    assert int(re.search(r"(\d+) unchanged", result.output).group(1)) >= 8  # 4 mappings + 4 test files


def test_check_lists_files_and_changes_nothing(cli, write):
    messy = write("acme.yaml", MESSY)
    clean = write("clean.yaml", EXPECTED)
    result = cli("fmt", "--check", messy.parent)
    assert result.exit_code == 1
    assert f"would reformat {messy}" in result.output and str(clean) not in result.output
    assert messy.read_text(encoding="utf-8") == MESSY
    result = cli("fmt", messy.parent)
    assert result.exit_code == 0 and f"reformatted {messy}" in result.output
    assert messy.read_text(encoding="utf-8") == EXPECTED
    assert cli("fmt", "--check", messy.parent).exit_code == 0


def test_test_files_follow_their_own_schema(write, cli):
    path = write("acme_test.yaml", "tests:\n- expect: {transfers: true}\n  given: {raynet: {id: 1}}\n"
                                   "  agenda: address_book\n  name: x   # why\n")
    assert cli("fmt", path).exit_code == 0
    assert path.read_text(encoding="utf-8") == (
        "tests:\n  - name: x   # why\n    agenda: address_book\n    given: {raynet: {id: 1}}\n"
        "    expect: {transfers: true}\n")


def test_invalid_yaml_is_left_alone_with_exit_2(cli, write):
    path = write("broken.yaml", "version: 1\nagendas: [\n")
    result = cli("fmt", path)
    assert result.exit_code == 2
    assert "yaml-syntax" in result.output and "fix this first" in result.output
    assert path.read_text(encoding="utf-8") == "version: 1\nagendas: [\n"
    assert cli("fmt", path.parent / "missing").exit_code == 2


def test_quoting_keeps_every_text_a_text():
    text = ("version: 1\ntables:\n  t:\n    entries:\n      a: 'yes'\n      b: '21'\n      c: '+420 601'\n"
            "      d: \"it's\"\n      e: 'x: y'\n      f: \"tab\\there\"\n      g: '#hash'\n      h: 2025-03-14\n"
            "      '*': default\n      21: high\n")
    out = format_text(text)
    assert load_text(out).root.to_plain() == load_text(text).root.to_plain()
    assert "a: 'yes'" in out and "b: '21'" in out and "c: '+420 601'" in out and "d: it's" in out
    assert "e: 'x: y'" in out and 'f: "tab\\there"' in out and "g: '#hash'" in out and "h: 2025-03-14" in out
    assert "'*': default" in out and "21: high" in out


def test_a_multi_line_text_becomes_a_literal_block():
    out = format_text('version: 1\ndescription: "first line\\nsecond line"\n')
    assert out == "version: 1\ndescription: |-\n  first line\n  second line\n"


def test_a_comment_that_closes_a_block_stays_with_it():
    text = "agendas:\n  stock:\n    fields:\n      a: {raynet: b}\n    # about stock\n\n  # about the book\n" \
           "  address_book:\n    enabled: true\nversion: 1\n"
    out = format_text(text)
    assert out == ("version: 1\nagendas:\n  # about the book\n  address_book:\n    enabled: true\n  stock:\n"
                   "    fields:\n      a: {raynet: b}\n    # about stock\n")


def test_format_errors_never_pass_silently():
    try:
        format_text("")
    except FormatError as exc:
        assert "empty" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("an empty file must be refused")


_WORDS = st.text(alphabet=string.ascii_letters + string.digits + " _-:#'\".,[]{}+áž", min_size=0, max_size=12)
_KEYS = st.text(alphabet=string.ascii_lowercase + "_", min_size=1, max_size=8)
_SCALARS = st.one_of(_WORDS, st.integers(-1000, 1000), st.booleans(), st.none())
_TREES = st.recursive(_SCALARS, lambda children: st.one_of(
    st.lists(children, max_size=4), st.dictionaries(_KEYS, children, max_size=4)), max_leaves=12)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(_KEYS, _TREES, min_size=1, max_size=5), st.booleans())
def test_any_yaml_keeps_its_values_and_is_stable(tree, flow):
    yaml = YAML()
    yaml.default_flow_style = flow
    buf = io.StringIO()
    yaml.dump(tree, buf)
    text = buf.getvalue()
    loaded = load_text(text)
    assume(loaded.root is not None and not loaded.diagnostics)  # ruamel's dumper can write YAML it cannot read
    once = format_text(text)
    assert load_text(once).root.to_plain() == load_text(text).root.to_plain()
    assert format_text(once) == once
