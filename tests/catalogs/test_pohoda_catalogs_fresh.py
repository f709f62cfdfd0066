"""The committed POHODA catalogs equal a fresh generation from the XSD set."""

from engine.catalogs import generate_pohoda


def test_committed_catalogs_equal_a_fresh_generation(pohoda_xsd_dir, tmp_path):
    fresh = generate_pohoda.generate(pohoda_xsd_dir)
    for name, catalog in fresh.items():
        committed = (generate_pohoda.OUT_DIR / f"{name}.json").read_text(encoding="utf-8")
        assert committed == generate_pohoda.dumps(catalog), f"{name}.json is stale: run python -m engine.catalogs.generate_pohoda"


def test_generator_cli_check_mode(pohoda_xsd_dir, tmp_path):
    assert generate_pohoda.main(["--xsd", str(pohoda_xsd_dir), "--out", str(tmp_path)]) == 0
    assert generate_pohoda.main(["--xsd", str(pohoda_xsd_dir), "--out", str(tmp_path), "--check"]) == 0
    (tmp_path / "stock.json").write_text("{}", encoding="utf-8")
    assert generate_pohoda.main(["--xsd", str(pohoda_xsd_dir), "--out", str(tmp_path), "--check"]) == 1
