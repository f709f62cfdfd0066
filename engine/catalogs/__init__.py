"""Field catalogs: the fields, types and limits of every Raynet entity and POHODA agenda.

The catalogs are JSON files generated from the official contracts
(``python -m engine.catalogs.generate_raynet`` / ``generate_pohoda``) and
committed as data, so the runtime never needs ``../shared``::

    from engine.catalogs import load, available
    cat = load("pohoda", "address_book")
    cat.lookup("addressbookHeader.identity.address.company").max_length   # 255
    cat.suggest("addressbookHeader.identity.address.compnay")             # ['…address.company']

``Catalog`` implements the ``dsl.FieldCatalog`` protocol duck-typed
(``lookup(path) -> FieldInfo | None``, ``suggest(path) -> list[str]``).
A path may index lists as ``items[0]``, ``items[*]`` or ``items[]``; a list
segment written without brackets is accepted too.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Iterator, Mapping

from engine.errors import RpsyncError

_DIR = Path(__file__).resolve().parent
SIDES = ("raynet", "pohoda")
_INDEX = re.compile(r"\[[^\]]*\]")


class CatalogNotFound(RpsyncError):
    code = "E-CATALOG"


@dataclass(frozen=True)
class FieldInfo:
    """One field of a catalog (see docs/architecture.md, "Field catalogs")."""

    path: str
    type: str
    max_length: int | None = None
    enum: tuple[str, ...] | None = None
    required: bool = False
    ns: str | None = None
    order: int | None = None
    doc: str | None = None
    #: element type of a list of scalars (``type == "list"``)
    item_type: str | None = None
    #: an XML attribute (POHODA: ``element@attr``)
    attribute: bool = False

    @property
    def name(self) -> str:
        """Last segment without list brackets (the XML local name, or ``elem@attr``)."""
        return self.path.rsplit(".", 1)[-1].replace("[]", "")

    @property
    def is_list(self) -> bool:
        return self.type == "list"

    @classmethod
    def from_json(cls, path: str, data: Mapping) -> "FieldInfo":
        enum = data.get("enum")
        return cls(
            path=path,
            type=data.get("type", "any"),
            max_length=data.get("max_length"),
            enum=tuple(enum) if enum is not None else None,
            required=bool(data.get("required", False)),
            ns=data.get("ns"),
            order=data.get("order"),
            doc=data.get("doc"),
            item_type=data.get("item_type"),
            attribute=bool(data.get("attribute", False)),
        )


def normalize(path: str) -> str:
    """``a.items[0].b`` / ``a.items[*].b`` -> ``a.items[].b``."""
    return _INDEX.sub("[]", path.strip())


def _strip(path: str) -> str:
    return _INDEX.sub("", path)


class Catalog:
    """The fields of one entity (Raynet) or agenda (POHODA)."""

    def __init__(self, data: Mapping, *, origin: str = "<memory>") -> None:
        try:
            self.side: str = data["side"]
            self.name: str = data["name"]
            raw_fields: Mapping = data["fields"]
        except (KeyError, TypeError):
            raise CatalogNotFound(f"{origin} is not a field catalog (needs side, name and fields)") from None
        self.root: str | None = data.get("root")
        self.root_ns: str | None = data.get("root_ns")
        self.source: str | None = data.get("source")
        self.fields: dict[str, FieldInfo] = {p: FieldInfo.from_json(p, v) for p, v in raw_fields.items()}
        self._stripped: dict[str, str] = {}
        for p in self.fields:
            self._stripped.setdefault(_strip(p), p)
        self._children: dict[str, list[FieldInfo]] | None = None

    # -- dsl.FieldCatalog protocol ------------------------------------------
    def lookup(self, path: str) -> FieldInfo | None:
        key = normalize(path)
        info = self.fields.get(key)
        if info is not None:
            return info
        real = self._stripped.get(_strip(key))
        return self.fields[real] if real is not None else None

    def suggest(self, path: str, n: int = 3) -> list[str]:
        """Close field paths for a misspelt ``path`` ("did you mean …"), best first."""
        key = normalize(path)
        parent, _, last = key.rpartition(".")
        out: list[str] = []
        # siblings first: same parent, similar last segment
        if parent and self.lookup(parent) is not None:
            real_parent = self.lookup(parent).path
            siblings = {f.path.rsplit(".", 1)[-1]: f.path for f in self.children(real_parent)}
            for seg in difflib.get_close_matches(last, list(siblings), n=n, cutoff=0.6):
                out.append(siblings[seg])
        for cand in difflib.get_close_matches(key, list(self.fields), n=n, cutoff=0.6):
            if cand not in out:
                out.append(cand)
        return out[:n]

    # -- helpers ------------------------------------------------------------
    def children(self, path: str = "") -> list[FieldInfo]:
        """Direct children of ``path`` ("" = the record root), in XSD order; attributes last."""
        if self._children is None:
            table: dict[str, list[FieldInfo]] = {}
            for info in self.fields.values():
                p = info.path
                if info.attribute:
                    element = p.rsplit("@", 1)[0]
                    if element.endswith("[]"):  # lives inside each item as "@attr"
                        parent = element
                    else:  # lives next to the element as "element@attr"
                        parent = element.rsplit(".", 1)[0] if "." in element else ""
                else:
                    parent = p.rsplit(".", 1)[0] if "." in p else ""
                table.setdefault(parent, []).append(info)
            for infos in table.values():
                infos.sort(key=lambda f: (f.attribute, f.order if f.order is not None else 1 << 30))
            self._children = table
        return list(self._children.get(normalize(path), []))

    def __contains__(self, path: str) -> bool:
        return self.lookup(path) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self.fields)

    def __len__(self) -> int:
        return len(self.fields)

    def __repr__(self) -> str:
        return f"Catalog({self.side}/{self.name}, {len(self.fields)} fields)"


def catalog_dir(side: str) -> Path:
    if side not in SIDES:
        raise CatalogNotFound(f"unknown catalog side {side!r}; use one of: {', '.join(SIDES)}")
    return _DIR / side


def available(side: str) -> list[str]:
    """Names of the catalogs of one side (``raynet`` or ``pohoda``), sorted."""
    folder = catalog_dir(side)
    return sorted(p.stem for p in folder.glob("*.json")) if folder.is_dir() else []


@cache
def load(side: str, name: str) -> Catalog:
    """The catalog ``engine/catalogs/<side>/<name>.json``; a clear error when there is none."""
    path = catalog_dir(side) / f"{name}.json"
    if not path.is_file():
        names = available(side)
        close = difflib.get_close_matches(name, names, n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"known {side} catalogs: {', '.join(names) or '(none)'}"
        raise CatalogNotFound(f"there is no {side} field catalog named {name!r}", hint=hint)
    with path.open(encoding="utf-8") as fh:
        return Catalog(json.load(fh), origin=str(path))
