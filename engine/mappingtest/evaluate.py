"""Run one test case: observe what the engine does with the given record, compare with what is expected.

The observation follows a sync step's own order for a record it has not
linked yet (``Step.sync_pair`` → ``create_in_pohoda`` / ``create_in_raynet``):

- given a Raynet record (the way to POHODA): the agenda must run that way;
  ``passes`` (filter, record checks, the step's ``check_record``), then the
  trigger, then ``pohoda_values`` → ``pohoda_document`` → the rendered
  document (rendered when filter and checks pass, whatever the trigger says,
  so its fields can be tested before the trigger turns true);
- given a POHODA record (the way to Raynet): ``passes``, then ``raynet_values``
  and ``before_raynet_create``, and the agenda's ``state`` with its tables.

A record check or a step rule that raises ``Reject``, a failing expression
(``TransformError``) and a render error are quarantine outcomes, with the
message the run report would show.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from engine.errors import RpsyncError
from engine.mapping.diagnostics import Position
from engine.mapping.model import TO_POHODA, TO_RAYNET, TranslationTable
from engine.mappingtest.compare import matches, show
from engine.mappingtest.document import RenderedDocument, check_xpath, is_xpath
from engine.mappingtest.harness import OFFLINE_ICO, Harness
from engine.mappingtest.records import RecordError, pohoda_record, raynet_record
from engine.mappingtest.testfile import Case, Expectation
from engine.pohoda.render import RenderError
from engine.sync.compile import TransformError
from engine.sync.paths import PathError, get_path, set_path
from engine.sync.steps.base import POHODA, RAYNET, Reject, Skip, Step
from engine.sync.steps.sub_records import Parent, SubRecords, with_parent


class CaseInvalid(RpsyncError):
    """The case names something the mapping or the catalogs do not have (an invalid test file)."""

    code = "E-TEST-CASE"


@dataclass
class Failure:
    position: Position
    label: str
    expected: str
    actual: str
    note: str | None = None


@dataclass
class CaseResult:
    case: Case
    failures: list[Failure] = field(default_factory=list)
    #: the case cannot run as written (unknown table, field …): the test file is invalid
    invalid: str | None = None
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.failures and self.invalid is None


@dataclass
class Quarantined:
    message: str
    rule: str | None
    field: str | None


@dataclass
class Outcome:
    """What the engine did with the given record."""

    #: why the record cannot go the case's way at all (agenda off, other direction), else None
    not_running: str | None = None
    filter: bool | None = None
    quarantine: Quarantined | None = None
    trigger: bool | None = None
    raynet_values: dict | None = None
    document: RenderedDocument | None = None
    state: Any = None
    state_error: str | None = None
    #: a step failure that is not a record outcome (offline limits, a bug): reported on every expectation
    error: str | None = None
    #: the step leaves the record out without a quarantine (``passes`` is false: e.g. a document whose
    #: trigger is not true yet, R-O3, R-R6)
    left_out: bool = False

    @property
    def transfers(self) -> bool:
        return (self.not_running is None and self.error is None and self.filter is not False
                and self.quarantine is None and self.trigger is not False and not self.left_out)

    def why_nothing(self) -> str:
        if self.not_running:
            return self.not_running
        if self.error:
            return self.error
        if self.filter is False:
            return "the filter left the record out"
        if self.quarantine is not None:
            return f"the record was quarantined: {self.quarantine.message}"
        if self.trigger is False:
            return "the trigger is not true"
        if self.left_out:
            return "the step leaves the record out"
        return "nothing was produced"


def run_case(case: Case, harness: Harness) -> CaseResult:
    started = time.perf_counter()
    result = CaseResult(case)
    try:
        if case.table is not None:
            _check_table_case(case, harness, result)
        else:
            outcome = observe(case, harness)
            check(case, outcome, result, harness)
    except CaseInvalid as exc:
        result.invalid = str(exc)
    except RecordError as exc:  # the given record does not fit the catalog
        result.invalid = f"{case.given_position or case.position}: given.{case.given_side}: {exc}"
    result.seconds = time.perf_counter() - started
    return result


# ------------------------------------------------------------------------------------------ observing


def observe(case: Case, harness: Harness) -> Outcome:
    mapping = harness.mapping
    agenda = mapping.agendas.get(case.agenda)
    outcome = Outcome()
    way = TO_POHODA if case.given_side == RAYNET else TO_RAYNET if case.given_side == POHODA else None
    if way is not None and not agenda.runs(way):
        outcome.not_running = (f"the mapping does not run {agenda.id} {way.replace('_', ' ')}"
                               + (" (the agenda is switched off)" if not agenda.enabled
                                  else f" (direction: {agenda.direction})"))
    if case.agenda not in harness.agendas:
        if case.given_side is None:  # a state-only case still reads the agenda's tables
            _observe_state(case, harness, None, outcome)
        return outcome
    step = harness.step(case.agenda, instance=case.instance, links=case.links)
    try:
        if case.given_side == RAYNET:
            record = raynet_record(case.given or {})
            if outcome.not_running is None and (record := _with_parent(step, record, outcome)) is not None:
                _to_pohoda(step, record, outcome)
        elif case.given_side == POHODA:
            record = pohoda_record(case.given or {}, step.pohoda_agenda)
            if outcome.not_running is None and (parented := _with_parent(step, record, outcome)) is not None:
                _to_raynet(step, parented, outcome)
            _observe_state(case, harness, record, outcome)
        else:
            _observe_state(case, harness, None, outcome)
    finally:
        step.ctx.state.close()
    return outcome


def _with_parent(step: Step, record: dict, outcome: Outcome) -> dict | None:
    """Delivery addresses and contact persons belong to a client (sub_records): in a sync the step reads them
    through their client; in a test the client is the case's one ``address_book`` link."""
    if not isinstance(step, SubRecords):
        return record
    clients = [Parent(int(l.raynet_id), int(l.pohoda_id)) for l in step.ctx.state.iter_links("address_book")
               if l.raynet_id is not None and l.pohoda_id is not None]
    if len(clients) != 1:
        outcome.error = (f"a record of {step.agenda} belongs to a client: give the client as the case's one "
                         "address_book link (links: [{agenda: address_book, raynet_id: …, pohoda_id: …}])")
        return None
    return with_parent(record, clients[0])


def _guard(outcome: Outcome, action, *args):
    """Run one hook of the step; record outcomes the engine would record. Returns (ok, value)."""
    try:
        return True, action(*args)
    except Reject as rej:
        outcome.quarantine = Quarantined(rej.message, rej.rule, rej.field)
    except TransformError as err:
        outcome.quarantine = Quarantined(err.message, None, err.field)
    except RenderError as err:
        outcome.quarantine = Quarantined(err.message, "R-G6", getattr(err, "field", None))
    except Skip:
        outcome.error = "the step skipped the record (not this run)"
    except RpsyncError as exc:
        outcome.error = f"the step could not run offline: {exc}"
    except Exception as exc:  # a step's bug must not hide the other cases' results
        outcome.error = f"the step failed: {type(exc).__name__}: {exc}"
    return False, None


def _filter(step: Step, side: str, record: dict, outcome: Outcome) -> bool:
    flt = step.plan.filter_to_pohoda if side == RAYNET else step.plan.filter_to_raynet
    if flt is None:
        outcome.filter = True
        return True
    ok, value = _guard(outcome, flt, record)
    if ok:
        outcome.filter = value is True
    return ok and outcome.filter


def _passes(step: Step, side: str, record: dict, outcome: Outcome) -> bool:
    """The step's ``passes`` (checks, rules); false without a quarantine: the step leaves the record out."""
    ok, passed = _guard(outcome, step.passes, side, record)
    if ok and not passed:
        outcome.left_out = True
    return ok and bool(passed)


def _to_pohoda(step: Step, record: dict, outcome: Outcome) -> None:
    ok, record = _guard(outcome, step.prepare_raynet, record)
    if not ok or not _filter(step, RAYNET, record, outcome):
        return
    # the trigger first, as document steps take it (a document not final yet is not even checked, R-O3)
    trigger = step.plan.extra.get("trigger_to_pohoda")
    if trigger is None:
        outcome.trigger = True
    else:
        ok, value = _guard(outcome, trigger, record)
        if not ok:
            return
        outcome.trigger = value is True
    if not _passes(step, RAYNET, record, outcome):
        return
    ok, values = _guard(outcome, step.pohoda_values, record)
    if not ok:
        return
    ok, built = _guard(outcome, step.pohoda_document, values, record, None)
    if not ok:
        return
    document, kwargs = built
    raynet_id = record.get("id", 1)
    ok, rendered = _guard(outcome, lambda: RenderedDocument.render(
        step.ctx.renderer, step.pohoda_agenda, document, ico=OFFLINE_ICO, action="add",
        ext_id=step.pohoda_ext_id_for(raynet_id),
        label=step.label(RAYNET, record), **kwargs))
    if ok:
        outcome.document = rendered


def _to_raynet(step: Step, record: dict, outcome: Outcome) -> None:
    if not _filter(step, POHODA, record, outcome) or not _passes(step, POHODA, record, outcome):
        return
    ok, values = _guard(outcome, step.raynet_values, record)
    if not ok:
        return
    ok, _ = _guard(outcome, step.before_raynet_create, values, record)
    if ok:
        outcome.raynet_values = values


def _observe_state(case: Case, harness: Harness, record: dict | None, outcome: Outcome) -> None:
    if case.state is not None:
        outcome.state = case.state
        return
    plan = harness.agendas.get(case.agenda)
    expr = plan.extra.get("state") if plan is not None else None
    if expr is None:
        outcome.state_error = f"the agenda {case.agenda} has no `state` expression; give given.state"
        return
    if record is None:
        outcome.state_error = "no POHODA record to compute the state from"
        return
    try:
        outcome.state = expr(record)
    except TransformError as err:
        outcome.state_error = err.message


# ------------------------------------------------------------------------------------------ checking


def check(case: Case, outcome: Outcome, result: CaseResult, harness: Harness) -> None:
    for exp in case.expectations:
        failure = _check_one(case, exp, outcome, harness)
        if failure is not None:
            result.failures.append(failure)


def _fail(exp: Expectation, actual: str, note: str | None = None, expected: str | None = None) -> Failure:
    return Failure(exp.position, exp.label, expected if expected is not None else show(exp.value), actual, note)


def _check_one(case: Case, exp: Expectation, outcome: Outcome, harness: Harness) -> Failure | None:
    kind = exp.kind
    if kind == "transfers":
        actual = outcome.transfers
        if actual != exp.value:
            return _fail(exp, show(actual), None if actual else outcome.why_nothing())
        return None
    if kind in ("state", "tables"):
        return _check_state(case, exp, outcome, harness)
    if outcome.not_running or outcome.error:
        nothing = {"pohoda": "no POHODA document", "raynet": "no Raynet values"}.get(kind, "nothing")
        return _fail(exp, nothing, outcome.why_nothing())
    if kind == "filter":
        if outcome.filter is None:
            return _fail(exp, "not evaluated", outcome.why_nothing())
        return None if outcome.filter == exp.value else _fail(exp, show(outcome.filter))
    if kind == "quarantine":
        return _check_quarantine(exp, outcome)
    if kind == "trigger":
        if outcome.trigger is None:
            return _fail(exp, "not evaluated", outcome.why_nothing())
        return None if outcome.trigger == exp.value else _fail(exp, show(outcome.trigger))
    if kind == "raynet":
        if outcome.raynet_values is None:
            return _fail(exp, "no Raynet values", outcome.why_nothing())
        actual = _raynet_value(outcome.raynet_values, exp.field)
        return None if matches(exp.value, actual) else _fail(exp, show(actual))
    if kind == "pohoda":
        if outcome.document is None:
            return _fail(exp, "no POHODA document", outcome.why_nothing())
        if is_xpath(exp.field):
            problem = check_xpath(exp.field)
            if problem:
                raise CaseInvalid(f"{exp.position}: {exp.label} is not a valid XPath: {problem}")
            actual = outcome.document.xpath(exp.field)
        else:
            try:
                actual = outcome.document.field(exp.field)
            except RecordError as exc:
                raise CaseInvalid(f"{exp.position}: {exc}") from None
        return None if matches(exp.value, actual) else _fail(exp, show(actual))
    raise CaseInvalid(f"{exp.position}: {exp.label} cannot be checked")  # pragma: no cover - schema forbids it


def _check_quarantine(exp: Expectation, outcome: Outcome) -> Failure | None:
    q = outcome.quarantine
    if exp.field is None and exp.value is False:
        return None if q is None else _fail(exp, f"quarantined: {show(q.message)}", expected="not quarantined")
    if q is None:
        note = "the filter left the record out" if outcome.filter is False else None
        return _fail(exp, "not quarantined", note)
    part = exp.field or "message"
    if part == "message":
        ok = str(exp.value) in q.message
        return None if ok else _fail(exp, show(q.message), expected=f"a message containing {show(exp.value)}")
    actual = q.rule if part == "rule" else q.field
    return None if matches(exp.value, actual) else _fail(exp, show(actual), f"message: {q.message}")


def _raynet_value(values: dict, path: str) -> Any:
    if path in values:
        return values[path]
    tree: dict = {}
    for key, value in values.items():
        try:
            set_path(tree, key, value)
        except (PathError, TypeError):
            continue
    try:
        return get_path(tree, path)
    except PathError:
        return None


def _check_state(case: Case, exp: Expectation, outcome: Outcome, harness: Harness) -> Failure | None:
    if outcome.state_error and case.state is None:
        return _fail(exp, "no state", outcome.state_error)
    if exp.kind == "state":
        return None if matches(exp.value, outcome.state) else _fail(exp, show(outcome.state))
    model = harness.mapping.agendas.get(case.agenda)
    table = getattr(model, exp.field, None)
    if not isinstance(table, TranslationTable):
        raise CaseInvalid(f"{exp.position}: the agenda {case.agenda} has no table key '{exp.field}'"
                          + _table_keys_hint(model))
    try:
        actual = table.translate(outcome.state)
    except KeyError as exc:
        return _fail(exp, "no entry", exc.args[0])
    return None if matches(exp.value, actual) else _fail(exp, show(actual), f"state: {show(outcome.state)}")


def _table_keys_hint(model) -> str:
    keys = [name for name in getattr(model, "__dataclass_fields__", {})
            if isinstance(getattr(model, name, None), TranslationTable)]
    return f" (its table keys: {', '.join(keys)})" if keys else " (it has no table keys)"


def _check_table_case(case: Case, harness: Harness, result: CaseResult) -> None:
    table = harness.mapping.tables.get(case.table)
    if table is None:
        known = ", ".join(sorted(harness.mapping.tables)) or "none"
        raise CaseInvalid(f"{case.position}: the mapping has no table '{case.table}' (its tables: {known})")
    for exp in case.expectations:
        try:
            actual = table.translate(case.key)   # as ``translate(table, key)`` in an expression
        except KeyError as exc:
            result.failures.append(_fail(exp, "no entry", exc.args[0]))
            continue
        if not matches(exp.value, actual):
            result.failures.append(_fail(exp, show(actual)))
