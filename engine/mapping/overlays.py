"""Overlays: a customer mapping that ``extends:`` another and holds only its differences.

``extends: standard`` names a mapping shipped with rpsync (``mappings/standard.yaml``);
any other value is a path relative to the folder of the file that writes it
(``extends: ../base/acme.yaml``). Chains are allowed (up to :data:`MAX_CHAIN`
files) and cycles are refused.

Merge rules, applied from the base to the overlay:

- maps merge key by key, recursively;
- any other value (text, number, list) in the overlay replaces the base value
  wholesale — lists are replaced, never appended to;
- ``null`` removes the key from the result (a key the base does not have is an
  error, usually a typo);
- ``extends`` itself is not part of the result.

Every merged value keeps the position where it was written, so an error in a
value points into the file that wrote it; a required key removed with ``null``
is reported at that ``null``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from engine.mapping.diagnostics import Diagnostic, Position, display_path, suggestion_suffix
from engine.mapping.loader import LoadedFile, MapEntry, YamlMap, YamlNode, YamlScalar, load_file
from engine.resources import mappings_dir

#: longest chain of overlays (customer → group base → standard …)
MAX_CHAIN = 8


@dataclass
class Resolved:
    """A mapping file with everything it extends, merged."""

    path: Path
    #: the files of the chain, the requested file first, its bases after it
    files: list[LoadedFile] = field(default_factory=list)
    merged: YamlMap | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)


def shipped_mappings() -> list[str]:
    """Names usable as ``extends: NAME`` (the ``*.yaml`` files at the top of ``mappings/``, not their tests)."""
    return sorted(p.stem for p in mappings_dir().glob("*.yaml") if not p.name.endswith("_test.yaml"))


def extends_target(value: str, written_in: Path) -> Path:
    """The file an ``extends:`` value in ``written_in`` refers to."""
    if "/" not in value and "\\" not in value and not value.endswith((".yaml", ".yml")):
        return mappings_dir() / f"{value}.yaml"
    return (written_in.parent / value)


def resolve(path: str | Path) -> Resolved:
    """Load ``path`` and its ``extends:`` chain and merge them (base first)."""
    path = Path(path)
    result = Resolved(path)
    seen: dict[Path, LoadedFile] = {}
    current = path
    while True:
        loaded = load_file(current)
        result.diagnostics.extend(loaded.diagnostics)
        if loaded.root is None:
            return result
        result.files.append(loaded)
        seen[_identity(current)] = loaded
        ext = loaded.root.entries.get("extends")
        if ext is None:
            break
        node = ext.node
        if not isinstance(node, YamlScalar) or not isinstance(node.value, str) or not node.value.strip():
            result.diagnostics.append(Diagnostic(
                "wrong-type", "extends must name a mapping: `standard` or a relative path such as ../base.yaml",
                node.pos))
            return result
        target = extends_target(node.value.strip(), current)
        if not target.is_file():
            result.diagnostics.append(_not_found(node, target))
            return result
        if _identity(target) in seen:
            result.diagnostics.append(Diagnostic(
                "extends-cycle",
                f"{display_path(str(current))} extends {display_path(str(target))}, which already is in the "
                "chain of extended files: " + " → ".join(display_path(str(f.path)) for f in result.files)
                + f" → {display_path(str(target))}",
                node.pos, hint="remove `extends:` from one of the files"))
            return result
        if len(result.files) >= MAX_CHAIN:
            result.diagnostics.append(Diagnostic(
                "extends-cycle", f"more than {MAX_CHAIN} files extend each other", node.pos,
                hint="flatten the chain of overlays"))
            return result
        current = target
    _check_versions(result)
    merged = result.files[-1].root
    for overlay in reversed(result.files[:-1]):
        merged = merge(merged, overlay.root, result.diagnostics)
    # a new top-level map: cached trees of loaded files are never modified
    result.merged = YamlMap({k: e for k, e in merged.entries.items() if k != "extends"}, merged.pos,
                            merged.removed)
    return result


def _identity(path: Path) -> Path:
    try:
        return path.resolve()
    except OSError:  # pragma: no cover
        return path.absolute()


def _not_found(node: YamlScalar, target: Path) -> Diagnostic:
    value = node.value.strip()
    names = shipped_mappings()
    if "/" not in value and not value.endswith((".yaml", ".yml")):
        message = f"extends: there is no shipped mapping named '{value}'{suggestion_suffix(value, names)}"
        hint = f"shipped mappings: {', '.join(names)}; a path (with / or .yaml) is relative to this file's folder"
    else:
        message = f"extends: file {display_path(str(target))} does not exist"
        hint = "the path is relative to the folder of the file that contains `extends:`"
    return Diagnostic("extends-not-found", message, node.pos, hint=hint)


def _check_versions(result: Resolved) -> None:
    base = result.files[-1].root.get("version")
    base_value = base.value if isinstance(base, YamlScalar) else None
    for overlay in result.files[:-1]:
        entry = overlay.root.entries.get("version")
        if entry is None:
            result.diagnostics.append(Diagnostic(
                "missing-key", "every mapping file states its format version: add `version: 1`",
                Position(str(overlay.path), 1, 1)))
            continue
        value = entry.node.value if isinstance(entry.node, YamlScalar) else None
        if base_value is not None and value != base_value:
            result.diagnostics.append(Diagnostic(
                "extends-version",
                f"this file is format version {value!r} but the mapping it extends is version {base_value!r}",
                entry.node.pos, hint="overlays use the format version of the mapping they extend"))


def _is_null(node: YamlNode) -> bool:
    return isinstance(node, YamlScalar) and node.value is None


def merge(base: YamlNode, overlay: YamlNode, diagnostics: list[Diagnostic]) -> YamlNode:
    """The overlay applied to the base (neither is modified)."""
    if not (isinstance(base, YamlMap) and isinstance(overlay, YamlMap)):
        return overlay
    entries = dict(base.entries)
    removed = dict(base.removed)
    for key, entry in overlay.entries.items():
        if key == "extends":
            continue
        if _is_null(entry.node):
            if key in entries:
                del entries[key]
                removed[key] = entry.node.pos
            else:
                diagnostics.append(Diagnostic(
                    "remove-missing",
                    f"'{key}: null' removes nothing: the extended mapping has no key '{key}' here"
                    + suggestion_suffix(key, entries),
                    entry.key_pos, hint="null removes a key of the extended mapping; check the spelling"))
            continue
        existing = entries.get(key)
        if existing is not None and isinstance(existing.node, YamlMap) and isinstance(entry.node, YamlMap):
            entries[key] = MapEntry(entry.key_pos, merge(existing.node, entry.node, diagnostics))
        else:
            entries[key] = entry
        removed.pop(key, None)
    return YamlMap(entries, base.pos, removed)
