"""The requirement rules table (``engine/docs/rules.yaml``): which mapping keys and engine behaviour control
each rule R-G1 … R-E3, committed as data so that the manual never needs REQUIREMENTS.md at run time."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

from ruamel.yaml import YAML

from engine.docs.schema_reference import code, md

GROUPS = {"G": "General", "C": "Preconditions in POHODA data", "A": "Address book ⇄ clients",
          "D": "Delivery addresses", "P": "Contact persons", "Z": "Contracts ⇄ business cases",
          "O": "Issued offers ← offers", "R": "Received orders ⇄ orders", "F": "Issued invoices ⇄ invoices",
          "S": "Stock → products", "L": "Prices → price lists", "E": "The CRM's own file export"}


@dataclass(frozen=True)
class Rule:
    id: str
    rule: str
    keys: tuple[str, ...]
    engine: str

    @property
    def group(self) -> str:
        return self.id.split("-")[1][0]


@cache
def rules() -> tuple[Rule, ...]:
    text = resources.files("engine.docs").joinpath("rules.yaml").read_text(encoding="utf-8")
    data = YAML(typ="safe").load(text)
    return tuple(Rule(rule_id, str(entry["rule"]), tuple(entry.get("keys") or ()), str(entry["engine"]))
                 for rule_id, entry in data.items())


def schema_path_exists(path: str) -> bool:
    """Whether a dotted key path (``agendas.stock.kinds``) is a key of the mapping schema."""
    from engine.fmt.schema_order import SchemaWalker
    from engine.mapping.schema import schema

    walker = SchemaWalker(schema())
    node = walker.schema
    for step in path.split("."):
        if step not in walker.key_order(node):
            return False
        node = walker.child(node, step)
    return True


def render() -> str:
    out = ["Every rule of the requirement catalog, what a mapping sets for it (keys link to "
           "[mapping-keys.md](mapping-keys.md)) and what the engine does by itself. The table is data: "
           "`engine/docs/rules.yaml`.", ""]
    by_group: dict[str, list[Rule]] = {}
    for rule in rules():
        by_group.setdefault(rule.group, []).append(rule)
    for group, items in by_group.items():
        out += [f"## {GROUPS.get(group, group)}", "", "| rule | what it says | mapping keys | the engine |",
                "|---|---|---|---|"]
        for rule in items:
            keys = ", ".join(code(k) for k in rule.keys) or "—"
            out.append(f"| **{rule.id}** | {md(rule.rule)} | {keys} | {md(rule.engine)} |")
        out.append("")
    return "\n".join(out).rstrip() + "\n"
