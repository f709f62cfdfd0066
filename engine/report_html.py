"""The run report as one self-contained HTML page (``rpsync run --report-html FILE``).

``render_html(report)`` takes ``RunReport.to_dict()`` (the same data as the
JSON report) and returns a page with everything inline: CSS in a ``<style>``
element, no scripts, no fonts, images or links to anything outside, so it can
be mailed, archived or opened offline. Every text from the report is
HTML-escaped and passed through ``engine.secrets.redact``.

The page shows, per agenda and direction, what was read, created, updated,
left unchanged, linked, skipped and quarantined (with a bar of the shares),
each quarantined record with its reason, conflicts with the value that lost,
the notes and the requests spent. Counts carry stable ids
(``count-<agenda>-<direction>-<counter>``, ``total-<counter>``) for tools.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from html import escape
from pathlib import Path
from typing import Any, Iterable, Mapping

from engine import __version__
from engine.secrets import redact

COUNTERS = ("read", "created", "updated", "unchanged", "linked", "skipped", "quarantined", "conflicts")
#: counters drawn in the share bar, in order
BAR = ("created", "updated", "unchanged", "linked", "skipped", "quarantined")
DIRECTIONS = {"to_pohoda": "Raynet → POHODA", "to_raynet": "POHODA → Raynet"}
STATUS_WORDS = {
    "ok": "everything went through",
    "quarantined": "some records are in quarantine",
    "failed": "the run failed",
    "budget_spent": "stopped: request budget spent",
    "running": "did not finish",
}

_CSS = """
:root { --bg:#f6f7f9; --card:#fff; --ink:#1d2330; --muted:#5d6778; --line:#e3e6eb;
  --ok:#1f8a4c; --ok-bg:#e3f4ea; --warn:#a86400; --warn-bg:#fff1d6; --bad:#b42318; --bad-bg:#fde7e4;
  --created:#2e9e5b; --updated:#2f6fde; --unchanged:#aab2bf; --linked:#7a5af8; --skipped:#d7dbe2;
  --quarantined:#d92d20; }
@media (prefers-color-scheme: dark) { :root { --bg:#12151b; --card:#1b2029; --ink:#e8ebf0; --muted:#9aa4b2;
  --line:#2b313c; --ok-bg:#16331f; --warn-bg:#3a2a0c; --bad-bg:#3d1512; --skipped:#3a414d; --unchanged:#5d6675; } }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--ink);
  font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif; }
main { max-width:1180px; margin:0 auto; padding:28px 24px 48px; }
header.top { display:flex; flex-wrap:wrap; align-items:baseline; gap:12px 18px; margin-bottom:6px; }
h1 { font-size:26px; margin:0; letter-spacing:-.01em; }
h2 { font-size:18px; margin:34px 0 12px; }
h3 { font-size:15px; margin:0; }
code, .mono { font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; font-size:13px; }
.brand { font-weight:700; color:var(--muted); letter-spacing:.08em; text-transform:uppercase; font-size:12px; }
.badge { display:inline-block; padding:3px 10px; border-radius:999px; font-size:13px; font-weight:600;
  vertical-align:middle; }
.status-ok { background:var(--ok-bg); color:var(--ok); }
.status-quarantined, .status-budget_spent { background:var(--warn-bg); color:var(--warn); }
.status-failed { background:var(--bad-bg); color:var(--bad); }
.status-running { background:var(--line); color:var(--muted); }
.dry { background:var(--line); color:var(--muted); }
.meta { color:var(--muted); margin:4px 0 0; }
.message { margin:12px 0 0; padding:10px 14px; border-radius:8px; background:var(--card);
  border-left:4px solid var(--warn); }
.cards { display:grid; grid-template-columns:repeat(auto-fill,minmax(124px,1fr)); gap:12px; margin-top:22px; }
.card { background:var(--card); border:1px solid var(--line); border-radius:12px; padding:14px 16px; }
.card .n { font-size:28px; font-weight:700; line-height:1.1; font-variant-numeric:tabular-nums; }
.card .label { color:var(--muted); font-size:13px; }
.card.alert { border-color:var(--quarantined); }
.card.alert .n { color:var(--quarantined); }
.card .dot { display:inline-block; width:9px; height:9px; border-radius:50%; margin-right:6px; }
table { width:100%; border-collapse:collapse; background:var(--card); border:1px solid var(--line);
  border-radius:12px; overflow:hidden; }
th, td { padding:9px 10px; text-align:left; border-bottom:1px solid var(--line); vertical-align:top; }
td.dir { white-space:nowrap; color:var(--muted); }
td.agenda { min-width:170px; }
th { font-size:11px; text-transform:uppercase; letter-spacing:.03em; color:var(--muted); background:var(--bg); }
.scroll { overflow-x:auto; border-radius:12px; }
tr:last-child td { border-bottom:0; }
td.n, th.n { text-align:right; font-variant-numeric:tabular-nums; }
td.zero { color:var(--muted); opacity:.55; }
td.hot { color:var(--quarantined); font-weight:700; }
.agenda-title { font-weight:600; }
.agenda-id { color:var(--muted); }
.bar { display:flex; height:10px; width:110px; margin-top:6px; border-radius:5px; overflow:hidden; background:var(--line); }
.bar span { display:block; height:100%; }
.legend { display:flex; flex-wrap:wrap; gap:6px 16px; color:var(--muted); font-size:13px; margin:10px 2px 0; }
.legend i { display:inline-block; width:10px; height:10px; border-radius:2px; margin-right:5px;
  vertical-align:-1px; }
.c-created { background:var(--created); } .c-updated { background:var(--updated); }
.c-unchanged { background:var(--unchanged); } .c-linked { background:var(--linked); }
.c-skipped { background:var(--skipped); } .c-quarantined { background:var(--quarantined); }
details { background:var(--card); border:1px solid var(--line); border-radius:12px; margin-bottom:12px; }
details > summary { cursor:pointer; padding:12px 16px; font-weight:600; list-style-position:inside; }
details table { border:0; border-top:1px solid var(--line); border-radius:0; }
.reason { font-weight:500; }
.rule { display:inline-block; padding:1px 7px; border-radius:6px; background:var(--bad-bg); color:var(--bad);
  font-size:12px; font-weight:600; white-space:nowrap; }
.lost { text-decoration:line-through; color:var(--bad); }
.won { color:var(--ok); font-weight:600; }
.empty { background:var(--card); border:1px dashed var(--line); border-radius:12px; padding:14px 16px;
  color:var(--muted); }
ul.notes { background:var(--card); border:1px solid var(--line); border-radius:12px; margin:0;
  padding:12px 16px 12px 34px; }
footer { margin-top:40px; color:var(--muted); font-size:12px; }
@media print { body { background:#fff; } .card, table, details { break-inside:avoid; } }
"""


#: control characters (HTML forbids them in text; a record name may carry them): shown as \xNN
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _t(value: Any) -> str:
    """Text for the page: redacted, control characters made visible, escaped."""
    text = redact("" if value is None else str(value))
    return escape(_CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text), quote=True)


def _plain(value: Any) -> Any:
    """A value as people read it: the report's canonical forms (``{"$num": "21"}``) unwrapped."""
    if isinstance(value, dict):
        if len(value) == 1 and next(iter(value)).startswith("$"):
            return next(iter(value.values()))
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _value(value: Any) -> str:
    value = _plain(value)
    if value is None:
        return '<span class="agenda-id">—</span>'
    if isinstance(value, str):
        return f"<code>{_t(value)}</code>"
    return f"<code>{_t(json.dumps(value, ensure_ascii=False, default=str))}</code>"


def _id(*parts: str) -> str:
    return "-".join("".join(c if c.isalnum() or c in "_" else "_" for c in str(p)) for p in parts)


def _agenda_title(agenda: str) -> str:
    from engine.mapping.agendas import BY_ID

    spec = BY_ID.get(agenda)
    return spec.title if spec is not None else agenda


def _moment(text: Any) -> str:
    """``2026-03-14T10:00:05+00:00`` → ``2026-03-14 10:00:05 UTC`` (other texts as they are)."""
    try:
        moment = datetime.fromisoformat(str(text))
    except (TypeError, ValueError):
        return str(text)
    zone = "UTC" if moment.utcoffset() is not None and not moment.utcoffset() else moment.strftime("%z")
    return f"{moment:%Y-%m-%d %H:%M:%S} {zone}".strip()


def _duration(started: str | None, finished: str | None) -> str | None:
    try:
        seconds = (datetime.fromisoformat(str(finished)) - datetime.fromisoformat(str(started))).total_seconds()
    except (TypeError, ValueError):
        return None
    if seconds < 60:
        return f"{seconds:.0f} s"
    return f"{int(seconds // 60)} min {int(seconds % 60)} s"


def _header(report: Mapping[str, Any]) -> list[str]:
    status = str(report.get("status") or "running")
    out = ['<header class="top">', '<div class="brand">rpsync</div>',
           f'<h1>Run report <span class="badge status-{_t(status)}" id="status" data-status="{_t(status)}">'
           f'{_t(status.replace("_", " "))}</span>'
           + (' <span class="badge dry" id="dry-run">dry run — nothing was written</span>'
              if report.get("dry_run") else "") + "</h1>", "</header>"]
    meta = [f"mapping <code>{_t(report.get('mapping') or '—')}</code>"]
    if report.get("started_at"):
        meta.append(f"started {_t(_moment(report.get('started_at')))}")
    if report.get("finished_at"):
        meta.append(f"finished {_t(_moment(report.get('finished_at')))}")
    took = _duration(report.get("started_at"), report.get("finished_at"))
    if took:
        meta.append(f"took {_t(took)}")
    out.append(f'<p class="meta">{" · ".join(meta)}</p>')
    out.append(f'<p class="meta">{_t(STATUS_WORDS.get(status, status))}</p>')
    if report.get("message"):
        out.append(f'<p class="message" id="message">{_t(report["message"])}</p>')
    return out


def _cards(report: Mapping[str, Any]) -> list[str]:
    totals = report.get("totals") or {}
    requests = report.get("requests") or {}
    out = ['<section class="cards" aria-label="totals">']
    for name in ("created", "updated", "unchanged", "quarantined", "conflicts", "skipped"):
        n = int(totals.get(name, 0) or 0)
        alert = " alert" if name in ("quarantined", "conflicts") and n else ""
        dot = f'<i class="dot c-{name}"></i>' if name in BAR else ""
        out.append(f'<div class="card{alert}"><div class="n" id="total-{name}" data-count="{n}">{n}</div>'
                   f'<div class="label">{dot}{name}</div></div>')
    for side, label in (("raynet", "Raynet requests"), ("pohoda", "POHODA requests")):
        n = int(requests.get(side, 0) or 0)
        out.append(f'<div class="card"><div class="n" id="requests-{side}" data-count="{n}">{n}</div>'
                   f'<div class="label">{label}</div></div>')
    out.append("</section>")
    return out


def _bar(counts: Mapping[str, Any]) -> str:
    total = sum(int(counts.get(k, 0) or 0) for k in BAR)
    if not total:
        return '<div class="bar" title="nothing"></div>'
    parts = []
    for key in BAR:
        n = int(counts.get(key, 0) or 0)
        if n:
            parts.append(f'<span class="c-{key}" style="width:{100 * n / total:.2f}%" title="{key}: {n}"></span>')
    return f'<div class="bar">{"".join(parts)}</div>'


def _agendas(report: Mapping[str, Any]) -> list[str]:
    agendas: Mapping[str, Mapping[str, Mapping[str, Any]]] = report.get("agendas") or {}
    out = ["<h2>Agendas</h2>"]
    if not agendas:
        return out + ['<p class="empty">No agenda ran.</p>']
    out.append('<div class="scroll"><table class="agendas"><thead><tr><th>agenda</th><th>direction</th>'
               + "".join(f'<th class="n">{c}</th>' for c in COUNTERS) + "<th>share</th></tr></thead><tbody>")
    for agenda, per in agendas.items():
        for direction, counts in per.items():
            row = _id(agenda, direction)
            cells = []
            for c in COUNTERS:
                n = int(counts.get(c, 0) or 0)
                cls = "n zero" if not n else ("n hot" if c in ("quarantined", "conflicts") else "n")
                cells.append(f'<td class="{cls}" id="count-{row}-{c}" data-count="{n}">{n}</td>')
            out.append(f'<tr id="row-{row}"><td class="agenda"><div class="agenda-title">'
                       f'{_t(_agenda_title(agenda))}</div><code class="agenda-id">{_t(agenda)}</code></td>'
                       f'<td class="dir">{_t(DIRECTIONS.get(direction, direction))}</td>{"".join(cells)}'
                       f"<td>{_bar(counts)}</td></tr>")
    out.append("</tbody></table></div>")
    out.append('<div class="legend">' + "".join(f'<span><i class="c-{k}"></i>{k}</span>' for k in BAR) + "</div>")
    return out


def _grouped(items: Iterable[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for item in items:
        groups.setdefault(str(item.get("agenda")), []).append(item)
    return groups


def _heading(anchor: str, title: str, items: list, empty: str) -> tuple[list[str], bool]:
    """A section's heading with its count, and the empty-state line when there is nothing to list."""
    out = [f'<h2 id="{anchor}">{title} <span class="agenda-id">({len(items)})</span></h2>']
    if not items:
        out.append(f'<p class="empty">{empty}</p>')
    return out, bool(items)


def _quarantine(report: Mapping[str, Any]) -> list[str]:
    items = list(report.get("quarantine") or ())
    out, any_items = _heading("quarantine", "Quarantined records", items, "Nothing was quarantined: every record "
                              "that was read went through or was left out by a filter.")
    if not any_items:
        return out
    out.append('<p class="meta">These records were not written. Fix what the reason names (in Raynet, in POHODA '
               "or in the mapping); the next run tries them again.</p>")
    for agenda, group in _grouped(items).items():
        out.append(f'<details open id="quarantine-{_id(agenda)}"><summary>{_t(_agenda_title(agenda))} '
                   f'<span class="agenda-id">({len(group)})</span></summary>')
        out.append("<table><thead><tr><th>record</th><th>from</th><th>field</th><th>reason</th></tr></thead><tbody>")
        for q in group:
            side = "Raynet" if q.get("side") == "raynet" else "POHODA" if q.get("side") == "pohoda" else q.get("side")
            rule = f' <span class="rule">{_t(q["rule"])}</span>' if q.get("rule") else ""
            label = q.get("label") or q.get("record")
            out.append(f'<tr class="quarantined-record"><td>{_t(label)}<div class="agenda-id mono">id '
                       f'{_t(q.get("record"))}</div></td><td>{_t(side)}</td>'
                       f'<td>{_value(q.get("field")) if q.get("field") else "—"}</td>'
                       f'<td><span class="reason">{_t(q.get("message"))}</span>{rule}</td></tr>')
        out.append("</tbody></table></details>")
    return out


def _conflicts(report: Mapping[str, Any]) -> list[str]:
    items = list(report.get("conflicts") or ())
    out, any_items = _heading("conflicts", "Conflicts", items, "No field changed on both sides since the last run.")
    if not any_items:
        return out
    out.append('<p class="meta">A field changed on both sides; the mapping\'s <code>on_conflict</code> chose the '
               "winner. The losing value is shown so that nobody's work disappears unnoticed.</p>")
    out.append("<table><thead><tr><th>agenda</th><th>record</th><th>field</th><th>winner</th><th>Raynet value</th>"
               "<th>POHODA value</th><th>lost value</th></tr></thead><tbody>")
    for c in items:
        out.append(f'<tr class="conflict"><td>{_t(_agenda_title(str(c.get("agenda"))))}</td>'
                   f'<td>{_t(c.get("record"))}</td><td><code>{_t(c.get("binding"))}</code></td>'
                   f'<td class="won">{_t(str(c.get("winner") or "").replace("_", " "))}</td>'
                   f'<td>{_value(c.get("raynet_value"))}</td><td>{_value(c.get("pohoda_value"))}</td>'
                   f'<td class="lost">{_value(c.get("lost_value"))}</td></tr>')
    out.append("</tbody></table>")
    return out


def _notes(report: Mapping[str, Any]) -> list[str]:
    notes = list(report.get("notes") or ())
    if not notes:
        return []
    return ['<h2 id="notes">Notes</h2>', '<ul class="notes">'] + [f"<li>{_t(n)}</li>" for n in notes] + ["</ul>"]


def render_html(report: Mapping[str, Any]) -> str:
    """The report as one HTML page (text), everything inline and escaped."""
    status = str(report.get("status") or "running")
    title = f"rpsync run — {status.replace('_', ' ')} — {report.get('mapping') or ''}".strip(" —")
    body = (_header(report) + _cards(report) + _agendas(report) + _quarantine(report) + _conflicts(report)
            + _notes(report))
    return "\n".join([
        "<!doctype html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # nothing on this page may load anything: no scripts, no images, no fonts, no styles from outside
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        f"<title>{_t(title)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body><main>",
        *body,
        f"<footer>rpsync {_t(__version__)} · run of {_t(_moment(report.get('started_at')))} · "
        "this page is self-contained and works offline</footer>",
        "</main></body>",
        "</html>",
        "",
    ])


def write_html_report(report_dict: Mapping[str, Any], path: str | Path) -> Path:
    """Write the report page to ``path`` (atomically: a half-written page is never left behind)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(render_html(report_dict), encoding="utf-8")
    tmp.replace(path)
    return path
