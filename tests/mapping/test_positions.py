"""Expression positions: a character of a parsed scalar maps back to where it is written in the file,
for plain, quoted and block scalars."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, FoldedScalarString, LiteralScalarString, \
    SingleQuotedScalarString

from engine.mapping.loader import load_text, node_at

STYLES = {
    "single": SingleQuotedScalarString,
    "double": DoubleQuotedScalarString,
    "literal": LiteralScalarString,
    "folded": FoldedScalarString,
}

# expression-like text: the characters expressions use, including quotes, escapes and line breaks
expression_text = st.text(
    alphabet=st.sampled_from(list("abcxyz_.() =!<>~?\"'\\[]0123456789ěščřžýáíé\n")),
    min_size=1, max_size=60,
).filter(lambda s: s.strip() and not s.startswith((" ", "\n")) and not s.endswith((" ", "\n"))
         and "\n " not in s and " \n" not in s and "\n\n" not in s)


def _dump(value) -> str:
    out = io.StringIO()
    yaml = YAML()
    yaml.width = 4096
    yaml.dump({"agendas": {"offers": {"trigger_to_pohoda": value}}}, out)
    return out.getvalue()


@settings(max_examples=150, deadline=None)
@given(text=expression_text, style=st.sampled_from(sorted(STYLES)))
def test_every_character_maps_to_itself_in_the_file(text, style):
    source = _dump(STYLES[style](text))
    loaded = load_text(source, "m.yaml")
    node = node_at(loaded.root, ("agendas", "offers", "trigger_to_pohoda"))
    assert node.value == text
    lines = source.split("\n")
    locator = node.locator()
    assert locator.chars is not None, f"{style} scalar fell back to its start: {source!r}"
    for offset, ch in enumerate(text):
        line, col = locator.at_offset(offset)
        if ch in "\n \"\\":  # folded breaks, and characters quoting escapes
            continue
        assert lines[line][col] == ch, (style, offset, source)


def test_block_scalar_positions_are_line_and_column_in_the_file():
    source = ("version: 1\n"
              "agendas:\n"
              "  contracts:\n"
              "    trigger_to_pohoda: |\n"
              "      status == \"E_WIN\"\n"
              "        and probability >= 90\n")
    node = node_at(load_text(source, "m.yaml").root, ("agendas", "contracts", "trigger_to_pohoda"))
    where = node.position_in_text(2, 7)  # 'probability' on the expression's second line
    assert (where.line, where.column) == (6, 13)
    assert source.split("\n")[5][12:23] == "probability"


def test_double_quoted_escapes_shift_columns():
    source = 'a: "x == \\"E_WIN\\" and y"\n'
    node = node_at(load_text(source, "m.yaml").root, ("a",))
    assert node.value == 'x == "E_WIN" and y'
    where = node.position_in_text(1, node.value.index("and") + 1)
    assert source[where.column - 1:where.column + 2] == "and"


def test_end_of_expression_is_just_after_its_last_character():
    source = "a: |\n  x and\n\nb: 1\n"
    node = node_at(load_text(source, "m.yaml").root, ("a",))
    where = node.position_in_text(2, 1)  # the dsl reports "end of expression" past the trailing newline
    assert (where.line, where.column) == (2, 8)
