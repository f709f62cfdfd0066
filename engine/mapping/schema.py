"""The JSON Schema of mapping files, and its errors in plain words.

``schema.json`` (draft 2020-12) ships in the package: editors use it through
the ``# yaml-language-server: $schema=…`` first line, ``rpsync schema`` prints
it, and :func:`check` validates a loaded mapping with it. Every jsonschema
error kind is translated here into a sentence at the YAML position of the
offending value (or key); raw jsonschema messages never reach a user.

Two custom keywords in the schema steer the translation (unknown keywords are
allowed by draft 2020-12 and ignored by other tools): ``errorMessage`` (also
understood by VS Code's YAML/JSON language service) replaces the generic
sentence, ``patternErrorMessage`` explains a pattern, and ``x-code`` chooses
the diagnostic code (e.g. ``fixed-direction`` for one-way agendas).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any, Iterable

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from engine.mapping.diagnostics import Diagnostic, Position, did_you_mean, quote_list
from engine.mapping.loader import YamlMap, key_position, node_at

SCHEMA_RESOURCE = "schema.json"


def schema_text() -> str:
    """The JSON Schema as shipped (what ``rpsync schema`` prints)."""
    return resources.files("engine.mapping").joinpath(SCHEMA_RESOURCE).read_text(encoding="utf-8")


@cache
def schema() -> dict:
    return json.loads(schema_text())


@cache
def _validator() -> Draft202012Validator:
    # The schema is not recursive: validating against a copy with every $ref replaced by its
    # definition gives the same errors and skips reference resolution (about twice as fast).
    return Draft202012Validator(_inlined(schema()))


def _inlined(node: Any, defs: dict | None = None) -> Any:
    defs = schema()["$defs"] if defs is None else defs
    if isinstance(node, list):
        return [_inlined(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    out = {k: _inlined(v, defs) for k, v in node.items() if k != "$defs"}
    ref = out.pop("$ref", None)
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        target = _inlined(defs[ref.split("/")[-1]], defs)
        out = {**target, **out}  # keywords beside $ref (a description) take precedence
    return out


def check(root: YamlMap) -> list[Diagnostic]:
    """Validate a (merged) mapping tree against the schema; every error, translated."""
    instance = root.to_plain()
    errors = list(_validator().iter_errors(instance))
    return list(_translate_all(errors, root))


def translate_errors(errors: Iterable[ValidationError], root: YamlMap) -> list[Diagnostic]:
    """jsonschema errors of any YAML tree (e.g. a mapping test file) as diagnostics in plain words."""
    return list(_translate_all(list(errors), root))


# --- translation -------------------------------------------------------------------------------------------------

_KIND_WORDS = {
    "object": "a map of keys",
    "array": "a list",
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "null": "empty (null)",
}

_GENERIC_CODES = {
    "type": "wrong-type",
    "enum": "invalid-value",
    "const": "invalid-value",
    "required": "missing-key",
    "dependentRequired": "missing-key",
    "additionalProperties": "unknown-key",
    "unevaluatedProperties": "unknown-key",
    "pattern": "invalid-format",
    "format": "invalid-format",
    "minLength": "out-of-range",
    "maxLength": "out-of-range",
    "minimum": "out-of-range",
    "maximum": "out-of-range",
    "exclusiveMinimum": "out-of-range",
    "exclusiveMaximum": "out-of-range",
    "multipleOf": "out-of-range",
    "minItems": "out-of-range",
    "maxItems": "out-of-range",
    "minProperties": "out-of-range",
    "maxProperties": "out-of-range",
    "minContains": "out-of-range",
    "maxContains": "out-of-range",
    "uniqueItems": "duplicate-item",
}

# keywords whose failure is explained by the value's type when a type error is reported at the same place
_TYPE_DEPENDENT = {"enum", "const", "pattern", "format", "minLength", "maxLength", "minimum", "maximum",
                   "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minItems", "maxItems", "uniqueItems",
                   "minProperties", "maxProperties", "additionalProperties", "required", "propertyNames"}


def _translate_all(errors: list[ValidationError], root: YamlMap) -> Iterable[Diagnostic]:
    by_path: dict[tuple, list[ValidationError]] = defaultdict(list)
    for error in errors:
        by_path[tuple(error.absolute_path)].append(error)
    for path, group in by_path.items():
        has_type_error = any(e.validator == "type" and not _is_property_name_error(e) for e in group)
        for error in group:
            if has_type_error and error.validator in _TYPE_DEPENDENT and not _is_property_name_error(error):
                continue
            yield from _translate(error, root)


def _is_property_name_error(error: ValidationError) -> bool:
    return "propertyNames" in error.schema_path


def _name(path: tuple) -> str:
    """How a message names the value at ``path``: its key, or parent[index] for list items."""
    if not path:
        return "the mapping"
    last = path[-1]
    if isinstance(last, int):
        parent = path[-2] if len(path) > 1 and isinstance(path[-2], str) else "list"
        return f"{parent}[{last}]"
    return str(last)


def _where(path: tuple) -> str:
    """The dotted location of a map, for 'in …' phrases."""
    if not path:
        return "the top level"
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out


def _show(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Decimal, float)):
        return str(value)
    if isinstance(value, str):
        return repr(value) if len(value) <= 60 else repr(value[:57] + "...")
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a map of keys"
    return "a value"


def _kind(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"{_show(value)}"
    if isinstance(value, str):
        return f"the text {_show(value)}"
    if isinstance(value, (int, Decimal, float)):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a map of keys" if value else "an empty map"
    return "a value"


def _kinds(expected: Any) -> str:
    kinds = expected if isinstance(expected, list) else [expected]
    words = [_KIND_WORDS.get(k, k) for k in kinds]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _first_sentence(text: str | None) -> str:
    if not text:
        return ""
    for end in (". ", ".\n"):
        if end in text:
            return text.split(end, 1)[0] + "."
    return text


def _value_position(root: YamlMap, path: tuple) -> Position:
    node = node_at(root, path)
    if node is not None:
        return node.pos
    return root.pos


def _custom(error: ValidationError) -> tuple[str | None, str | None]:
    sub = error.schema if isinstance(error.schema, dict) else {}
    return sub.get("errorMessage"), sub.get("x-code")


def _translate(error: ValidationError, root: YamlMap) -> Iterable[Diagnostic]:
    path = tuple(error.absolute_path)
    kind = error.validator
    name = _name(path)
    custom_message, custom_code = _custom(error)
    code = custom_code or _GENERIC_CODES.get(str(kind), "schema")
    instance = error.instance
    pos = _value_position(root, path)
    hint = None

    if _is_property_name_error(error):
        yield _property_name(error, root, path)
        return

    if kind == "additionalProperties" or kind == "unevaluatedProperties":
        yield from _unknown_keys(error, root, path)
        return

    if kind == "required" or kind == "dependentRequired":
        yield from _missing_keys(error, root, path)
        return

    if kind == "type":
        message = f"{name} must be {_kinds(error.validator_value)}"
    elif kind == "enum":
        choices = error.validator_value
        message = f"{name} must be {choices[0]}" if len(choices) == 1 else \
            f"{name} must be one of {quote_list(choices)}"
    elif kind == "const":
        message = f"{name} must be {_show(error.validator_value)}"
    elif kind == "pattern":
        explain = (error.schema or {}).get("patternErrorMessage") if isinstance(error.schema, dict) else None
        message = f"{name} {explain or 'does not have the required form'}"
    elif kind == "format":
        message = f"{name} must be a valid {error.validator_value}"
    elif kind == "minLength":
        limit = error.validator_value
        message = f"{name} must not be empty" if limit == 1 else \
            f"{name} must be at least {limit} characters long; got {len(instance)}"
    elif kind == "maxLength":
        message = f"{name} must be at most {error.validator_value} characters long; got {len(instance)}"
    elif kind in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        words = {"minimum": "at least", "exclusiveMinimum": "more than", "maximum": "at most",
                 "exclusiveMaximum": "less than"}[kind]
        message = f"{name} must be {words} {error.validator_value}; got {_show(instance)}"
    elif kind == "multipleOf":
        message = f"{name} must be a multiple of {error.validator_value}; got {_show(instance)}"
    elif kind in ("minItems", "maxItems", "minProperties", "maxProperties"):
        items = kind.endswith("Items")
        n = error.validator_value
        words = "at least" if kind.startswith("min") else "at most"
        noun = "item" if items else "key"
        message = f"{name} must {'list' if items else 'have'} {words} {n} {noun}{'s' if n != 1 else ''}; " \
                  f"got {len(instance)}"
        if kind.startswith("min") and n == 1 and not instance:
            message = f"{name} must not be {'an empty list' if items else 'empty'}"
            hint = "remove the key to use the default" if items else None
    elif kind == "uniqueItems":
        yield _duplicate_item(error, root, path)
        return
    elif kind in ("oneOf", "anyOf"):
        best = best_match(error.context or [])
        if best is not None and best is not error:
            yield from _translate(best, root)
            return
        message = f"{name} does not match any of the allowed forms"
    elif kind in ("contains", "minContains", "maxContains"):
        message = f"{name} does not contain the required items"
    elif kind == "not" or kind is None or kind is False:  # `not`, or a `false` schema
        message = f"{name} is not allowed here"
    else:
        message = f"{name} does not fit the mapping format here"
    if custom_message:
        names_it = re.search(rf"(?<![\w.]){re.escape(name)}(?![\w])", custom_message) is not None
        message = custom_message if names_it else f"{name}: {custom_message}"
    if kind in ("type", "enum", "const", "pattern", "format") or (custom_message and kind == "minProperties"):
        message += f"; got {_kind(instance) if kind in ('type', 'minProperties') else _show(instance)}"
    if kind == "enum" and isinstance(instance, str):
        choices = [c for c in error.validator_value if isinstance(c, str)]
        best = did_you_mean(instance, choices)
        if best is not None and best != instance:
            message += f" — did you mean '{best}'?"
    description = _first_sentence((error.schema or {}).get("description")) if isinstance(error.schema, dict) else ""
    if hint is None and description and not custom_message and kind in ("type", "enum", "const", "pattern",
                                                                         "format"):
        hint = f"{name}: {description}"
    yield Diagnostic(code, message, pos, hint=hint)


def _property_schemas(error: ValidationError) -> dict:
    sub = error.schema if isinstance(error.schema, dict) else {}
    return sub.get("properties", {}) or {}


def _unknown_keys(error: ValidationError, root: YamlMap, path: tuple) -> Iterable[Diagnostic]:
    props = _property_schemas(error)
    patterns = (error.schema or {}).get("patternProperties", {}) if isinstance(error.schema, dict) else {}
    instance = error.instance if isinstance(error.instance, dict) else {}
    allowed = sorted(props)
    where = _where(path)
    for key in instance:
        if key in props or any(re.search(p, key) for p in patterns):
            continue
        pos = key_position(root, path + (key,)) or _value_position(root, path)
        best = did_you_mean(key, allowed)
        message = f"unknown key '{key}' in {where}"
        if best is not None:
            message += f" — did you mean '{best}'?"
        hint = f"keys allowed here: {quote_list(allowed)}" if allowed else None
        yield Diagnostic("unknown-key", message, pos, hint=hint)


def _missing_keys(error: ValidationError, root: YamlMap, path: tuple) -> Iterable[Diagnostic]:
    instance = error.instance if isinstance(error.instance, dict) else {}
    props = _property_schemas(error)
    if error.validator == "required":
        missing = [k for k in error.validator_value if k not in instance]
    else:  # dependentRequired: {"a": ["b"]}
        missing = [dep for trigger, deps in error.validator_value.items() if trigger in instance
                   for dep in deps if dep not in instance]
    node = node_at(root, path)
    for key in missing:
        removed_at = node.removed.get(key) if isinstance(node, YamlMap) else None
        where = _where(path)
        description = _first_sentence(_describe(props.get(key)))
        message = f"{where} needs the key '{key}'"
        if description:
            message += f": {description}"
        if removed_at is not None:
            pos = removed_at
            message = f"'{key}: null' removes a key {where} needs" + (f": {description}" if description else "")
        else:
            pos = key_position(root, path) or _value_position(root, path)
        yield Diagnostic("missing-key", message, pos)


def _describe(prop_schema: Any) -> str | None:
    if not isinstance(prop_schema, dict):
        return None
    if "description" in prop_schema:
        return prop_schema["description"]
    ref = prop_schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        return schema()["$defs"].get(ref.split("/")[-1], {}).get("description")
    return None


def _property_name(error: ValidationError, root: YamlMap, path: tuple) -> Diagnostic:
    key = error.instance
    parent = node_at(root, path)
    pos = None
    if isinstance(parent, YamlMap) and isinstance(key, str) and key in parent.entries:
        pos = parent.entries[key].key_pos
    pos = pos or _value_position(root, path)
    sub = error.schema if isinstance(error.schema, dict) else {}
    explain = sub.get("patternErrorMessage") or "is not an allowed name here"
    return Diagnostic("invalid-format", f"'{key}' in {_where(path)} {explain}", pos,
                      hint="names are used in expressions and overlays, e.g. company_name or order_state_to_phase")


def _duplicate_item(error: ValidationError, root: YamlMap, path: tuple) -> Diagnostic:
    items = error.instance if isinstance(error.instance, list) else []
    seen: list = []
    for i, item in enumerate(items):
        if item in seen:
            node = node_at(root, path + (i,))
            return Diagnostic("duplicate-item", f"{_name(path)} lists {_show(item)} twice",
                              node.pos if node else _value_position(root, path), hint="remove one of them")
        seen.append(item)
    return Diagnostic("duplicate-item", f"{_name(path)} lists an item twice", _value_position(root, path))

