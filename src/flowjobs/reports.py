"""Script side of task reports: a script leaves HTML fragments, its job task shows each as a Flyte Deck.

    from flowjobs import reports
    reports.publish("Metrics", reports.table([{"metric": "auc", "value": 0.98}]))
    reports.publish("Plots", reports.figure(roc_figure, "ROC curve"))
    reports.publish("Data summary", reports.data_summary(frame, "training rows", target="Species"))

Inside a flow the fragments go to the folder the job task names (FLOWJOBS_REPORTS_DIR, flowjobs/contract.py);
run alone they go to `<output dir>/reports/<script>/`, replaced when the script runs again, where a browser
opens them. A fragment is self-contained (inline style, images as data URIs): the Flyte console shows a deck
as one HTML page with nothing beside it. Like flowjobs/script.py this module stays light: it imports neither
pandas nor matplotlib; it is handed their objects and calls their methods.
"""

from __future__ import annotations

import base64
import html
import io
import numbers
import sys
import typing
from pathlib import Path

from flowjobs import contract
from flowjobs.script import ScriptOutputError, get_output_location, is_workflow_job

STYLE = (
    "<style>.flowjobs-report{font-family:system-ui,sans-serif;font-size:14px}"
    ".flowjobs-report table{border-collapse:collapse;margin:0.5em 0 1.2em}"
    ".flowjobs-report th,.flowjobs-report td{border:1px solid #ccd;padding:3px 9px;text-align:left}"
    ".flowjobs-report td.number{text-align:right;font-variant-numeric:tabular-nums}"
    ".flowjobs-report th{background:#eef1f6}.flowjobs-report img{max-width:100%;margin:0.5em 0}</style>"
)


_begun: set[Path] = set()  # folders this process has written to: a script run again replaces its report


def reports_folder() -> Path | None:
    """The job task's folder in a flow (None if it gave none); run alone, `<output dir>/reports/<script>/`."""
    if is_workflow_job():
        return contract.reports_dir()
    return Path(get_output_location("reports")) / Path(sys.argv[0]).stem


def publish(title: str, body: str) -> Path | None:
    """Write one fragment, shown as the deck `title`; returns its file (None in a flow that takes no reports)."""
    folder = reports_folder()
    if folder is None:
        return None
    if folder not in _begun:
        for _, earlier in contract.report_fragments(folder):
            earlier.unlink()
        _begun.add(folder)
    folder.mkdir(parents=True, exist_ok=True)
    target = contract.next_report_file(folder, title)
    try:
        target.write_text(f'{STYLE}<div class="flowjobs-report">{body}</div>\n', encoding="utf-8")
    except OSError as err:
        raise ScriptOutputError(f"could not write report {title!r} to {target}: {err.strerror or err}") from None
    return target


def page(title: str, body: str) -> str:
    """A whole HTML document around report parts (e.g. a table logged to MLflow, which shows it as a page)."""
    head = f'<meta charset="utf-8"><title>{html.escape(title)}</title>{STYLE}'
    return f'<!DOCTYPE html><html><head>{head}</head><body class="flowjobs-report">{body}</body></html>\n'


def heading(text: str) -> str:
    return f"<h3>{html.escape(text)}</h3>"


def _cell(value: typing.Any) -> str:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return f"<td>{html.escape('' if value is None else str(value))}</td>"
    shown = str(int(value)) if isinstance(value, numbers.Integral) else f"{float(value):.4f}"
    return f'<td class="number">{shown}</td>'


def table(rows: typing.Sequence[dict[str, typing.Any]], caption: str = "") -> str:
    """An HTML table of `rows` (dicts with the same keys, in column order); floats with four decimals."""
    if not rows:
        return f"<p>{html.escape(caption)}: none</p>" if caption else ""
    columns = list(rows[0])
    head = "".join(f"<th>{html.escape(str(column))}</th>" for column in columns)
    body = "".join("<tr>" + "".join(_cell(row.get(column)) for column in columns) + "</tr>" for row in rows)
    title = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f"<table>{title}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def figure(fig: typing.Any, alt: str) -> str:
    """A matplotlib figure as an inline PNG (a data URI: the deck needs no other file)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80, bbox_inches="tight")
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{encoded}">'


def data_summary(frame: typing.Any, label: str, target: str | None = None) -> str:
    """A pandas DataFrame in brief: rows and columns, each column's type, nulls and range, the class balance."""
    columns = []
    for name in frame.columns:
        values = frame[name]
        numeric = values.dtype.kind in "if"
        columns.append(
            {
                "column": name,
                "type": str(values.dtype),
                "nulls": int(values.isna().sum()),
                "distinct": int(values.nunique()),
                "min": values.min().item() if numeric and values.notna().any() else None,
                "max": values.max().item() if numeric and values.notna().any() else None,
            }
        )
    parts = [
        heading(label),
        f"<p><b>{len(frame)}</b> rows, <b>{len(frame.columns)}</b> columns, "
        f"<b>{int(frame.isna().sum().sum())}</b> null values</p>",
        table(columns, "columns"),
    ]
    if target is not None and target in frame.columns:
        counts = frame[target].value_counts(dropna=False).sort_index()
        balance = [
            {target: str(value), "rows": int(count), "share": f"{count / len(frame):.1%}"}
            for value, count in counts.items()
        ]
        parts.append(table(balance, "class balance"))
    return "".join(parts)
