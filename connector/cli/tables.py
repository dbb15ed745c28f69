"""What a person sees on a terminal: tables of the call list, band changes and problems."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from connector.ports import CheckItem, InputProblem
from connector.scoring import ScoreResult
from connector.sync import RunReport, Scored

_SHOWN_PROBLEMS = 20
#: Below this many columns the call list drops company and owner and keeps one line per lead.
NARROW_BELOW = 120
_PADDING = 2


def add_plain_row(table: Table, *cells: str) -> None:
    """A row shown exactly as written: CRM data may contain [brackets] rich would parse."""
    table.add_row(*(Text(cell) for cell in cells))


def run_tables(console: Console, report: RunReport, top: int) -> None:
    """The top leads, the band changes, and (for a dry run) the planned tasks."""
    if report.scored:  # an empty "Top leads" table says less than the summary line
        console.print(_leads_table("Top leads", report.top(top), console.width))
    changes = report.priority_changes()
    # When no lead had a band before (a first run), every lead "changed": the top table says it.
    if any(before is not None for _, before in changes):
        console.print(_changes_table(changes))
    if report.request.dry_run and report.tasks:
        tasks = Table("key", "owner", "subject", "due", title="Follow-up tasks (planned)")
        for task in report.tasks[:_SHOWN_PROBLEMS]:
            add_plain_row(
                tasks, task.key, task.owner or "", task.subject, task.due_date.isoformat()
            )
        console.print(tasks)


def run_line(report: RunReport) -> str:
    """One plain line summarising the run, for logs and pipes."""
    verb = "would write" if report.request.dry_run else "wrote"
    written = len(report.writes) if report.request.dry_run else report.written
    tasks = len(report.tasks) if report.request.dry_run else report.tasks_created
    bands = ", ".join(f"{label} {count}" for label, count in report.by_priority().items())
    return (
        f"scored {len(report.scored)} leads ({bands}); {verb} {written} score(s) and "
        f"{tasks} follow-up task(s); {len(report.failures)} failed; "
        f"{len(report.problems)} input row(s) skipped"
    )


def problems_text(problems: Sequence[InputProblem]) -> list[str]:
    """The skipped input rows, the first few in full and a count of the rest."""
    lines = [f"skipped: {problem}" for problem in problems[:_SHOWN_PROBLEMS]]
    if len(problems) > _SHOWN_PROBLEMS:
        lines.append(f"... and {len(problems) - _SHOWN_PROBLEMS} more (see --json)")
    return lines


def explain_table(result: ScoreResult, zone: tzinfo) -> Table:
    """Every rule that gave points to one lead, and until when its points count (in `zone`)."""
    title = f"{result.lead_id}: {result.total} ({result.priority})"
    columns = ("rule", "label", "points", "measure", "counts until", "evidence")
    table = Table(*columns, title=Text(title))
    for c in result.contributions:
        measure = "" if c.measure is None else f"{c.measure:g}"
        until = "" if c.until is None else c.until.astimezone(zone).isoformat(timespec="minutes")
        points = f"{c.points:+d}"
        add_plain_row(table, c.rule_id, c.label, points, measure, until, ", ".join(c.evidence))
    return table


def _leads_table(title: str, items: Sequence[Scored], width: int) -> Table:
    """The call list; on a narrow terminal one line per lead, without company and owner."""
    if width < NARROW_BELOW:
        return _narrow_leads_table(title, items, width)
    table = Table("lead", "name", "company", "owner", "score", "priority", "reasons", title=title)
    for item in items:
        lead, result = item.lead, item.result
        add_plain_row(
            table,
            lead.id,
            lead.attribute("name"),
            lead.attribute("company"),
            lead.owner or "",
            str(result.total),
            result.priority,
            result.reasons,
        )
    return table


def _narrow_leads_table(title: str, items: Sequence[Scored], width: int) -> Table:
    table = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False)
    id_width = max([4, *(len(item.lead.id) for item in items)])
    fixed = {"lead": id_width, "name": 12, "score": 6, "band": 4}
    for name, size in fixed.items():  # rich counts a column's padding in its width
        table.add_column(name, no_wrap=True, overflow="ellipsis", width=size + _PADDING)
    # What is left of the line; the reasons are cut, not wrapped (`leadscore explain`
    # shows them whole).
    left = max(16, width - sum(fixed.values()) - _PADDING * (len(fixed) + 1))
    table.add_column("reasons", no_wrap=True, overflow="ellipsis", width=left)
    for item in items:
        result = item.result
        cells = (item.lead.id, item.lead.attribute("name"), str(result.total), result.priority)
        add_plain_row(table, *cells, result.reasons)
    return table


def _changes_table(changes: Sequence[tuple[Scored, str | None]]) -> Table:
    table = Table("lead", "name", "before", "now", "score", title="Priority changes")
    for item, before in changes[:_SHOWN_PROBLEMS]:
        add_plain_row(
            table,
            item.lead.id,
            item.lead.attribute("name"),
            before or "-",
            item.result.priority,
            str(item.result.total),
        )
    if len(changes) > _SHOWN_PROBLEMS:
        table.caption = f"... and {len(changes) - _SHOWN_PROBLEMS} more"
    return table


def items_table(title: str, items: Sequence[CheckItem]) -> Table:
    """`check` / `setup` rows: what, whether it is fine, and the detail or the fix."""
    table = Table("", "what", "detail", title=title)
    for item in items:
        mark = "[green]ok[/]" if item.ok else "[bold red]FIX[/]"
        table.add_row(mark, Text(item.subject), Text(item.detail))
    return table
