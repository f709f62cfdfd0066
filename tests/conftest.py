"""Shared fixtures.

``pohoda_xsd_dir``: STORMWARE's XSD set, found by ``RPSYNC_POHODA_XSD``, else
``../shared/pohoda-xsd/`` relative to the repository root, else downloaded from
STORMWARE into ``.rpsync-cache/`` — never skipped. ``pohoda_samples_dir``: the
real sample files (``RPSYNC_POHODA_SAMPLES``, else ``../shared/pohoda-samples/``).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


def _locate_pohoda_xsd() -> Path:
    from engine.pohoda import xsd

    env = os.environ.get(xsd.ENV_VAR)
    if env:
        path = Path(env)
        assert xsd.is_xsd_dir(path), f"{xsd.ENV_VAR}={env} holds no data.xsd/response.xsd"
        return path
    shared = REPO_ROOT.parent / "shared" / "pohoda-xsd"
    if xsd.is_xsd_dir(shared):
        return shared
    cache = REPO_ROOT / ".rpsync-cache" / "pohoda-xsd"
    if not xsd.is_xsd_dir(cache):
        try:
            xsd.fetch(cache)
        except xsd.XsdError:
            if not xsd.is_xsd_dir(cache):  # another worker may have won the race
                raise
    return cache


@pytest.fixture(scope="session")
def pohoda_xsd_dir() -> Path:
    return _locate_pohoda_xsd()


@pytest.fixture(scope="session")
def pohoda_samples_dir() -> Path:
    """Real POHODA XML samples: ``RPSYNC_POHODA_SAMPLES``, else ``../shared/pohoda-samples/``."""
    env = os.environ.get("RPSYNC_POHODA_SAMPLES")
    path = Path(env) if env else REPO_ROOT.parent / "shared" / "pohoda-samples"
    assert path.is_dir() and any(path.glob("*.xml")), (
        f"no POHODA samples at {path}; set RPSYNC_POHODA_SAMPLES to the shared pohoda-samples folder"
    )
    return path


@pytest.fixture(scope="session")
def pohoda_validator(pohoda_xsd_dir):
    from engine.pohoda.xsd import Validator

    return Validator.for_dir(pohoda_xsd_dir)
