"""Locate the data folders shipped with the product: ``templates/`` and ``mappings/``.

In a source checkout (and an editable install) they sit at the top of the
repository, next to ``engine/``.  A built wheel carries them inside the package
as ``engine/_bundled/...`` (see ``[tool.hatch.build.targets.wheel.force-include]``
in pyproject.toml), so a non-editable install finds them without the source tree.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


@cache
def _data_dir(name: str) -> Path:
    bundled = _PACKAGE_DIR / "_bundled" / name
    if bundled.is_dir():
        return bundled
    source = _PACKAGE_DIR.parent / name
    if source.is_dir():
        return source
    raise FileNotFoundError(
        f"rpsync cannot find its '{name}' folder (looked in {bundled} and {source}); "
        "the installation is incomplete — reinstall the rpsync package"
    )


def templates_dir() -> Path:
    """Folder of the Jinja templates that render POHODA XML."""
    return _data_dir("templates")


def mappings_dir() -> Path:
    """Folder of the shipped mapping files (``standard.yaml``, ``examples/``)."""
    return _data_dir("mappings")
