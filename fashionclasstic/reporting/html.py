"""``index.html``: the whole run on one page that opens from disk.

No server, no JavaScript, no CSS or fonts from a CDN: the page must open years later, offline,
from a CI artifact. The figures are PNG files next to it, linked relatively, so the report
folder can be moved or zipped as a whole. Every piece of text is escaped (model names,
reasons and reports come from user code).
"""

from __future__ import annotations

import html
from typing import Any
from urllib.parse import quote

from fashionclasstic.records import CaseRecord
from fashionclasstic.reporting import texts
from fashionclasstic.reporting.formatting import best_model, run_items
from fashionclasstic.reporting.tables import table_columns, table_headers, table_rows

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #1f2328;
       background: #f6f8fa; line-height: 1.45; }
main { max-width: 1600px; margin: 0 auto; padding: 1.5rem 2rem 4rem; }
h1 { font-size: 1.6rem; margin: 0 0 1rem; }
h2 { font-size: 1.3rem; margin: 2.2rem 0 0.6rem; border-bottom: 1px solid #d0d7de; padding-bottom: 0.3rem; }
h3 { font-size: 1.05rem; margin: 1.2rem 0 0.4rem; }
section.card { background: #fff; border: 1px solid #d0d7de; border-radius: 8px; padding: 0.5rem 1.2rem 1rem;
               margin: 1.2rem 0; }
table { border-collapse: collapse; font-size: 0.88rem; background: #fff; }
th, td { border: 1px solid #d0d7de; padding: 0.28rem 0.55rem; text-align: left; vertical-align: top; }
th { background: #eaeef2; }
table.results td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.results tr.best td { background: #dafbe1; font-weight: 600; }
tr.status-failed td.status, tr.status-error td.status, tr.status-crashed td.status { color: #cf222e; }
tr.status-skipped td, tr.status-not-run td { color: #6e7781; }
tr.status-interrupted td.status { color: #9a6700; }
tr.status-not-run td { font-style: italic; }
td.gate-FAIL { color: #cf222e; font-weight: 700; }
table.info th { width: 11rem; }
.badge { display: inline-block; font-size: 0.8rem; padding: 0.05rem 0.55rem; border-radius: 1rem;
         vertical-align: middle; margin-left: 0.5rem; color: #fff; background: #6e7781; }
.badge.passed { background: #1a7f37; } .badge.failed, .badge.error, .badge.crashed { background: #cf222e; }
.badge.skipped, .badge.interrupted { background: #9a6700; }
.reason { color: #cf222e; white-space: pre-wrap; }
pre { background: #f6f8fa; border: 1px solid #d0d7de; padding: 0.7rem; overflow-x: auto; font-size: 0.82rem; }
figure { margin: 0.8rem 0; } figure img { max-width: 100%; height: auto; border: 1px solid #d0d7de;
         background: #fff; }
figcaption { font-size: 0.85rem; color: #57606a; }
.figures { display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-start; }
.figures figure { flex: 0 1 auto; max-width: 760px; }
nav a { margin-right: 0.8rem; } .muted { color: #57606a; } ul.notes li { margin: 0.2rem 0; }
"""

def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def href(path: str) -> str:
    """A relative link to a report file: percent-encoded (names may hold spaces), then escaped."""
    return esc(quote(path, safe="/"))


def anchor(model: str) -> str:
    return "model-" + "".join(c if c.isalnum() or c in "-_" else "_" for c in model)


def status_class(status: str) -> str:
    return "status-" + status.replace(" ", "-")


def info_table(items: list[tuple[str, str]]) -> str:
    rows = "".join(f"<tr><th>{esc(label)}</th><td>{esc(text)}</td></tr>" for label, text in items)
    return f'<table class="info">{rows}</table>'


def results_table(records: list[CaseRecord]) -> str:
    """The comparison table: the best row highlighted, full reasons, every model listed."""
    best = best_model(records)
    headers = table_headers(records)
    shown = table_columns(records)
    names = ["", *(f.name for f in shown)]
    numeric = {f.name for f in shown if f.metadata.get("fmt")}  # a field with a number format
    head = "".join(f"<th>{esc(h) or '&nbsp;'}</th>" for h in headers)
    body = []
    for record, cells in zip(records, table_rows(records, full_status=True), strict=True):
        tds = []
        for name, cell in zip(names, cells, strict=True):
            classes = []
            if name in numeric:
                classes.append("num")
            if name == "gate" and cell:
                classes.append(f"gate-{cell}")
            if name == "status":
                classes.append("status")
            attribute = f' class="{" ".join(classes)}"' if classes else ""
            content = f'<a href="#{esc(anchor(record.model))}">{esc(cell)}</a>' if name == "model" else esc(cell)
            tds.append(f"<td{attribute}>{content}</td>")
        row_classes = [status_class(record.status)] + (["best"] if record.model == best else [])
        body.append(f'<tr class="{" ".join(row_classes)}">{"".join(tds)}</tr>')
    return f'<table class="results"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def figure(path: str, caption: str) -> str:
    return (f'<figure><a href="{href(path)}"><img src="{href(path)}" alt="{esc(caption)}"></a>'
            f"<figcaption>{esc(caption)}</figcaption></figure>")


def confusion_html(confusion: list[list[int]], names: list[str]) -> str:
    head = "".join(f"<th>{esc(n)}</th>" for n in names)
    rows = "".join(f"<tr><th>{esc(name)}</th>" + "".join(f'<td class="num">{esc(v)}</td>' for v in row) + "</tr>"
                   for name, row in zip(names, confusion, strict=True))
    return (f'<table class="results"><thead><tr><th>true \\ predicted</th>{head}</tr></thead>'
            f"<tbody>{rows}</tbody></table>")


def model_section(record: CaseRecord, files: dict[str, str], captions: dict[str, str]) -> str:
    parts = [f'<section class="card" id="{esc(anchor(record.model))}">',
             f'<h2>{esc(record.model)}<span class="badge {esc(record.status.replace(" ", "-"))}">'
             f"{esc(record.status)}</span></h2>"]
    if record.reason:
        parts.append(f'<p class="reason">{esc(record.reason)}</p>')
    parts.append(info_table(texts.summary_items(record)))
    if record.hyperparameters:
        parts.append("<details><summary>hyperparameters</summary>"
                     + info_table([(k, str(v)) for k, v in sorted(record.hyperparameters.items())]) + "</details>")
    if record.confusion:
        parts.append("<details><summary>confusion matrix as a table</summary>"
                     + confusion_html(record.confusion, texts.class_names(record)) + "</details>")
    if record.classification_report:
        parts.append(f"<h3>Classification report</h3><pre>{esc(record.classification_report.rstrip())}</pre>")
    shown = [(name, f"{record.model}: {captions.get(name, name.removesuffix('.png'))}")
             for name in files if name.endswith(".png")]
    if shown:
        parts.append('<div class="figures">' + "".join(figure(files[n], c) for n, c in shown) + "</div>")
    if not record.confusion and not shown:
        parts.append('<p class="muted">No figures: this model has no evaluation to show.</p>')
    links = " · ".join(f'<a href="{href(path)}">{esc(name)}</a>' for name, path in files.items())
    parts.append(f'<p class="muted">files: {links}</p></section>')
    return "\n".join(parts)


def render_index(report) -> str:
    """The page: run information, the table, notes, the data, then one section per model."""
    records, info = report.records, report.info
    title = f"FashionClasstic results: run {info.id or '?'}"
    nav = " ".join(f'<a href="#{esc(anchor(r.model))}">{esc(r.model)}</a>' for r in records)
    body = [f"<h1>{esc(title)}</h1>",
            '<section class="card"><h2>Run</h2>' + info_table(run_items(info)) + "</section>",
            '<section class="card"><h2>Models</h2>' + results_table(records)]
    timing = texts.timing_notes(records)
    if timing:
        body.append("<p class=\"muted\">Timing: " + "; ".join(esc(t.replace("`", "")) for t in timing) + ".</p>")
    body.append("<p>Raw data: <a href=\"results.json\">results.json</a> · <a href=\"results.csv\">results.csv</a>"
                f" · <a href=\"results.md\">results.md</a></p><nav>{nav}</nav></section>")
    body += [f'<section class="card"><h2>Accuracy against training time</h2>{figure(path, caption)}</section>'
             for path, caption in report.run_figures]
    if report.notes:
        body.append('<section class="card"><h2>Notes</h2><ul class="notes">'
                    + "".join(f"<li>{esc(n)}</li>" for n in report.notes) + "</ul></section>")
    if report.data_files:
        captions = {"samples.png": "random training images with their classes",
                    "class_histogram.png": "training images per class",
                    "per_class.png": "examples of every class"}
        figures = "".join(figure(p, captions.get(p.rsplit("/", 1)[-1], p)) for p in report.data_files)
        body.append(f'<section class="card"><h2>The data</h2><div class="figures">{figures}</div></section>')
    body += [model_section(record, report.model_files.get(record.model) or {}, report.captions) for record in records]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{esc(title)}</title><style>{STYLE}</style></head>\n<body><main>\n"
            + "\n".join(body) + "\n</main></body></html>\n")
