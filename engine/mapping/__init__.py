"""Mapping files: one customer's Raynet ⇄ POHODA sync, declared in YAML.

    from engine.mapping import load_mapping, validate_paths, MappingError
    mapping = load_mapping("mappings/acme.yaml")      # -> engine.mapping.model.Mapping
    problems = validate_paths(["mappings/"])           # -> list[Diagnostic], errors and warnings

Stages: ``loader`` (YAML with positions, limits) → ``overlays`` (``extends:``
merged) → ``schema`` (JSON Schema, errors in plain words) + ``semantic``
(rules the schema cannot express) + ``expressions`` (every expression through
the dsl checker) → ``build`` (the frozen ``model``). All problems are collected
before anything is reported. The format is documented in docs/mapping-format.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from engine.mapping import expressions, schema, semantic
from engine.mapping.build import build
from engine.mapping.diagnostics import CODES, Diagnostic, MappingError, Position, sorted_unique
from engine.mapping.loader import is_mapping_path
from engine.mapping.model import Mapping
from engine.mapping.overlays import resolve

__all__ = [
    "CODES", "Diagnostic", "Mapping", "MappingError", "Position", "load_mapping", "mapping_files", "validate",
    "validate_paths",
]


def validate(path: str | Path) -> tuple[Mapping | None, list[Diagnostic]]:
    """Validate one mapping file (with what it extends); the model when it has no errors, and every diagnostic."""
    resolved = resolve(path)
    diagnostics = list(resolved.diagnostics)
    for loaded in resolved.files[:1]:
        diagnostics += semantic.check_schema_comment(loaded)
    diagnostics += semantic.check_secrets(resolved.files)
    if resolved.merged is not None:
        diagnostics += schema.check(resolved.merged)
        diagnostics += semantic.check(resolved.merged)
        diagnostics += expressions.check(resolved.merged)
    diagnostics = sorted_unique(_without_shadowed(diagnostics))
    if resolved.merged is None or any(d.is_error for d in diagnostics):
        return None, diagnostics
    return build(resolved, diagnostics), diagnostics


def _without_shadowed(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """A key refused as a credential is not also reported as an unknown key."""
    secrets = {d.position for d in diagnostics if d.code == "secret-in-mapping"}
    return [d for d in diagnostics if not (d.code == "unknown-key" and d.position in secrets)]


def load_mapping(path: str | Path) -> Mapping:
    """The validated model of a mapping file; raises :class:`MappingError` carrying every diagnostic."""
    mapping, diagnostics = validate(path)
    if mapping is None:
        raise MappingError(diagnostics)
    return mapping


def mapping_files(paths: Iterable[str | Path]) -> list[Path]:
    """The files to validate: files as given; for folders, every mapping ``*.yaml`` below them
    (not ``*_test.yaml`` test files, not connection profiles)."""
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for found in sorted(path.rglob("*")):
                if found.is_file() and is_mapping_path(found) and not _hidden(found.relative_to(path)):
                    out.append(found)
        else:
            out.append(path)
    return out


def _hidden(rel: Path) -> bool:
    return any(part.startswith(".") for part in rel.parts)


def validate_paths(paths: Iterable[str | Path]) -> list[Diagnostic]:
    """Every diagnostic of every mapping file found in ``paths``, each reported once, in file order."""
    diagnostics: list[Diagnostic] = []
    for file in mapping_files(paths):
        diagnostics += validate(file)[1]
    return sorted_unique(diagnostics)
