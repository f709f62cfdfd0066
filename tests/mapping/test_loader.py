"""Reading mapping files: positions of every key and value, and refusal of hostile or broken YAML."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from engine.mapping import loader
from engine.mapping.loader import MAX_BYTES, YamlMap, YamlScalar, key_position, load_file, load_text, node_at


def test_every_key_and_value_keeps_its_line_and_column():
    f = load_text("version: 1\nagendas:\n  stock:\n    enabled: true\n    kinds: [card, text]\n", "m.yaml")
    assert f.diagnostics == []
    assert node_at(f.root, ("version",)).pos.line == 1
    enabled = node_at(f.root, ("agendas", "stock", "enabled"))
    assert (enabled.pos.line, enabled.pos.column, enabled.value) == (4, 14, True)
    kp = key_position(f.root, ("agendas", "stock", "enabled"))
    assert (kp.line, kp.column) == (4, 5)
    text = node_at(f.root, ("agendas", "stock", "kinds", 1))
    assert (text.pos.line, text.pos.column, text.value) == (5, 19, "text")


def test_scalars_follow_yaml_1_2():
    f = load_text("a: yes\nb: 010\nc: 0x1F\nd: 1.50\ne: ~\nf: 'true'\ng: 2024-01-31\n", "m.yaml")
    plain = f.root.to_plain()
    assert plain == {"a": "yes", "b": 10, "c": 31, "d": Decimal("1.50"), "e": None, "f": "true", "g": "2024-01-31"}
    assert isinstance(plain["d"], Decimal)


def test_typed_keys_are_kept_beside_their_text():
    f = load_text("entries:\n  21: high\n  low: 12\n", "m.yaml")
    entries = f.root.get("entries")
    assert list(entries.entries) == ["21", "low"]
    assert entries.entries["21"].key_value == 21


def _bomb(levels: int = 9) -> str:
    text = "version: 1\na: &a [x, x, x, x, x, x, x, x, x]\n"
    prev = "a"
    for name in "bcdefghijk"[:levels - 1]:
        text += f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]\n"
        prev = name
    return text


def test_alias_bomb_is_refused_quickly():
    start = time.perf_counter()
    f = load_text(_bomb(), "bomb.yaml")
    assert time.perf_counter() - start < 0.5
    assert f.root is None
    assert [d.code for d in f.diagnostics] == ["yaml-alias-limit"]


def test_a_few_aliases_are_fine():
    f = load_text("a: &common {enabled: false}\nb: *common\nc: *common\n", "m.yaml")
    assert f.diagnostics == []
    assert f.root.to_plain()["c"] == {"enabled": False}


def test_huge_file_is_refused_without_reading_it(tmp_path):
    path = tmp_path / "huge.yaml"
    path.write_bytes(b"a: " + b"x" * (MAX_BYTES + 10))
    start = time.perf_counter()
    f = load_file(path)
    assert time.perf_counter() - start < 0.1
    assert [d.code for d in f.diagnostics] == ["yaml-too-large"]
    assert "256" in f.diagnostics[0].message or f"{MAX_BYTES:,}" in f.diagnostics[0].message


@pytest.mark.parametrize("text", ["a: " + "[" * 20000 + "]" * 20000, "a: " + "{b: " * 5000 + "1" + "}" * 5000,
                                  "".join("  " * i + f"k{i}:\n" for i in range(60)) + "  " * 60 + "x: 1\n"])
def test_deep_nesting_is_refused_quickly(text):
    start = time.perf_counter()
    f = load_text(text, "deep.yaml")
    assert time.perf_counter() - start < 0.5
    assert [d.code for d in f.diagnostics] == ["yaml-too-deep"]


def test_duplicate_keys_name_both_places():
    f = load_text("a: 1\nb: 2\na: 3\n", "m.yaml")
    (d,) = f.diagnostics
    assert d.code == "yaml-duplicate-key"
    assert (d.position.line, d.position.column) == (3, 1)
    assert "first at line 1, column 1" in d.message
    assert f.root.to_plain()["a"] == 1


def test_python_tags_are_refused():
    f = load_text("a: !!python/object/apply:os.system ['true']\n", "m.yaml")
    assert f.root is None and f.diagnostics[0].code == "yaml-unsupported"


def test_non_utf8_file_names_the_byte(tmp_path):
    path = tmp_path / "cp1250.yaml"
    path.write_bytes("description: Prodejní cena\n".encode("cp1250"))
    (d,) = load_file(path).diagnostics
    assert d.code == "yaml-encoding" and (d.position.line, d.position.column) == (1, 21)  # the í of Prodejní


def test_missing_file_is_a_diagnostic(tmp_path):
    (d,) = load_file(tmp_path / "nope.yaml").diagnostics
    assert d.code == "file-not-found"


def test_empty_file_says_what_a_mapping_needs():
    (d,) = load_text("# only a comment\n", "m.yaml").diagnostics
    assert d.code == "not-a-mapping" and "version: 1" in d.message


def test_pure_python_parser_gives_the_same_tree(monkeypatch):
    text = "version: 1\nagendas:\n  offers: {enabled: true, trigger_to_pohoda: 'status == \"E_WIN\"'}\n"
    fast = load_text(text, "m.yaml")
    monkeypatch.setattr(loader, "_PURE", True)
    pure = load_text(text, "m.yaml")
    assert fast.root.to_plain() == pure.root.to_plain()
    a = node_at(fast.root, ("agendas", "offers", "trigger_to_pohoda"))
    b = node_at(pure.root, ("agendas", "offers", "trigger_to_pohoda"))
    assert (a.pos, a.style) == (b.pos, b.style)


def test_loaded_files_are_cached_and_never_modified(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text("version: 1\nextends: standard\n", encoding="utf-8")
    first = load_file(path)
    assert load_file(path) is first
    assert isinstance(first.root, YamlMap) and isinstance(first.root.get("extends"), YamlScalar)
