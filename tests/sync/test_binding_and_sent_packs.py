"""The accounting-unit binding (IČ and year, R-G1, R-G2) and the folder of sent dataPacks."""

from __future__ import annotations

import pytest

from engine.errors import RpsyncError
from engine.profile import parse_profile
from engine.secrets import Secret
from engine.state import open_state
from engine.sync.binding import PENDING, BindingError, bound_unit, check_binding
from engine.sync.pack_archive import PackArchive
from engine.sync.pohoda_gateway import PohodaGateway, Write
from engine.sync.runner import renderer_for
from tests.sync.helpers import pohoda_records, raynet_company


@pytest.fixture()
def state(tmp_path):
    s = open_state(tmp_path / "state.sqlite")
    yield s
    s.close()


def test_the_first_run_binds_ico_and_year_and_another_year_is_refused_R_G2(state):
    check_binding(state, "12345678", 2025)
    assert str(bound_unit(state)) == "IČ 12345678, year 2025"
    check_binding(state, "12345678", 2025)
    check_binding(state, "12345678", None)          # a profile without a year checks the IČ only
    with pytest.raises(BindingError) as err:
        check_binding(state, "12345678", 2026)
    assert "year 2025" in err.value.message and "rpsync rebind" in err.value.hint
    with pytest.raises(BindingError) as err:
        check_binding(state, "87654321", 2025)
    assert "IČ 12345678" in err.value.message and "rpsync rebind" in err.value.hint


def test_a_year_named_later_is_remembered_R_G1(state):
    check_binding(state, "12345678", None)
    check_binding(state, "12345678", 2025)
    assert bound_unit(state).year == 2025


def test_runs_wait_while_a_rebind_is_unfinished_R_G2(state):
    check_binding(state, "12345678", 2025)
    state.set_meta(PENDING, "IČ 12345678, year 2026")
    with pytest.raises(BindingError) as err:
        check_binding(state, "12345678", 2026)
    assert "interrupted" in err.value.message and "rpsync rebind" in err.value.hint


def test_profile_sent_packs_is_relative_to_the_profile(tmp_path):
    data = {"raynet": {"url": "http://x/", "token": "${env:T}"},
            "pohoda": {"url": "http://y", "user": "u", "password": "${env:P}", "ico": "12345678",
                       "sent_packs": "packs"}}
    prof = parse_profile(data, path=tmp_path / "p.toml", env={"T": "t", "P": "p"})
    assert prof.pohoda.sent_packs == tmp_path / "packs"


def test_every_sent_pack_is_kept_before_it_is_sent_with_its_answer(world_factory, tmp_path):
    w = world_factory()
    raynet_company(w, "Omikron s.r.o.", ico="27082440")
    archive = PackArchive(tmp_path / "packs")
    gw = PohodaGateway(w.pohoda.transport(), ico="12345678", renderer=renderer_for(w.mapping), archive=archive)
    api = w.api()
    try:
        from engine.sync.runner import run_sync

        assert run_sync(w.mapping, state_path=w.state_path, raynet=api, pohoda=gw).exit_code == 0
    finally:
        gw.close()
        api.client.close()
    [pack] = archive.packs()
    assert pack.name.startswith("0001-rpsync-") and b"Omikron" in pack.read_bytes()
    assert pack.read_bytes().startswith(b'<?xml version="1.0" encoding="Windows-1250"?>')
    assert b"responsePack" in pack.with_name(pack.name[:-4] + ".response.xml").read_bytes()
    assert len(pohoda_records(w, "address_book")) == 1
    # a pack whose sending fails is on disk all the same; numbering goes on across runs
    refused = PohodaGateway(w.pohoda.transport(password=Secret("wrong")), ico="12345678",
                            renderer=renderer_for(w.mapping), archive=PackArchive(tmp_path / "packs"))
    with pytest.raises(RpsyncError):
        list(refused.write([Write("ADA-1", "<adb:addressbook version=\"2.0\"/>", "address_book", "x", "k")]))
    refused.close()
    assert [p.name[:4] for p in archive.packs()] == ["0001", "0002"]
