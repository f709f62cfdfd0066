"""Semantic checks: what the JSON Schema cannot say.

- fixed links between agendas and what each needs (R-G4, R-O*, R-S*, R-L*, R-F5);
- mechanism choices with the bindings they need (R-A1, R-D1, R-P2);
- field bindings that can run in the direction they are configured for, whose
  fields exist in the field catalogs and whose types fit (R-G6);
- translation tables that cover every state of their source, or have a default
  (R-Z2, R-R2), and the table keys that name them;
- currencies with price lists in them (R-G5, R-C3) and the www limit (R-A2);
- no credentials of any kind in a mapping file (R-G8);
- the ``# yaml-language-server: $schema=…`` first line.

Every check reads the merged tree defensively: a value of the wrong shape was
already reported by the schema check and is skipped here.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from pathlib import Path
from typing import Iterable, Iterator

from engine.mapping.agendas import AGENDAS, BY_ID, DEPENDENCIES, TO_POHODA, TO_RAYNET, BindingSet, binding_sets, covers
from engine.mapping.diagnostics import WARNING, Diagnostic, Position, quote_list, suggestion_suffix
from engine.mapping.fields import (POHODA, RAYNET, SIDE_WORDS, CatalogView, copy_problem, custom_field_label,
                                   did_you_mean_field, is_group, type_words)
from engine.mapping.loader import LoadedFile, YamlMap, YamlNode, YamlScalar, YamlSeq, walk
from engine.mapping.states import DOMAINS, TABLE_USES

ONE_WAY = (TO_POHODA, TO_RAYNET)
_CURRENCY = re.compile(r"^[A-Z]{3}$")
DEFAULT_WWW_MAX_LENGTH = 32


def check(root: YamlMap) -> list[Diagnostic]:
    """Every semantic problem of a merged mapping tree."""
    out: list[Diagnostic] = []
    agendas = _map(root.get("agendas"))
    if agendas is not None:
        out += _agenda_links(agendas)
        out += _mechanisms(agendas)
        for spec in AGENDAS:
            agenda = _map(agendas.get(spec.id))
            if agenda is None:
                continue
            for bset in binding_sets(spec.id):
                out += _bindings(bset, agenda)
            out += _store_quantities(agenda) if spec.id == "stock" else []
    out += _tables(root)
    out += _currencies(root)
    out += _www_limit(root)
    return out


# --- small readers ------------------------------------------------------------------------------------------------

def _map(node: YamlNode | None) -> YamlMap | None:
    return node if isinstance(node, YamlMap) else None


def _text(node: YamlNode | None) -> str | None:
    if isinstance(node, YamlScalar) and isinstance(node.value, str) and node.value.strip():
        return node.value
    return None


def _enabled(agendas: YamlMap, agenda_id: str) -> bool | None:
    """Whether an agenda is switched on; None when its ``enabled`` is not true/false (the schema reports it)."""
    agenda = _map(agendas.get(agenda_id))
    if agenda is None:
        return False
    if agenda_id == "address_book":
        return True
    node = agenda.get("enabled")
    if node is None:
        return False
    return node.value if isinstance(node, YamlScalar) and isinstance(node.value, bool) else None


def agenda_direction(agenda: YamlMap | None, agenda_id: str) -> str:
    """The direction an agenda runs: its valid ``direction:`` or the agenda's default."""
    spec = BY_ID[agenda_id]
    node = agenda.get("direction") if agenda is not None else None
    value = node.value if isinstance(node, YamlScalar) else None
    return value if value in spec.directions else spec.default_direction


def _ways(direction: str) -> tuple[str, ...]:
    return ONE_WAY if direction == "both" else (direction,)


def _where_direction(agenda: YamlMap) -> Position:
    node = agenda.get("direction") or agenda.get("enabled")
    return node.pos if node is not None else agenda.pos


# --- agendas and mechanisms -------------------------------------------------------------------------------------

def _agenda_links(agendas: YamlMap) -> Iterator[Diagnostic]:
    for agenda_id, (needed, rule, why) in DEPENDENCIES.items():
        needed_on = _enabled(agendas, needed)
        if not _enabled(agendas, agenda_id) or needed_on is None:
            continue
        agenda = _map(agendas.get(agenda_id))
        direction = agenda_direction(agenda, agenda_id)
        if not needed_on:
            node = agenda.get("enabled") or agenda
            yield Diagnostic(
                "agenda-dependency", f"{agenda_id} needs the {needed} agenda, which is switched off: {why} ({rule})",
                node.pos, hint=f"enable agendas.{needed}, or switch off agendas.{agenda_id}")
            continue
        needed_direction = agenda_direction(_map(agendas.get(needed)), needed)
        missing = [w for w in _ways(direction) if not covers(needed_direction, w)]
        if missing:
            yield Diagnostic(
                "agenda-dependency",
                f"{agenda_id} runs {direction} but {needed} runs only {needed_direction}: {why} ({rule}), so "
                f"{agenda_id} cannot go {', '.join(missing)}",
                _where_direction(agenda),
                hint=f"set agendas.{agenda_id}.direction to {needed_direction}, or widen agendas.{needed}.direction")


#: mechanism choices that need their own bindings: (agenda, key, choice, way, bindings key, what, hint)
_MECHANISM_BINDINGS = (
    ("delivery_addresses", "mechanism", "contact_persons", TO_RAYNET, "contact_person_fields",
     "delivery addresses become contact persons (mechanism: contact_persons, R-D1)",
     "add contact_person_fields (e.g. lastName from name), or use mechanism: company_addresses"),
    ("contact_persons", "to_pohoda_as", "delivery_addresses", TO_POHODA, "delivery_address_fields",
     "contact persons go to POHODA as delivery addresses (to_pohoda_as: delivery_addresses, R-P2)",
     "add delivery_address_fields (e.g. name from lastName), or use to_pohoda_as: contact_persons"),
)


def _mechanisms(agendas: YamlMap) -> Iterator[Diagnostic]:
    """A mechanism that makes other records of a record (R-D1, R-P2) needs the bindings that do it."""
    for agenda_id, key, choice, way, fields_key, what, hint in _MECHANISM_BINDINGS:
        agenda = _map(agendas.get(agenda_id))
        if agenda is None or not _enabled(agendas, agenda_id):
            continue
        node = agenda.get(key)
        if (isinstance(node, YamlScalar) and node.value == choice
                and covers(agenda_direction(agenda, agenda_id), way) and not _has_bindings(agenda, fields_key)):
            yield Diagnostic("mechanism", f"{what}, but {fields_key} binds no fields", node.pos, hint=hint)


def _has_bindings(agenda: YamlMap, key: str) -> bool:
    node = _map(agenda.get(key))
    return node is not None and bool(node.entries)


# --- bindings ---------------------------------------------------------------------------------------------------

def _view(bset: BindingSet, side: str) -> CatalogView:
    s = bset.pohoda if side == POHODA else bset.raynet
    return CatalogView(side, s.catalog, s.prefix)


def binding_ways(bset: BindingSet, agenda_direction_: str, binding: YamlMap) -> tuple[str, ...]:
    """The one-way directions a binding runs in (empty when it never runs)."""
    explicit = binding.get("direction")
    can = _can_run(binding)
    allowed = [w for w in _ways(agenda_direction_) if w in _ways_of_set(bset)]
    if isinstance(explicit, YamlScalar) and explicit.value in ("both", TO_POHODA, TO_RAYNET):
        return tuple(w for w in _ways(explicit.value) if w in allowed and can[w])
    return tuple(w for w in allowed if can[w])


def _ways_of_set(bset: BindingSet) -> tuple[str, ...]:
    return tuple(w for d in bset.directions for w in _ways(d))


def _can_run(binding: YamlMap) -> dict[str, bool]:
    p, r = _text(binding.get("pohoda")), _text(binding.get("raynet"))
    return {
        TO_POHODA: bool(p and (r or _text(binding.get("to_pohoda")))),
        TO_RAYNET: bool(r and (p or _text(binding.get("to_raynet")))),
    }


def _bindings(bset: BindingSet, agenda: YamlMap) -> Iterator[Diagnostic]:
    group = _map(agenda.get(bset.key))
    if group is None:
        return
    direction = agenda_direction(agenda, bset.agenda)
    set_ways = _ways_of_set(bset)
    fixed = BY_ID[bset.agenda].fixed_direction
    for name, entry in group.entries.items():
        binding = _map(entry.node)
        if binding is None or not binding.entries:
            continue  # not a map, or empty: the schema check reports it
        label = f"binding '{name}'"
        yield from _binding_shape(bset, label, binding, set_ways, fixed)
        yield from _binding_fields(bset, label, binding, binding_ways(bset, direction, binding))


def _binding_shape(bset: BindingSet, label: str, binding: YamlMap, set_ways: tuple[str, ...],
                   fixed: str | None) -> Iterator[Diagnostic]:
    can = _can_run(binding)
    explicit = binding.get("direction")
    explicit_value = explicit.value if isinstance(explicit, YamlScalar) else None
    where = f"{bset.agenda}.{bset.key}"
    if explicit_value in ("both", TO_POHODA, TO_RAYNET):
        wrong = False
        for way in _ways(explicit_value):
            if way not in set_ways:
                only = set_ways[0]
                code = "fixed-direction" if fixed else "binding-direction"
                yield Diagnostic(code, f"{label} runs {explicit_value}, but {where} bindings run only {only}",
                                 explicit.pos, hint=f"set direction: {only} or remove direction")
                wrong = True
            elif not can[way]:
                yield Diagnostic("binding-direction", f"{label} cannot run {way}: {_needs(way)}", explicit.pos)
                wrong = True
        if wrong:
            return
        ways = [w for w in _ways(explicit_value) if w in set_ways]
    else:
        ways = [w for w in set_ways if can[w]]
        if not ways:
            if not any(can.values()):
                yield Diagnostic("binding-direction", f"{label} cannot run in any direction: {_incomplete(binding)}",
                                 binding.pos)
            else:
                possible = [w for w in ONE_WAY if can[w]]
                yield Diagnostic("binding-direction" if not fixed else "fixed-direction",
                                 f"{label} can only run {possible[0]}, but {where} bindings run only "
                                 f"{set_ways[0]}", binding.pos, hint=_needs(set_ways[0]))
    for way, key in ((TO_POHODA, "to_pohoda"), (TO_RAYNET, "to_raynet")):
        node = binding.get(key)
        if node is not None and way not in ways and ways:
            yield Diagnostic("binding-direction" if not (fixed or way not in set_ways) else "fixed-direction",
                             f"{key} never runs: {label} runs only {', '.join(ways)}", node.pos,
                             hint=f"remove {key}, or let the binding run {way}")


def _needs(way: str) -> str:
    if way == TO_POHODA:
        return "it needs a pohoda field to write, and a raynet field or a to_pohoda expression to read"
    return "it needs a raynet field to write, and a pohoda field or a to_raynet expression to read"


def _incomplete(binding: YamlMap) -> str:
    has_p, has_r = _text(binding.get("pohoda")), _text(binding.get("raynet"))
    if has_p and not has_r:
        return "it names only a POHODA field; add the raynet field it corresponds to, or a to_pohoda expression"
    if has_r and not has_p:
        return "it names only a Raynet field; add the pohoda field it corresponds to, or a to_raynet expression"
    return "name the pohoda and/or raynet field it writes"


def _binding_fields(bset: BindingSet, label: str, binding: YamlMap,
                    ways: tuple[str, ...]) -> Iterator[Diagnostic]:
    infos = {}
    for side in (POHODA, RAYNET):
        node = binding.get(side)
        path = _text(node)
        if path is None:
            continue
        view = _view(bset, side)
        if side == RAYNET and custom_field_label(path) is not None:
            infos[side] = None  # labels are resolved against the Raynet instance at run time
            continue
        info = view.lookup(path)
        if info is None:
            yield Diagnostic("unknown-field", f"{path} is not a field of the {view.title} record"
                             + did_you_mean_field(view, path), node.pos,
                             hint=f"{SIDE_WORDS[side]} field paths are listed in engine/catalogs/{side}/"
                                  f"{view.catalog}.json")
            continue
        if is_group(info):
            yield Diagnostic("field-type", f"{path} is {type_words(info)}, not a single value; bind its fields "
                                           "one by one", node.pos)
            continue
        infos[side] = info
    for way in ways:
        target_side, source_side, expr_key = ((POHODA, RAYNET, "to_pohoda") if way == TO_POHODA
                                              else (RAYNET, POHODA, "to_raynet"))
        if binding.get(expr_key) is not None:
            continue
        source, target = infos.get(source_side), infos.get(target_side)
        if source is None or target is None:
            continue
        problem = copy_problem(source, target)
        if problem is None:
            severity = None
        else:
            severity, reason = problem
            yield Diagnostic(
                "field-type", f"{label} copies {SIDE_WORDS[source_side]} {_rel(bset, source_side, source.path)} "
                              f"into {SIDE_WORDS[target_side]} {_rel(bset, target_side, target.path)}, but {reason}",
                binding.get(target_side).pos, severity=severity,
                hint=f"convert the value with a {expr_key} expression")
        if (severity is None and source.max_length and target.max_length and source.max_length > target.max_length):
            yield Diagnostic(
                "field-length", f"{label}: {SIDE_WORDS[source_side]} {_rel(bset, source_side, source.path)} holds up "
                                f"to {source.max_length} characters, {SIDE_WORDS[target_side]} "
                                f"{_rel(bset, target_side, target.path)} only {target.max_length}; longer values "
                                "reject the record", binding.get(target_side).pos, severity=WARNING,
                hint=f"shorten it with a {expr_key} expression (e.g. left(…, {target.max_length}))")


def _rel(bset: BindingSet, side: str, path: str) -> str:
    prefix = (bset.pohoda if side == POHODA else bset.raynet).prefix
    return path[len(prefix):] if prefix and path.startswith(prefix) else path


def _store_quantities(stock: YamlMap) -> Iterator[Diagnostic]:
    group = _map(stock.get("store_quantities"))
    if group is None:
        return
    view = CatalogView(RAYNET, BY_ID["stock"].raynet_side.catalog)
    for name, entry in group.entries.items():
        item = _map(entry.node)
        node = item.get("raynet") if item else None
        path = _text(node)
        if path is None or custom_field_label(path) is not None:
            continue
        info = view.lookup(path)
        if info is None:
            yield Diagnostic("unknown-field", f"{path} is not a field of the {view.title} record"
                             + did_you_mean_field(view, path), node.pos,
                             hint='quantities usually go into custom fields: customFields["Stav Brno"]')
        elif info.type not in ("decimal", "integer", "string", "any"):
            yield Diagnostic("field-type", f"store quantity '{name}' goes into {path}, which is {type_words(info)}, "
                                           "not a number", node.pos)


# --- tables -----------------------------------------------------------------------------------------------------

def table_names(root: YamlMap) -> list[str]:
    tables = _map(root.get("tables"))
    return list(tables.entries) if tables else []


def _tables(root: YamlMap) -> Iterator[Diagnostic]:
    tables = _map(root.get("tables"))
    if tables is not None:
        for name, entry in tables.entries.items():
            table = _map(entry.node)
            if table is not None:
                yield from _table_coverage(name, table, entry.key_pos)
    agendas = _map(root.get("agendas"))
    if agendas is None:
        return
    names = list(tables.entries) if tables else []
    for (agenda_id, key), domain in TABLE_USES.items():
        agenda = _map(agendas.get(agenda_id))
        node = agenda.get(key) if agenda is not None else None
        ref = _text(node)
        if ref is None:
            continue
        if ref not in names:
            yield Diagnostic("unknown-table", f"{key}: there is no translation table '{ref}'"
                             + suggestion_suffix(ref, names), node.pos,
                             hint=f"declared tables: {quote_list(names) or 'none'}")
            continue
        table = _map(tables.get(ref))
        keys = _text(table.get("keys")) if table else None
        if keys != domain:
            yield Diagnostic("table-domain", f"{key} needs a table over {domain} states, but table '{ref}' "
                             + (f"translates {keys}" if keys else "does not say which states it translates (keys:)"),
                             node.pos, hint=f"set tables.{ref}.keys: {domain}")


def _table_coverage(name: str, table: YamlMap, key_pos: Position) -> Iterator[Diagnostic]:
    entries = _map(table.get("entries"))
    has_default = table.get("default") is not None
    keys_node = table.get("keys")
    domain = DOMAINS.get(_text(keys_node) or "")
    if entries is None:
        return
    if domain is None:
        if not has_default:
            yield Diagnostic("table-coverage", f"table '{name}' does not say which states it translates (keys:) "
                             "and has no default, so a state without an entry would stop the record",
                             key_pos, hint="add keys: (e.g. pohoda.order_state) or a default:")
        return
    if domain.values is None:
        if not has_default:
            yield Diagnostic("table-coverage", f"table '{name}' translates {domain.name}, whose states are "
                             "defined per Raynet instance, so it needs a default", keys_node.pos,
                             hint="add default: with the value for states without an entry")
        return
    for key, entry in entries.entries.items():
        if key not in domain.values:
            yield Diagnostic("table-key", f"'{key}' is not a state of {domain.name}"
                             + suggestion_suffix(key, domain.values), entry.key_pos,
                             hint=f"states of {domain.name}: {quote_list(domain.values)}")
    missing = [v for v in domain.values if v not in entries.entries]
    if missing and not has_default:
        # a state an overlay removed with null is reported at that null
        removed_at = [entries.removed[v] for v in missing if v in entries.removed]
        yield Diagnostic("table-coverage", f"table '{name}' has no entry for {quote_list(missing)} and no default; "
                         f"every state of {domain.name} ({quote_list(domain.values)}) needs one",
                         removed_at[0] if removed_at else entries.pos,
                         hint=f"add entries for {quote_list(missing)}, or a default:")


# --- currencies and limits ---------------------------------------------------------------------------------------

def _currencies(root: YamlMap) -> Iterator[Diagnostic]:
    currencies = _map(root.get("currencies"))
    home = _text(currencies.get("home")) if currencies else None
    home = home or "CZK"
    if not _CURRENCY.match(home):
        return  # the schema check reports the malformed code
    foreign_node = currencies.get("foreign") if currencies else None
    foreign = [(n.value, n.pos) for n in foreign_node.items if _text(n)] if isinstance(foreign_node, YamlSeq) else []
    lists = _map(root.get("price_lists"))
    by_currency: dict[str, list[str]] = {}
    if lists is not None:
        for name, entry in lists.entries.items():
            pl = _map(entry.node)
            node = pl.get("currency") if pl else None
            currency = _text(node)
            if currency is None:
                continue
            by_currency.setdefault(currency, []).append(name)
            if currency != home and currency not in [f for f, _ in foreign]:
                declared = ", ".join(f for f, _ in foreign) or "none"
                yield Diagnostic("currency", f"price list '{name}' is in {currency}, which is neither the home "
                                 f"currency ({home}) nor a declared foreign currency ({declared}) (R-G5)", node.pos,
                                 hint=f"add {currency} to currencies.foreign")
    for currency, pos in foreign:
        if currency == home:
            yield Diagnostic("currency", f"{currency} is the home currency; list only other currencies as foreign",
                             pos)
        elif currency not in by_currency:
            yield Diagnostic("currency", f"no price list is in {currency}: documents in {currency} transfer only "
                             "if a price list in that currency exists on both sides (R-C3)", pos,
                             hint=f"add a price_lists entry with currency: {currency}")


def _www_limit(root: YamlMap) -> Iterator[Diagnostic]:
    settings = _map(root.get("settings"))
    node = settings.get("www_max_length") if settings else None
    if not isinstance(node, YamlScalar) or isinstance(node.value, bool) or not isinstance(node.value, int):
        return
    info = CatalogView(POHODA, "address_book").lookup("addressbookHeader.web")
    if info is not None and info.max_length and node.value > info.max_length:
        yield Diagnostic("field-length", f"www_max_length is {node.value}, but POHODA's web field holds at most "
                         f"{info.max_length} characters", node.pos,
                         hint=f"use at most {info.max_length} (R-A2 documents 32)")


# --- secrets ----------------------------------------------------------------------------------------------------

_SECRET_KEY = re.compile(r"(pass(word|wd)?|pwd|secret|token|api[_-]?key|apikey|credential|authori[sz]ation|"
                         r"bearer|private[_-]?key|heslo)", re.IGNORECASE)
_ENV_REF = re.compile(r"\$\{\s*env\s*:[^}]*\}|\$\{[A-Za-z_][A-Za-z0-9_]*\}")
_AUTH_VALUE = re.compile(r"^\s*(basic|bearer)\s+[A-Za-z0-9+/=._~-]{8,}\s*$", re.IGNORECASE)
_URL_USERINFO = re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@", re.IGNORECASE)
_TOKEN = re.compile(r"^[A-Za-z0-9_\-+/=]{24,}$")


def check_secrets(files: Iterable[LoadedFile]) -> list[Diagnostic]:
    """R-G8: credentials never live in a mapping — not as values, not as ${env:…} references."""
    out = []
    for loaded in files:
        if loaded.root is None:
            continue
        for path, node in walk(loaded.root):
            if isinstance(node, YamlMap):
                for key, entry in node.entries.items():
                    if _SECRET_KEY.search(key) and not _is_table_entry(path):
                        out.append(Diagnostic(
                            "secret-in-mapping", f"'{key}' looks like a credential; mapping files hold no "
                            "credentials (R-G8)", entry.key_pos,
                            hint="credentials belong in the operator's connection profile, as ${env:NAME} "
                                 "references"))
            elif isinstance(node, YamlScalar) and isinstance(node.value, str):
                reason = _secret_value(node.value)
                if reason:
                    out.append(Diagnostic(
                        "secret-in-mapping", f"{reason}; mapping files hold no credentials (R-G8)", node.pos,
                        hint="put credentials in the operator's connection profile as ${env:NAME} references"))
    return out


def _is_table_entry(path: tuple) -> bool:
    return len(path) >= 3 and path[0] == "tables" and path[2] == "entries"


def _secret_value(value: str) -> str | None:
    if _ENV_REF.search(value):
        return "a ${env:…} reference belongs only in a connection profile"
    if _AUTH_VALUE.match(value):
        return "this value is an HTTP authorization credential"
    if _URL_USERINFO.search(value):
        return "this URL carries a user name and password"
    if _TOKEN.match(value) and _looks_random(value):
        return "this value looks like an API key or token"
    return None


def _looks_random(value: str) -> bool:
    has_digit = any(c.isdigit() for c in value)
    has_alpha = any(c.isalpha() for c in value)
    if not (has_digit and has_alpha):
        return False
    counts = Counter(value)
    entropy = -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())
    return entropy >= 3.5


# --- the schema comment -----------------------------------------------------------------------------------------

_SCHEMA_COMMENT = re.compile(r"^#\s*yaml-language-server:\s*\$schema=(\S+)\s*$")


def check_schema_comment(loaded: LoadedFile) -> list[Diagnostic]:
    """Editors complete and check a mapping when its first line names the schema."""
    m = _SCHEMA_COMMENT.match(loaded.first_line)
    here = Position(str(loaded.path), 1, 1)
    if m is None:
        return [Diagnostic("schema-comment", "the first line should name the mapping schema so editors complete "
                           "and check this file", here, severity=WARNING,
                           hint="run `rpsync schema > .rpsync/mapping.schema.json` and start the file with "
                                "`# yaml-language-server: $schema=<relative path to that file>`")]
    target = m.group(1)
    if "://" in target:
        return []
    if not (Path(loaded.path).parent / target).is_file():
        return [Diagnostic("schema-comment", f"the schema named on the first line, {target}, does not exist "
                           "(relative to this file)", here, severity=WARNING,
                           hint="run `rpsync schema > <that path>` or fix the path")]
    return []

