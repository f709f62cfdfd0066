"""``rpsync init CUSTOMER``: the files a consultant starts a customer with.

- ``<customer>.yaml`` — an overlay on the standard mapping (``extends: standard``),
  with the editor schema line and commented examples of common changes;
- ``<customer>_test.yaml`` — its unit tests, one passing example to copy;
- ``<customer>.profile.toml`` — a connection profile template whose every
  setting is an ``${env:…}`` placeholder (no secret is ever written, R-G8);
- ``.rpsync/mapping.schema.json`` and ``.rpsync/mapping-test.schema.json`` —
  copies of the JSON Schemas the first lines point to (editors complete and
  check the files with them), written when missing.

Nothing that exists is overwritten.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from engine.errors import RpsyncError

NAME = re.compile(r"[a-z][a-z0-9_]{0,62}")
SCHEMA_DIR = ".rpsync"
MAPPING_SCHEMA = "mapping.schema.json"
TEST_SCHEMA = "mapping-test.schema.json"


class ScaffoldError(RpsyncError):
    code = "E-INIT"


@dataclass(frozen=True)
class Scaffold:
    mapping: Path
    test: Path
    profile: Path
    #: the schema copies written now (those that existed are left alone)
    schemas: tuple[Path, ...]


def slug(text: str) -> str:
    """A file-name form of a customer's name: ``Acme s.r.o.`` → ``acme_s_r_o``."""
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    out = re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")
    if out and not out[0].isalpha():
        out = "c_" + out
    return out[:63]


def mapping_text(customer: str) -> str:
    return f"""# yaml-language-server: $schema={SCHEMA_DIR}/{MAPPING_SCHEMA}
#
# The sync of {customer}: rpsync's standard mapping (every default of the
# requirements) plus this customer's differences, and nothing else.
#   rpsync validate {customer}.yaml     check it (also in CI: --format github)
#   rpsync test {customer}_test.yaml    run its unit tests, offline
#   rpsync fmt .                        keep the layout canonical
# Every key: docs/reference/mapping-keys.md. Credentials never go here (R-G8):
# they live in {customer}.profile.toml as ${{env:…}} references.
version: 1
extends: standard
description: {customer} — Raynet CRM ⇄ POHODA

# Examples of common changes (remove the # to use them):
#
# settings:
#   www_max_length: 32               # R-A2: longest www written into POHODA
#
# agendas:
#   address_book:
#     natural_person: name_without_ico   # R-A1: person's name filled, IČ empty
#   stock:
#     filter:
#       pohoda_select:
#         stores: [HLAVNI]           # R-G7: only this warehouse
#   offers:
#     enabled: false                 # R-G4: every agenda but the address book can be switched off
"""


def tests_text(customer: str) -> str:
    return f"""# yaml-language-server: $schema={SCHEMA_DIR}/{TEST_SCHEMA}
#
# Unit tests of {customer}.yaml: `rpsync test {customer}_test.yaml` runs them
# offline in milliseconds. Each case gives a record from one side (given.raynet
# tests the way to POHODA, given.pohoda the way to Raynet) and expects what the
# mapping makes of it. The format: docs/reference/test-files.md.
tests:
  - name: a client with IČ goes to POHODA with its address (R-A2)
    agenda: address_book
    given:
      raynet:
        id: 101
        name: Novák a syn s.r.o.
        regNumber: '27082440'
        primaryAddress:
          address: {{street: Dlouhá 12, city: Praha, zipCode: '11000'}}
          contactInfo: {{email: info@novak.cz, www: novak.cz}}
    expect:
      transfers: true
      quarantine: false
      pohoda:
        addressbookHeader.identity.address.company: Novák a syn s.r.o.
        addressbookHeader.identity.address.ico: '27082440'
        addressbookHeader.identity.address.city: Praha
        addressbookHeader.web: novak.cz
"""


def profile_text(customer: str) -> str:
    env = customer.upper()
    return f"""# Connection profile of {customer} — the operator's file, never committed with secrets (R-G8).
# Every value is an ${{env:NAME}} reference: set these variables in the environment
# of the rpsync service (a literal password or API key here is refused).
#   rpsync run --mapping {customer}.yaml --profile {customer}.profile.toml

[raynet]
url = "${{env:{env}_RAYNET_URL}}"               # https://app.raynet.cz/api/v2/
instance = "${{env:{env}_RAYNET_INSTANCE}}"
user = "${{env:{env}_RAYNET_USER}}"
api_key = "${{env:{env}_RAYNET_API_KEY}}"       # or: token = "${{env:{env}_RAYNET_TOKEN}}"

[pohoda]
transport = "mserver"                          # mserver | files | database
url = "${{env:{env}_POHODA_URL}}"               # http://host:444 of the POHODA mServer
user = "${{env:{env}_POHODA_USER}}"
password = "${{env:{env}_POHODA_PASSWORD}}"
ico = "${{env:{env}_POHODA_ICO}}"               # the accounting unit this sync is bound to (R-G1)

[state]
path = "state/{customer}.sqlite"
"""


def env_names(customer: str) -> list[str]:
    """The environment variables the profile template refers to."""
    prefix = re.escape(customer.upper())
    found = set(re.findall(rf"\$\{{env:({prefix}_[A-Z0-9_]+)\}}", profile_text(customer)))
    return sorted(found - {f"{customer.upper()}_RAYNET_TOKEN"})  # the token is the alternative to the API key


def scaffold(customer: str, directory: str | Path = ".") -> Scaffold:
    """Write the files; :class:`ScaffoldError` for a bad name or when any of them exists."""
    if not NAME.fullmatch(customer):
        suggestion = slug(customer)
        raise ScaffoldError(
            f"'{customer}' cannot name the customer's files: use lower-case letters, digits and _ "
            f"(starting with a letter)", hint=f"try: rpsync init {suggestion}" if suggestion else None)
    folder = Path(directory)
    files = {
        folder / f"{customer}.yaml": mapping_text(customer),
        folder / f"{customer}_test.yaml": tests_text(customer),
        folder / f"{customer}.profile.toml": profile_text(customer),
    }
    existing = [p for p in files if p.exists()]
    if existing:
        raise ScaffoldError(f"{', '.join(map(str, existing))} already exist{'s' if len(existing) == 1 else ''}; "
                            "nothing was written", hint="choose another name or folder (--dir)")
    from engine.mapping.schema import schema_text
    from engine.mappingtest.testfile import schema_text as test_schema_text

    schemas = {folder / SCHEMA_DIR / MAPPING_SCHEMA: schema_text(), folder / SCHEMA_DIR / TEST_SCHEMA: test_schema_text()}
    written = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for path, text in files.items():
            path.write_text(text, encoding="utf-8")
        for path, text in schemas.items():
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
                written.append(path)
    except OSError as exc:
        raise ScaffoldError(f"cannot write into {folder}: {exc.strerror or exc}") from None
    paths = list(files)
    return Scaffold(paths[0], paths[1], paths[2], tuple(written))
