"""A built wheel, installed non-editable, finds its templates/ and mappings/ without the source tree."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_carries_templates_and_mappings(tmp_path):
    dist = tmp_path / "dist"
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dist), str(ROOT)],
                           capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stderr
    [wheel] = dist.glob("rpsync-*.whl")
    site = tmp_path / "site"
    install = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site),
                              str(wheel)], capture_output=True, text=True, timeout=600)
    assert install.returncode == 0, install.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site)}
    script = (
        "import engine, engine.resources as r\n"
        "from pathlib import Path\n"
        "print(Path(engine.__file__).resolve())\n"
        "print(r.templates_dir()); print(r.mappings_dir())\n"
        "from engine.pohoda import render\n"
        "xml = render.render_document('address_book', {'addressbookHeader': {'identity': {'address': "
        "{'company': 'ACME', 'street': 'A 1', 'city': 'Praha', 'zip': '11000'}}}})\n"
        "assert 'ACME' in xml\n"
        "from engine.mapping import load_mapping\n"
        "m = load_mapping(r.mappings_dir() / 'standard.yaml')\n"
        "print(sorted(a.id for a in m.agendas.enabled())[0])\n"
    )
    run = subprocess.run([sys.executable, "-c", script], cwd=elsewhere, env=env, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr
    package, templates, mappings, first = run.stdout.split("\n")[:4]
    assert package.startswith(str(site)), "the installed copy must be imported, not the source tree"
    assert templates.startswith(str(site)) and templates.endswith("_bundled/templates")
    assert mappings.startswith(str(site)) and (Path(mappings) / "standard.yaml").is_file()
    assert first == "address_book"
