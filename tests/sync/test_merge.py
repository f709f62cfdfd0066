"""Two-way field merge: changes flow to the side that lacks them, no echo, conflicts by policy."""

from engine.sync.merge import Binding, decide, make_shadow, patched, shadow_paths
from engine.sync.paths import get_path


def copy(path):
    return lambda rec: get_path(rec, path)


NAME = Binding("name", "name", "addressbookHeader.identity.address.company",
               to_pohoda=copy("name"), to_raynet=copy("addressbookHeader.identity.address.company"),
               reads_raynet=frozenset({"name"}), reads_pohoda=frozenset({"addressbookHeader.identity.address.company"}))
PHONE = Binding("phone", "primaryAddress.contactInfo.tel1", "addressbookHeader.phone",
                to_pohoda=copy("primaryAddress.contactInfo.tel1"), to_raynet=copy("addressbookHeader.phone"))
NOTE_UP = Binding("note", None, "addressbookHeader.note",
                  to_pohoda=lambda r: (r.get("notice") or "").upper() or None,
                  reads_raynet=frozenset({"notice"}))
BINDINGS = [NAME, PHONE, NOTE_UP]


def rn(name="ACME", tel="111", notice=None):
    return {"name": name, "primaryAddress": {"contactInfo": {"tel1": tel}}, "notice": notice}


def ph(company="ACME", phone="111", note=None):
    header = {"identity": {"address": {"company": company}}, "phone": phone}
    if note:
        header["note"] = note
    return {"addressbookHeader": header}


def shadows(r, p):
    return (make_shadow(r, shadow_paths(BINDINGS, "raynet")), make_shadow(p, shadow_paths(BINDINGS, "pohoda")))


def test_nothing_changed_means_nothing_to_write():
    rs, ps = shadows(rn(), ph())
    d = decide(BINDINGS, raynet_now=rn(), pohoda_now=ph(), raynet_shadow=rs, pohoda_shadow=ps)
    assert d.empty and not d.conflicts


def test_change_on_one_side_goes_to_the_other():
    rs, ps = shadows(rn(), ph())
    d = decide(BINDINGS, raynet_now=rn(tel="222"), pohoda_now=None, raynet_shadow=rs, pohoda_shadow=ps)
    assert d.to_pohoda == {"addressbookHeader.phone": "222"} and d.to_raynet == {}
    d = decide(BINDINGS, raynet_now=None, pohoda_now=ph(company="ACME a.s."), raynet_shadow=rs, pohoda_shadow=ps)
    assert d.to_raynet == {"name": "ACME a.s."} and d.to_pohoda == {}


def test_no_echo_after_a_write():
    rs, ps = shadows(rn(), ph())
    d = decide(BINDINGS, raynet_now=None, pohoda_now=ph(company="Nová"), raynet_shadow=rs, pohoda_shadow=ps)
    r_after = patched(rn(), d.to_raynet)
    rs2, ps2 = shadows(r_after, ph(company="Nová"))
    # next run: Raynet reports the record as modified (by our write); nothing flows back
    d2 = decide(BINDINGS, raynet_now=r_after, pohoda_now=None, raynet_shadow=rs2, pohoda_shadow=ps2)
    assert d2.empty


def test_independent_changes_on_both_sides_both_flow():
    rs, ps = shadows(rn(), ph())
    d = decide(BINDINGS, raynet_now=rn(tel="999"), pohoda_now=ph(company="Jiná"), raynet_shadow=rs, pohoda_shadow=ps)
    assert d.to_pohoda == {"addressbookHeader.phone": "999"}
    assert d.to_raynet == {"name": "Jiná"}
    assert not d.conflicts


def test_same_new_value_on_both_sides_is_no_conflict():
    rs, ps = shadows(rn(), ph())
    d = decide(BINDINGS, raynet_now=rn(tel="5"), pohoda_now=ph(phone="5"), raynet_shadow=rs, pohoda_shadow=ps)
    assert d.empty and not d.conflicts


def test_conflict_policies():
    rs, ps = shadows(rn(), ph())
    args = dict(raynet_now=rn(tel="R"), pohoda_now=ph(phone="P"), raynet_shadow=rs, pohoda_shadow=ps)
    d = decide(BINDINGS, policy="pohoda_wins", **args)
    assert d.to_raynet == {"primaryAddress.contactInfo.tel1": "P"} and d.to_pohoda == {}
    assert d.conflicts[0].winner == "pohoda" and d.conflicts[0].lost_value == "R"
    d = decide(BINDINGS, policy="raynet_wins", **args)
    assert d.to_pohoda == {"addressbookHeader.phone": "R"} and d.conflicts[0].lost_value == "P"
    d = decide(BINDINGS, policy="newest_wins", newer="raynet", **args)
    assert d.to_pohoda == {"addressbookHeader.phone": "R"}
    d = decide(BINDINGS, policy="quarantine", **args)
    assert d.quarantine and d.empty and d.conflicts[0].winner == "none"


def test_one_way_computed_binding():
    rs, ps = shadows(rn(), ph())
    d = decide(BINDINGS, raynet_now=rn(notice="vip"), pohoda_now=None, raynet_shadow=rs, pohoda_shadow=ps)
    assert d.to_pohoda == {"addressbookHeader.note": "VIP"}
    # a POHODA-side edit of a one-way field does not flow back
    d = decide(BINDINGS, raynet_now=None, pohoda_now=ph(note="x"), raynet_shadow=rs, pohoda_shadow=ps)
    assert d.empty


def test_first_pairing_of_existing_records_uses_the_policy():
    d = decide(BINDINGS, raynet_now=rn(tel="1"), pohoda_now=ph(phone="2"), raynet_shadow=None, pohoda_shadow=None)
    assert d.to_raynet == {"primaryAddress.contactInfo.tel1": "2"} and len(d.conflicts) == 1
