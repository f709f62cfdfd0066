"""`rpsync init CUSTOMER`: the scaffold validates, its test passes, its profile holds no secret (R-G8)."""

from __future__ import annotations

import re

from engine.mapping import validate
from engine.profile import load_profile
from engine.scaffold import env_names, slug


def test_the_scaffold_validates_and_its_test_passes(cli, tmp_path):
    folder = tmp_path / "acme-repo"
    result = cli("init", "acme", "--dir", folder)
    assert result.exit_code == 0, result.output
    for name in ("acme.yaml", "acme_test.yaml", "acme.profile.toml", ".rpsync/mapping.schema.json",
                 ".rpsync/mapping-test.schema.json"):
        assert (folder / name).is_file(), name
        assert f"wrote {folder / name}" in result.output
    mapping = folder / "acme.yaml"
    assert mapping.read_text(encoding="utf-8").startswith(
        "# yaml-language-server: $schema=.rpsync/mapping.schema.json\n")
    model, diagnostics = validate(mapping)
    assert model is not None and diagnostics == []  # no warning either: the schema line points to a file
    assert [str(p) for p in model.sources][1].endswith("standard.yaml")
    assert cli("validate", mapping).exit_code == 0
    tested = cli("test", folder, "-v")
    assert tested.exit_code == 0, tested.output
    assert "1 test file, 1 test: 1 passed" in tested.output
    assert cli("fmt", "--check", folder).exit_code == 0


def test_the_profile_template_holds_only_env_placeholders_R_G8(cli, tmp_path):
    assert cli("init", "acme", "--dir", tmp_path).exit_code == 0
    text = (tmp_path / "acme.profile.toml").read_text(encoding="utf-8")
    for key in ("api_key", "password", "url", "user", "instance", "ico"):
        values = re.findall(rf"^{key} = \"(.*?)\"", text, re.M)
        assert values and all(re.fullmatch(r"\$\{env:ACME_[A-Z_]+\}", v) for v in values), key
    env = {name: "x" for name in env_names("acme")}
    env.update(ACME_RAYNET_URL="https://app.raynet.cz/api/v2/", ACME_POHODA_URL="http://127.0.0.1:444",
               ACME_POHODA_ICO="12345678")
    profile = load_profile(tmp_path / "acme.profile.toml", env=env)
    assert profile.pohoda.ico == "12345678" and profile.raynet.instance == "x"
    assert profile.state_path == (tmp_path / "state" / "acme.sqlite").resolve()


def test_init_never_overwrites(cli, tmp_path):
    assert cli("init", "acme", "--dir", tmp_path).exit_code == 0
    (tmp_path / "acme.yaml").write_text("mine\n", encoding="utf-8")
    result = cli("init", "acme", "--dir", tmp_path)
    assert result.exit_code == 2
    assert "already exist" in result.output and "nothing was written" in result.output
    assert (tmp_path / "acme.yaml").read_text(encoding="utf-8") == "mine\n"


def test_a_name_that_cannot_name_files_is_refused_with_a_suggestion(cli, tmp_path):
    result = cli("init", "Acme s.r.o.", "--dir", tmp_path)
    assert result.exit_code == 2
    assert "try: rpsync init acme_s_r_o" in result.output
    assert not any(tmp_path.iterdir())
    assert slug("Kovárna Dvůr Králové") == "kovarna_dvur_kralove" and slug("3D tisk") == "c_3d_tisk"


def test_the_schema_copies_are_what_rpsync_schema_prints(cli, tmp_path):
    assert cli("init", "acme", "--dir", tmp_path).exit_code == 0
    assert (tmp_path / ".rpsync" / "mapping.schema.json").read_text(encoding="utf-8") == cli("schema").output
    assert (tmp_path / ".rpsync" / "mapping-test.schema.json").read_text(encoding="utf-8") == \
        cli("schema", "--test-file").output
