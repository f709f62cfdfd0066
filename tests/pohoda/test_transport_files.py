"""File transport: outbox files named by business case (.xph/.xml, R-E1), atomic writes, inbox answers (R-E3)."""

import os
import threading

import pytest

from engine.pohoda import render
from engine.pohoda.transport import TransportError
from engine.pohoda.transport.files import FileTransport, atomic_write, safe_name
from tests.pohoda import records


def pack():
    xml = render.render_document("received_orders", records.received_order(), ext_id="OP-1")
    return render.render_datapack([render.PackItem("a", xml)], ico="12345678")


def test_single_business_case_is_an_xph_named_by_its_code_R_E1(tmp_path):
    t = FileTransport(tmp_path / "out")
    path = t.write(pack(), codes=["OP-2025/017 Šroubárna"])
    assert path.name == "OP-2025-017-Sroubarna.xph"
    assert path.read_bytes() == pack()


def test_list_of_business_cases_is_an_xml_carrying_the_codes_R_E1(tmp_path):
    t = FileTransport(tmp_path / "out")
    path = t.write(pack(), codes=["OP-1", "OP-2", "OP-9"])
    assert path.name == "OP-1_OP-9_3.xml"


def test_a_list_export_of_one_business_case_is_still_an_xml_R_E1(tmp_path):
    t = FileTransport(tmp_path / "out")
    assert t.write(pack(), codes=["OP-7"], as_list=True).name == "OP-7.xml"
    assert t.file_name(["OP-7"]) == "OP-7.xph"


def test_names_cannot_escape_the_outbox():
    assert safe_name("../../etc/passwd") == "etc-passwd"
    assert safe_name("...") == "pack"


def test_writes_are_atomic_no_partial_files(tmp_path):
    target = tmp_path / "big.xml"
    data = b"<x>" + b"a" * 5_000_000 + b"</x>"
    seen_sizes = set()
    stop = threading.Event()

    def watch():
        while not stop.is_set():
            if target.exists():
                seen_sizes.add(target.stat().st_size)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        for _ in range(5):
            atomic_write(target, data)
    finally:
        stop.set()
        watcher.join()
    assert seen_sizes <= {len(data)}
    assert [p.name for p in tmp_path.iterdir()] == ["big.xml"]


def test_failed_write_leaves_no_temp_file(tmp_path, monkeypatch):
    def boom(*a):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        atomic_write(tmp_path / "x.xml", b"data")
    assert list(tmp_path.iterdir()) == []


def test_submit_returns_none_and_names_by_pack_id(tmp_path):
    t = FileTransport(tmp_path)
    assert t.submit(pack()) is None
    (only,) = tmp_path.iterdir()
    assert only.suffix == ".xph" and only.name.startswith("rpsync-")


def test_inbox_responses_are_read_and_moved_to_done_R_E3(tmp_path, pohoda_samples_dir):
    inbox = tmp_path / "in"
    inbox.mkdir()
    sample = pohoda_samples_dir / "jakubdusek_PohodaResponseParser__xmls_invoice_ok.xml"
    (inbox / "odpoved.xml").write_bytes(sample.read_bytes())
    (inbox / "notes.txt").write_text("ignored")
    t = FileTransport(tmp_path / "out", inbox)
    got = list(t.responses())
    assert [(p.name, r.id, len(r.items)) for p, r in got] == [("odpoved.xml", "fa001", 3)]
    t.done(got[0][0])
    assert list(t.responses()) == [] and (inbox / "done" / "odpoved.xml").exists()


def test_broken_inbox_file_names_the_file(tmp_path):
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "bad.xml").write_bytes(b"<rsp:responsePack")
    with pytest.raises(TransportError, match="bad.xml"):
        list(FileTransport(tmp_path, inbox).responses())


def test_health_reports_missing_inbox(tmp_path):
    assert FileTransport(tmp_path / "out").health()
    h = FileTransport(tmp_path / "out", tmp_path / "missing").health()
    assert not h and "missing" in h.detail
