"""`rpsync test`: mapping unit tests in *_test.yaml files — shipped suites, failures, invalid files, offline."""

from __future__ import annotations

import re
import socket

import pytest

from engine.mapping import mapping_files
from engine.mappingtest import discover, run_test_file, run_test_files
from engine.mappingtest.harness import Harness
from engine.mapping import load_mapping
from engine.resources import mappings_dir

from tests.consultant.helpers import STANDARD, client, suite_text


def test_every_shipped_mapping_has_a_passing_test_file(cli):
    mappings = mapping_files([mappings_dir()])
    tests, problems = discover([mappings_dir()])
    assert not problems
    assert {t.name for t in tests} == {m.stem + "_test.yaml" for m in mappings}
    results = run_test_files(tests)
    for file in results:
        assert not file.file_errors and not file.mapping_errors, file.path
        failed = [(c.case.name, c.failures, c.invalid) for c in file.cases if not c.passed]
        assert not failed, f"{file.path}: {failed}"
    assert sum(len(f.cases) for f in results) >= 45
    result = cli("test", mappings_dir())
    assert result.exit_code == 0, result.output
    assert re.search(r"4 test files, \d+ tests: \d+ passed in", result.output)


def test_a_wrong_expectation_fails_with_expected_actual_and_position_R_A2(cli, write):
    path = write("acme_test.yaml", suite_text(f"""\
  - name: the web goes to POHODA (R-A2)
    agenda: address_book
    given:
{client('novak.cz')}    expect:
      pohoda:
        addressbookHeader.web: novak.com
"""))
    result = cli("test", path)
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert f"FAIL  {path}:3:5: address_book: the web goes to POHODA (R-A2)" in lines
    at = lines.index(f"    {path}:15:32: expect.pohoda.addressbookHeader.web")
    assert lines[at + 1] == '      expected: "novak.com"'
    assert lines[at + 2] == '      actual:   "novak.cz"'
    assert "1 test file, 1 test: 0 passed, 1 failed in" in result.output


def test_an_expected_quarantine_that_does_not_happen_fails_R_A2(cli, write):
    path = write("acme_test.yaml", suite_text(f"""\
  - name: a short www is refused (wrongly expected)
    agenda: address_book
    given:
{client('novak.cz')}    expect:
      quarantine: {{rule: R-A2}}
"""))
    result = cli("test", path)
    assert result.exit_code == 1
    assert f"{path}:14:26: expect.quarantine.rule" in result.output
    assert "actual:   not quarantined" in result.output


def test_the_quarantine_message_is_matched_and_shown_R_A2(cli, write):
    path = write("acme_test.yaml", suite_text(f"""\
  - name: www over the limit
    agenda: address_book
    given:
{client('https://www.velmi-dlouha-domena-firmy.cz')}    expect:
      quarantine: the limit is 20
"""))
    result = cli("test", path)
    assert result.exit_code == 1
    assert 'expected: a message containing "the limit is 20"' in result.output
    assert "has 40 characters; the limit is 32 (R-A2)" in result.output


def test_a_test_catches_a_mapping_change_R_A2(cli, write):
    """The standard suite's www case fails against an overlay that raises the limit."""
    write("acme.yaml", "version: 1\nextends: standard\nsettings:\n  www_max_length: 50\n")
    path = write("acme_test.yaml", f"""\
tests:
  - name: a www longer than 32 characters is quarantined (R-A2)
    agenda: address_book
    given:
{client('https://www.velmi-dlouha-domena-firmy.cz')}    expect:
      quarantine: {{rule: R-A2}}
      transfers: false
""")
    result = cli("test", path)
    assert result.exit_code == 1, result.output
    assert "expect.quarantine.rule" in result.output and "expect.transfers" in result.output
    assert "actual:   true" in result.output


def test_the_mapping_key_and_the_default_name(write):
    write("base.yaml", "version: 1\nextends: standard\n")
    write("other.yaml", "version: 1\nextends: standard\nsettings:\n  www_max_length: 10\n")
    case = f"""\
  - name: www of 12 characters
    agenda: address_book
    given:
{client('novak-syn.cz')}    expect:
      quarantine: false
"""
    by_name = write("base_test.yaml", f"tests:\n{case}")
    by_key = write("x_test.yaml", f"mapping: other.yaml\ntests:\n{case}")
    assert run_test_file(by_name).cases[0].passed
    assert run_test_file(by_key).cases[0].failures  # other.yaml allows only 10 characters


def test_state_tables_filter_and_trigger(cli, write):
    path = write("acme_test.yaml", suite_text("""\
  - name: executed order (R-R2)
    agenda: received_orders
    given:
      pohoda:
        orderHeader: {id: 1, isExecuted: true, partnerIdentity: {id: 2}}
        orderDetail.orderItem: [{text: x}]
    expect:
      state: not_processed
      tables: {status_table: Příprava}
  - name: open business case (R-Z4)
    agenda: contracts
    given:
      raynet: {id: 3, name: x, status: B_ACTIVE}
    expect:
      trigger: true
"""))
    result = cli("test", path)
    assert result.exit_code == 1
    out = result.output
    assert f"{path}:10:14: expect.state" in out and 'actual:   "processed"' in out
    assert f"{path}:11:30: expect.tables.status_table" in out and 'actual:   "Akceptována"' in out
    assert f"{path}:17:16: expect.trigger" in out and "actual:   false" in out


def test_a_switched_off_agenda_transfers_nothing(write):
    write("acme.yaml", "version: 1\nextends: standard\nagendas:\n  offers:\n    enabled: false\n")
    path = write("acme_test.yaml", """\
tests:
  - name: offers are off
    agenda: offers
    given:
      raynet: {id: 1, name: Nabídka, status: E_WIN, items: [{name: x, count: 1}]}
    expect:
      transfers: false
  - name: no document either
    agenda: offers
    given:
      raynet: {id: 1, name: Nabídka}
    expect:
      pohoda: {offerHeader.text: Nabídka}
""")
    result = run_test_file(path)
    ok, off = result.cases
    assert ok.passed
    (failure,) = off.failures
    assert failure.actual == "no POHODA document"
    assert failure.note == "the mapping does not run offers to pohoda (the agenda is switched off)"


@pytest.mark.parametrize("body, message", [
    ("  - name: x\n    agenda: address_book\n    given: {raynet: {id: 1}}\n    expects: {transfers: true}\n",
     ":6:5: error[unknown-key]: unknown key 'expects' in tests[0] — did you mean 'expect'?"),
    ("  - name: x\n    agenda: adress_book\n    given: {raynet: {id: 1}}\n    expect: {transfers: true}\n",
     ":4:13: error[invalid-value]: agenda must be one of address_book,"),
    ("  - name: x\n    agenda: address_book\n    given: {raynet: {id: 1}}\n    expect: {raynet: {name: x}}\n",
     ":6:14: error[missing-key]: expect.raynet needs given.pohoda (the Raynet values are computed from a POHODA "
     "record)"),
    ("  - name: x\n    table: vat_rate_percent\n    expect: {value: 21}\n",
     ":3:5: error[missing-key]: a table case needs the key to look up (`key:`)"),
    ("  - name: x\n    agenda: address_book\n    given: {raynet: {id: 1}, pohoda: {}}\n    expect: {filter: true}\n",
     ":5:12: error[invalid-value]: given holds one record"),
])
def test_an_invalid_test_file_exits_2_at_its_line(cli, write, body, message):
    path = write("acme_test.yaml", suite_text(body))
    result = cli("test", path)
    assert result.exit_code == 2, result.output
    assert f"{path}{message}" in result.output
    assert "not run: the test file is not valid" in result.output


@pytest.mark.parametrize("case, message", [
    ("    agenda: address_book\n    given:\n      pohoda: {addressbookHeader.wbe: x}\n    expect: {filter: true}\n",
     ":6:15: given.pohoda: the POHODA address_book catalog has no field 'addressbookHeader.wbe'\n"
     "  hint: did you mean addressbookHeader.web"),
    (f"    agenda: address_book\n    given:\n{client()}    expect:\n      pohoda: {{addressbookHeader.wbe: x}}\n",
     ":14:39: the POHODA address_book catalog has no field 'addressbookHeader.wbe'"),
    (f"    agenda: address_book\n    given:\n{client()}    expect:\n      pohoda: {{'adb:web/[': x}}\n",
     ":14:29: expect.pohoda.adb:web/[ is not a valid XPath"),
    ("    table: no_such_table\n    key: 1\n    expect: {value: 1}\n",
     ":3:5: the mapping has no table 'no_such_table' (its tables: order_state_to_phase,"),
    ("    agenda: received_orders\n    given: {state: processed}\n    expect:\n      tables: {phase_table: x}\n",
     ":7:29: the agenda received_orders has no table key 'phase_table' (its table keys: status_table)"),
])
def test_a_case_naming_what_does_not_exist_is_invalid(cli, write, case, message):
    path = write("acme_test.yaml", suite_text("  - name: x\n" + case))
    result = cli("test", path)
    assert result.exit_code == 2, result.output
    assert f"{path}{message}" in result.output, result.output
    assert "ERROR " in result.output


def test_usage_errors_exit_2(cli, write, tmp_path):
    assert cli("test", tmp_path / "nothing").exit_code == 2
    assert "no test files (*_test.yaml) found" in cli("test", tmp_path).output
    lonely = write("lonely.yaml", "version: 1\nextends: standard\n")
    result = cli("test", lonely)
    assert result.exit_code == 2 and "has no lonely_test.yaml beside it" in result.output
    missing = write("ghost_test.yaml", "tests:\n  - name: x\n    table: t\n    key: 1\n    expect: {value: 1}\n")
    result = cli("test", missing)
    assert result.exit_code == 2
    assert f"{missing.parent / 'ghost.yaml'}, does not exist" in result.output


def test_an_invalid_mapping_fails_its_tests(cli, write):
    write("acme.yaml", "version: 1\nextends: standard\nagendas:\n  offers:\n    direction: both\n")
    path = write("acme_test.yaml", "tests:\n  - name: x\n    table: vat_rate_percent\n    key: high\n"
                                   "    expect: {value: 21}\n")
    result = cli("test", path)
    assert result.exit_code == 1
    assert "the mapping under test is not valid" in result.output
    assert "error[fixed-direction]" in result.output


def test_a_mapping_file_stands_for_its_test_file(cli, write):
    mapping = write("acme.yaml", "version: 1\nextends: standard\n")
    write("acme_test.yaml", "tests:\n  - name: x\n    table: vat_rate_percent\n    key: high\n    expect: {value: 21}\n")
    result = cli("test", mapping, "-v")
    assert result.exit_code == 0
    assert "PASS  table vat_rate_percent: x" in result.output


def test_github_annotations_point_at_the_failing_line(cli, write):
    path = write("acme_test.yaml", suite_text("  - name: x\n    table: vat_rate_percent\n    key: high\n"
                                              "    expect: {value: 20}\n"))
    result = cli("test", "--format", "github", path)
    assert result.exit_code == 1
    line = result.output.splitlines()[0]
    assert line.startswith(f"::error file={str(path).replace(':', '%3A')},line=6,col=21,title=rpsync test::")
    assert "expect.value: expected 20, actual 21" in line


def test_tests_run_offline(monkeypatch):
    """No socket is opened: the harness answers from the test file, never from a system."""

    def refuse(*args, **kwargs):
        raise AssertionError("rpsync test tried to open a network connection")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    results = run_test_files(discover([mappings_dir()])[0])
    assert all(c.passed for f in results for c in f.cases)


def test_values_match_by_meaning():
    from decimal import Decimal
    from datetime import date

    from engine.mappingtest.compare import matches

    assert matches(21, Decimal("21.00")) and matches(21, "21.00") and matches("2025-03-14", date(2025, 3, 14))
    assert matches(12345678, "12345678") and not matches(1234, "01234")
    assert matches({"a": 1}, {"a": 1, "b": 2}) and not matches({"a": 1}, {"a": 2})
    assert matches(None, None) and not matches(None, "x") and matches(True, "true") and not matches(1, True)


def test_links_of_a_case_are_in_the_offline_state():
    harness = Harness(load_mapping(STANDARD))
    step = harness.step("address_book", instance={}, links=({"agenda": "address_book", "raynet_id": 5,
                                                             "pohoda_id": 9},))
    try:
        assert step.ctx.state.find_link("address_book", raynet_id=5).pohoda_id == 9
    finally:
        step.ctx.state.close()


def test_a_step_that_needs_a_system_reports_it_instead_of_crashing(write, monkeypatch):
    from engine.sync.steps.address_book import AddressBookStep

    def needs_raynet(self, record):
        return self.entity_api().get(1)

    monkeypatch.setattr(AddressBookStep, "pohoda_values", needs_raynet)
    path = write("acme_test.yaml", suite_text(f"  - name: x\n    agenda: address_book\n    given:\n{client()}"
                                              "    expect: {transfers: true}\n"))
    (case,) = run_test_file(path).cases
    (failure,) = case.failures
    assert failure.note.startswith("the step could not run offline: the step asked Raynet for 'companies'")
