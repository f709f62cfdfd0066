"""Connection profiles: credentials only by environment reference (R-G8), clear errors."""

import pytest

from engine.errors import ConfigError
from engine.profile import load_profile
from engine.secrets import Secret

GOOD = """
[raynet]
url = "https://app.raynet.cz/api/v2/"
instance = "acme"
user = "sync@acme.cz"
api_key = "${env:RAYNET_API_KEY}"
request_budget = 5000
reserve = 1000

[pohoda]
transport = "mserver"
url = "http://127.0.0.1:444"
user = "sync"
password = "${env:POHODA_PASSWORD}"
ico = "12345678"
year = 2026

[state]
path = "state/acme.sqlite"
"""

ENV = {"RAYNET_API_KEY": "k-123-secret", "POHODA_PASSWORD": "pw-456-secret"}


def write(tmp_path, text, name="acme.toml"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_profile_resolves_env_references_into_secrets_R_G8(tmp_path):
    prof = load_profile(write(tmp_path, GOOD), env=ENV)
    assert isinstance(prof.raynet.api_key, Secret)
    assert prof.raynet.api_key.reveal() == "k-123-secret"
    assert prof.pohoda.password.reveal() == "pw-456-secret"
    assert "secret" not in repr(prof)
    assert prof.state_path == (tmp_path / "state/acme.sqlite").resolve()
    assert prof.raynet.request_budget == 5000 and prof.pohoda.year == 2026


def test_yaml_profile_is_equivalent(tmp_path):
    yaml_text = """
raynet: {url: "https://app.raynet.cz/api/v2/", token: "${env:RAYNET_TOKEN}"}
pohoda: {transport: files, outbox: out, inbox: in, ico: "12345678"}
"""
    prof = load_profile(write(tmp_path, yaml_text, "p.yaml"), env={"RAYNET_TOKEN": "t"})
    assert prof.raynet.token.reveal() == "t"
    assert prof.pohoda.outbox == tmp_path.resolve() / "out"


def test_literal_secret_is_refused_R_G8(tmp_path):
    text = GOOD.replace('"${env:RAYNET_API_KEY}"', '"plain-key"')
    with pytest.raises(ConfigError, match="api_key holds a literal secret") as err:
        load_profile(write(tmp_path, text), env=ENV)
    assert "plain-key" not in str(err.value)


def test_missing_environment_variable_is_named(tmp_path):
    with pytest.raises(ConfigError, match="POHODA_PASSWORD, which is not set"):
        load_profile(write(tmp_path, GOOD), env={"RAYNET_API_KEY": "x"})


def test_unknown_setting_gets_a_suggestion(tmp_path):
    text = GOOD.replace("reserve = 1000", "reserv = 1000")
    with pytest.raises(ConfigError, match=r"reserv \(did you mean reserve\?\)"):
        load_profile(write(tmp_path, text), env=ENV)


def test_bad_transport_and_ico(tmp_path):
    with pytest.raises(ConfigError, match="transport must be one of mserver, files, database"):
        load_profile(write(tmp_path, GOOD.replace('"mserver"', '"ftp"')), env=ENV)
    with pytest.raises(ConfigError, match="ico must be the accounting unit"):
        load_profile(write(tmp_path, GOOD.replace('"12345678"', '"ACME"')), env=ENV)


def test_unparsable_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot be parsed"):
        load_profile(write(tmp_path, "[raynet\nurl="), env=ENV)
