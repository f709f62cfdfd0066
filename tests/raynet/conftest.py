"""Shared fixtures of the Raynet suites: the official spec and a running simulator."""

from __future__ import annotations

import json

import pytest

from engine.catalogs.generate_raynet import find_spec


@pytest.fixture(scope="session")
def spec_path():
    """Raynet's openapi.json: $RPSYNC_RAYNET_OPENAPI, ../shared/…, or the published file."""
    return find_spec()


@pytest.fixture(scope="session")
def spec(spec_path):
    with open(spec_path, encoding="utf-8") as handle:
        return json.load(handle)
