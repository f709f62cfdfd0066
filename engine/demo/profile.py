"""The connection profile of the demo's simulators.

It is an ordinary profile (``engine.profile``): the sync runs through the same
code as against a customer's Raynet and mServer. Credentials are
``${env:…}`` references (R-G8) — never literal secrets in a file, even the
simulators' public test logins; ``demo_environment()`` gives the values, which
``rpsync demo`` sets for its own run and prints for a second terminal.
"""

from __future__ import annotations

import os
from pathlib import Path

from engine.sandbox.pohoda import ICO, PASSWORD, USER
from engine.sandbox.raynet import RaynetSandbox

RAYNET_KEY_VAR = "RPSYNC_DEMO_RAYNET_API_KEY"
POHODA_PASSWORD_VAR = "RPSYNC_DEMO_POHODA_PASSWORD"
#: the accounting year of the demo's POHODA unit (R-G1: a sync is bound to IČ and year)
YEAR = 2025


def demo_environment() -> dict[str, str]:
    """The environment variables the demo profile refers to, with the simulators' fixed logins."""
    return {RAYNET_KEY_VAR: RaynetSandbox.API_KEY, POHODA_PASSWORD_VAR: PASSWORD}


def export_line() -> str:
    """A shell line setting the variables (for running rpsync against the profile by hand)."""
    return "export " + " ".join(f"{k}={v}" for k, v in demo_environment().items())


def set_environment() -> None:
    for name, value in demo_environment().items():
        os.environ[name] = value


def write_profile(path: Path, *, raynet_url: str, pohoda_url: str, state: str, packs: str,
                  year: int = YEAR) -> Path:
    text = f"""\
# Connection profile of the rpsync demo's simulators (written by `rpsync demo`; the ports change
# at every start, so it is valid while that run — or `rpsync demo --serve` — is running).
# Secrets are references to environment variables (R-G8): {RAYNET_KEY_VAR} and
# {POHODA_PASSWORD_VAR}; `rpsync demo` sets them for its own run, `rpsync demo --serve` prints them.

[raynet]
url = "{raynet_url}"
instance = "{RaynetSandbox.INSTANCE}"
user = "{RaynetSandbox.LOGIN}"
api_key = "${{env:{RAYNET_KEY_VAR}}}"

[pohoda]
transport = "mserver"
url = "{pohoda_url}"
user = "{USER}"
password = "${{env:{POHODA_PASSWORD_VAR}}}"
ico = "{ICO}"
year = {year}
sent_packs = "{packs}"

[state]
path = "{state}"
"""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path
