"""The defaults of mapping keys, as the mapping model fills them in.

A minimal mapping (``version`` and the one required choice) is loaded through
the real loader; the value the model holds for a key the file did not write
is that key's default. So the manual shows what the code does, not what a
description once said.
"""

from __future__ import annotations

import tempfile
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any

from engine.mapping import load_mapping
from engine.mapping.model import Mapping

MINIMAL = "version: 1\nagendas:\n  address_book:\n    enabled: true\n    natural_person: company_without_ico\n"


@cache
def minimal_model() -> Mapping:
    with tempfile.TemporaryDirectory(prefix="rpsync-docs-") as folder:
        path = Path(folder) / "minimal.yaml"
        path.write_text(MINIMAL, encoding="utf-8")
        return load_mapping(path)


def default_of(path: tuple[str, ...], schema: dict, *, none: Any) -> Any:
    """The model's value for ``path`` in a mapping that does not write it; ``none`` when there is no default."""
    node: Any = minimal_model()
    for step in path:
        if step in ("<name>", "[]") or not hasattr(node, step):
            return none
        node = getattr(node, step)
    if isinstance(node, Enum):
        node = node.value
    if isinstance(node, (str, int, bool)):
        return node
    if isinstance(node, tuple) and all(isinstance(v, (str, int)) for v in node):
        return list(node) if node or schema.get("type") == "array" else none
    return none
