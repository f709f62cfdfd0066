"""Validation never crashes: any value of any shape anywhere in a mapping yields diagnostics, not a traceback."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.mapping import validate
from engine.mapping.loader import load_file, walk
from engine.resources import mappings_dir

PATHS = [p for p, _ in walk(load_file(mappings_dir() / "standard.yaml").root) if p and all(isinstance(s, str) for s in p)]

values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 100) | st.sampled_from(
        ["", "both", "to_raynet", "x", "status ==", "stockHeader.code", 'customFields["A"]', "${env:X}"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["enabled", "direction", "pohoda", "raynet", "entries", "keys", "x"]), inner, max_size=3),
    max_leaves=6,
)


def _overlay(path: tuple, value) -> str:
    text = "version: 1\nextends: standard\n"
    indent = ""
    for step in path[:-1]:
        text += f"{indent}{step}:\n"
        indent += "  "
    return text + f"{indent}{path[-1]}: {json.dumps(value, ensure_ascii=False)}\n"


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(PATHS), value=values)
def test_any_value_anywhere_gives_diagnostics_not_a_crash(write, path, value):
    file = write("fuzz.yaml", _overlay(path, value))
    mapping, diagnostics = validate(file)
    assert (mapping is None) == any(d.is_error for d in diagnostics)
    for d in diagnostics:
        assert d.position is not None and d.message
