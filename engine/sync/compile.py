"""Compile a validated mapping into the engine's executable pieces.

Every expression of the mapping is compiled once (``dsl.compile``) here; the
runner only calls the resulting functions. A binding without an expression
copies its source field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import dsl

from engine.errors import RpsyncError
from engine.mapping.model import Agenda, Expression, FieldBinding, RecordCheck, TO_POHODA, TO_RAYNET
from engine.mapping.model import Mapping as MappingModel
from engine.sync.merge import Binding
from engine.sync.paths import getter


class TransformError(RpsyncError):
    """An expression failed on one record (the record is quarantined, the run goes on)."""

    code = "E-TRANSFORM"

    def __init__(self, message: str, *, field: str | None = None, where: str = "", hint: str | None = None):
        super().__init__(message, hint=hint)
        self.field = field
        self.where = where


def _run(program: Callable, env: Mapping[str, Any], where: str, field: str | None) -> Any:
    try:
        return program(env)
    except dsl.ExprRuntimeError as exc:
        raise TransformError(f"{where}: {exc}", field=field, where=where) from None


@dataclass(frozen=True)
class CompiledExpression:
    text: str
    where: str
    fields: frozenset[str]
    _program: Callable = field(repr=False, compare=False)

    def __call__(self, env: Mapping[str, Any], *, field: str | None = None) -> Any:
        return _run(self._program, env, self.where, field)


def compile_expression(expr: Expression | None, tables: Mapping[str, Any]) -> CompiledExpression | None:
    if expr is None:
        return None
    program = expr.compile(tables)
    return CompiledExpression(expr.text, expr.source, frozenset(program.fields), program)


def _bound(ce: CompiledExpression, field: str) -> Callable[[Mapping[str, Any]], Any]:
    """``ce(record, field=field)`` in one call (bindings run per record and field)."""
    program, where = ce._program, ce.where

    def run(record: Mapping[str, Any]) -> Any:
        try:
            return program(record)
        except dsl.ExprRuntimeError as exc:
            raise TransformError(f"{where}: {exc}", field=field, where=where) from None

    return run


def _copy(path: str) -> Callable[[Mapping[str, Any]], Any]:
    return getter(path)


def _reads(fields: frozenset[str]) -> frozenset[str]:
    """Expression field paths (``items[].code``) as shadow paths (kept up to the first list)."""
    out = set()
    for f in fields:
        head = f.split("[]", 1)[0].rstrip(".")
        if head:
            out.add(head)
    return frozenset(out)


def compile_binding(b: FieldBinding, tables: Mapping[str, Any]) -> Binding:
    to_pohoda = to_raynet = None
    reads_r: frozenset[str] = frozenset()
    reads_p: frozenset[str] = frozenset()
    where = str(b.position)
    if b.runs(TO_POHODA) and b.pohoda:
        if b.to_pohoda is not None:
            ce = compile_expression(b.to_pohoda, tables)
            to_pohoda = _bound(ce, b.pohoda)
            reads_r = _reads(ce.fields)
        elif b.raynet:
            to_pohoda = _copy(b.raynet)
            reads_r = frozenset({b.raynet})
    if b.runs(TO_RAYNET) and b.raynet:
        if b.to_raynet is not None:
            ce = compile_expression(b.to_raynet, tables)
            to_raynet = _bound(ce, b.raynet)
            reads_p = _reads(ce.fields)
        elif b.pohoda:
            to_raynet = _copy(b.pohoda)
            reads_p = frozenset({b.pohoda})
    return Binding(
        name=b.name, raynet_path=b.raynet, pohoda_path=b.pohoda,
        to_pohoda=to_pohoda, to_raynet=to_raynet, reads_raynet=reads_r, reads_pohoda=reads_p, where=where,
    )


@dataclass(frozen=True)
class CompiledCheck:
    name: str
    direction: str
    rule: CompiledExpression
    message: str
    field: str | None
    rule_id: str | None


@dataclass(frozen=True)
class CompiledAgenda:
    """One agenda of the mapping, compiled."""

    model: Agenda
    bindings: tuple[Binding, ...]
    item_bindings: tuple[Binding, ...]
    filter_to_pohoda: CompiledExpression | None
    filter_to_raynet: CompiledExpression | None
    checks: tuple[CompiledCheck, ...]
    extra: Mapping[str, Any]        # agenda-specific compiled expressions (trigger, state …)

    @property
    def id(self) -> str:
        return self.model.id

    def runs(self, way: str) -> bool:
        return self.model.runs(way)

    def checks_for(self, way: str) -> tuple[CompiledCheck, ...]:
        return tuple(c for c in self.checks if c.direction == way)

    def custom_field_labels(self) -> set[str]:
        """Labels of Raynet custom fields the bindings (and stock store quantities) touch."""
        from engine.mapping.fields import custom_field_label

        labels = set()
        for b in self.bindings + self.item_bindings:
            if b.raynet_path and (label := custom_field_label(b.raynet_path)):
                labels.add(label)
        for quantity in getattr(self.model, "store_quantities", ()):  # stock, R-S3
            if label := custom_field_label(quantity.raynet):
                labels.add(label)
        return labels


def compile_agenda(agenda: Agenda, mapping: MappingModel) -> CompiledAgenda:
    tables = mapping.dsl_tables()
    bindings = tuple(compile_binding(b, tables) for b in agenda.fields)
    item_fields = getattr(agenda, "item_fields", ())
    item_bindings = tuple(compile_binding(b, tables) for b in item_fields)
    checks = tuple(
        CompiledCheck(c.name, c.direction, compile_expression(c.rule, tables), c.message, c.field, c.rule_id)
        for c in agenda.checks
    )
    extra: dict[str, Any] = {}
    for name in ("trigger_to_pohoda", "state"):
        expr = getattr(agenda, name, None)
        if expr is not None:
            extra[name] = compile_expression(expr, tables)
    for name in ("contact_person_fields", "delivery_address_fields"):
        group = getattr(agenda, name, ())
        if group:
            extra[name] = tuple(compile_binding(b, tables) for b in group)
    return CompiledAgenda(
        model=agenda, bindings=bindings, item_bindings=item_bindings,
        filter_to_pohoda=compile_expression(agenda.filter.to_pohoda, tables),
        filter_to_raynet=compile_expression(agenda.filter.to_raynet, tables),
        checks=checks, extra=extra,
    )


def compile_mapping(mapping: MappingModel) -> dict[str, CompiledAgenda]:
    """Every enabled agenda, compiled, in plan order."""
    return {a.id: compile_agenda(a, mapping) for a in mapping.agendas if a.enabled}
