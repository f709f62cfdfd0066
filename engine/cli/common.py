"""Pieces the sync commands share: loading mapping and profile, progress, the summary table."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Callable

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from engine.errors import RpsyncError
from engine.secrets import redact

console = Console(stderr=False, highlight=False)
err_console = Console(stderr=True, highlight=False)

MAPPING_OPTION = typer.Option(..., "--mapping", "-m", help="The mapping file (YAML).")
PROFILE_OPTION = typer.Option(..., "--profile", "-p", help="The connection profile (TOML or YAML).")


#: terminal control characters (C0 but tab and newline, DEL, C1): a record named "\x1b]0;…" must not drive the
#: terminal; they are shown as \xNN escapes
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def safe(value: Any) -> str:
    """Data (record names, values, messages quoting them) for a rich console line with markup: secrets
    redacted, control characters shown as escapes, ``[…]`` kept literal (a client called "ACME [/red]" must
    neither restyle nor break the report)."""
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", redact(str(value)))
    return escape(text)


def serve_until_stopped(announce: Callable[[], None]) -> None:
    """Block a serving command (the simulators) until Ctrl-C or SIGTERM (a service manager's stop), then return so
    the caller closes what it serves. Both signals are taken over explicitly: a process started in the background
    of a non-interactive shell inherits SIGINT as ignored, and Ctrl-C / ``kill -INT`` would not stop it.
    ``announce`` prints the "serving, Ctrl-C stops it" lines; it runs once the handlers are in place, so a stop
    sent by someone who read them is never missed."""
    import signal
    import threading

    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        announce()
        while not stop.wait(0.2):
            pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def fail(message: str, code: int = 1) -> None:
    err_console.print(f"[bold red]error:[/] {safe(message)}", markup=True, highlight=False)
    raise typer.Exit(code)


def check_rates(rates: dict[str, float]) -> None:
    """Fault rates of the simulators' options: shares between 0 and 1, else exit 2 naming the option."""
    for option, rate in rates.items():
        if not 0.0 <= rate <= 1.0:
            typer.echo(f"error: {option} must be between 0 and 1, got {rate}", err=True)
            raise typer.Exit(2)


def load_mapping_or_exit(path: Path):
    from engine.mapping import MappingError, load_mapping

    try:
        return load_mapping(path)
    except MappingError as exc:
        for d in exc.diagnostics:
            err_console.print(str(d), markup=False)
        fail(f"the mapping {path} is not valid (run `rpsync validate {path}`)")


def load_profile_or_exit(path: Path):
    from engine.profile import load_profile

    try:
        return load_profile(path)
    except RpsyncError as exc:
        fail(str(exc), 2)


def progress_printer(quiet: bool = False):
    def progress(agenda: str, message: str) -> None:
        if not quiet:
            err_console.print(f"[dim]{safe(agenda)}[/]: {safe(message)}", markup=True)
    return progress


def summary_table(report: dict[str, Any], *, title: str = "rpsync") -> Table:
    table = Table(title=title, title_justify="left")
    for col in ("agenda", "direction", "read", "created", "updated", "unchanged", "linked", "skipped",
                "quarantined", "conflicts"):
        table.add_column(col, justify="left" if col in ("agenda", "direction") else "right")
    for agenda, per in report.get("agendas", {}).items():
        for direction, c in per.items():
            table.add_row(agenda, direction.replace("to_", "→ "), *(str(c.get(k, 0)) for k in (
                "read", "created", "updated", "unchanged", "linked", "skipped", "quarantined", "conflicts")))
    t = report.get("totals", {})
    table.add_row("total", "", *(str(t.get(k, 0)) for k in (
        "read", "created", "updated", "unchanged", "linked", "skipped", "quarantined", "conflicts")), style="bold")
    return table


def print_report(report: dict[str, Any], *, title: str = "rpsync run") -> None:
    console.print(summary_table(report, title=title))
    req = report.get("requests", {})
    console.print(f"requests: Raynet {req.get('raynet', 0)}, POHODA {req.get('pohoda', 0)}")
    for q in report.get("quarantine", [])[:50]:
        where = f" \\[{safe(q['field'])}]" if q.get("field") else ""
        rule = f" ({safe(q['rule'])})" if q.get("rule") else ""
        console.print(f"[yellow]quarantined[/] {safe(q['agenda'])}: {safe(q['label'] or q['record'])}{where}{rule}: "
                      f"{safe(q['message'])}", markup=True, highlight=False)
    if len(report.get("quarantine", [])) > 50:
        console.print(f"… and {len(report['quarantine']) - 50} more (see the JSON report)")
    for c in report.get("conflicts", [])[:20]:
        console.print(f"[magenta]conflict[/] {safe(c['agenda'])} {safe(c['record'])} {safe(c['binding'])}: "
                      f"{safe(c['winner'])} won, lost value {safe(repr(c['lost_value']))}", markup=True,
                      highlight=False)
    for note in report.get("notes", []):
        console.print(f"note: {safe(note)}", highlight=False)
    if report.get("message"):
        console.print(safe(report["message"]), highlight=False)


def write_json(path: Path, data: Any) -> None:
    from engine.sync.snapshot import canonical

    def default(value):
        c = canonical(value)
        return c if not isinstance(c, dict) else next(iter(c.values()))

    text = redact(json.dumps(data, ensure_ascii=False, indent=2, default=default))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text + "\n", encoding="utf-8")
    tmp.replace(path)
