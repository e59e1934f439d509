"""``index.html`` and ``trends.html``: results pages that open from disk.

Results first (the chart and a table sortable by any column, gate failures marked), then one
section per model reached from the table, the run's details last. No server and nothing from a
CDN: the page must open years later, offline, from a CI artifact; the figures are PNG files next
to it, linked relatively, so the folder can be moved or zipped as a whole. The only script sorts
the tables. The main table keeps to the columns that fit 1280 pixels; every field is in each
model's section and in ``results.csv``. Every piece of text is escaped (model names, reasons and
reports come from user code).
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fashionclasstic.machine import cpu_name
from fashionclasstic.records import STATUS_SEVERITY, CaseRecord
from fashionclasstic.reporting import texts
from fashionclasstic.reporting.formatting import TIMING_LEGEND, best_model, cell_text, format_value, run_items
from fashionclasstic.reporting.tables import table_columns

# Left out of the page's main table (the run header, each model's section and results.csv have
# them), so that it fits 1280 pixels: the same for every model, or a detail of one.
DETAIL_FIELDS = frozenset({"profile", "min_accuracy", "inference_ms_per_image", "timing", "size_bytes"})
GATE_ORDER = {"FAIL": 0, "pass": 1, "ungated": 2, "": 3}

STYLE = """
:root { --line: #d0d7de; --muted: #57606a; --bad: #cf222e; --good: #1a7f37; --warn: #9a6700; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #1f2328;
       background: #f6f8fa; line-height: 1.45; }
main { max-width: 1240px; margin: 0 auto; padding: 1rem 1rem 4rem; }
h1 { font-size: 1.5rem; margin: 0.4rem 0 0.2rem; }
h2 { font-size: 1.25rem; margin: 0 0 0.6rem; }
h3 { font-size: 1rem; margin: 1rem 0 0.4rem; }
p.lead { margin: 0 0 0.8rem; color: var(--muted); }
section.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 0.8rem 1.1rem 1rem;
               margin: 1rem 0; }
section.card:target { outline: 3px solid #0969da; }
table { border-collapse: collapse; font-size: 0.85rem; background: #fff; }
th, td { border: 1px solid var(--line); padding: 0.22rem 0.4rem; text-align: left; vertical-align: top; }
th { background: #eaeef2; }
td.nowrap { white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.results { width: 100%; }
table.results th button { all: unset; cursor: pointer; }
table.results th button:focus-visible { outline: 2px solid #0969da; }
table.results th button::after { content: " \\2195"; color: #8c959f; }
table.results th[aria-sort="ascending"] button::after { content: " \\25B2"; color: #1f2328; }
table.results th[aria-sort="descending"] button::after { content: " \\25BC"; color: #1f2328; }
tr.best td { background: #dafbe1; }
tr.gate-fail td { background: #ffebe9; }
td.gate-FAIL { color: var(--bad); font-weight: 700; }
td.gate-pass { color: var(--good); }
tr.status-skipped td, tr.status-not-run td { color: #6e7781; }
tr.status-not-run td { font-style: italic; }
table.info th { width: 12rem; font-weight: 600; }
.badge { display: inline-block; font-size: 0.75rem; padding: 0.02rem 0.5rem; border-radius: 1rem;
         vertical-align: middle; margin-left: 0.4rem; color: #fff; background: #6e7781; font-weight: 600; }
.badge.passed, .badge.best, .badge.pass { background: var(--good); }
.badge.failed, .badge.error, .badge.crashed, .badge.FAIL { background: var(--bad); }
.badge.skipped, .badge.interrupted { background: var(--warn); }
.reason { color: var(--bad); white-space: pre-wrap; }
pre { background: #f6f8fa; border: 1px solid var(--line); padding: 0.6rem; overflow-x: auto; font-size: 0.8rem; }
figure { margin: 0.6rem 0; } #results figure { max-width: 820px; }
.charts figure { max-width: 590px; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--line); background: #fff; }
figcaption { font-size: 0.85rem; color: var(--muted); }
.figures { display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-start; }
.columns { display: flex; flex-wrap: wrap; gap: 1.2rem; align-items: flex-start; }
.muted { color: var(--muted); } ul.notes li { margin: 0.2rem 0; } li.worse { color: var(--bad); }
a.top { float: right; font-size: 0.85rem; font-weight: normal; }
"""

# Sorts a table.results by the clicked column: by each cell's data-sort (a number, or text),
# else its text; empty cells last either way; a second click reverses.
SCRIPT = """
document.querySelectorAll("table.results").forEach(function (table) {
  var heads = table.tHead.rows[0].cells;
  Array.prototype.forEach.call(heads, function (head, column) {
    var button = head.querySelector("button");
    if (!button) return;
    button.addEventListener("click", function () {
      var ascending = head.getAttribute("aria-sort") !== "ascending";
      Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
      head.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      var key = function (row) {
        var cell = row.cells[column];
        var text = cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent.trim();
        return text === "" ? null : (isNaN(Number(text)) ? text.toLowerCase() : Number(text));
      };
      var rows = Array.prototype.slice.call(table.tBodies[0].rows);
      rows.sort(function (a, b) {
        var x = key(a), y = key(b);
        if (x === null || y === null) return (x === null) - (y === null);
        var order = typeof x === typeof y ? (x < y ? -1 : x > y ? 1 : 0) : (typeof x === "number" ? -1 : 1);
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { table.tBodies[0].appendChild(row); });
    });
  });
});
"""


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def href(path: str) -> str:
    """A relative link to a report file: percent-encoded (names may hold spaces), then escaped."""
    return esc(quote(path, safe="/"))


def anchor(model: str, prefix: str = "model-") -> str:
    return prefix + "".join(c if c.isalnum() or c in "-_" else "_" for c in model)


def status_class(status: str) -> str:
    return "status-" + status.replace(" ", "-")


def page(title: str, body: list[str]) -> str:
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{esc(title)}</title><style>{STYLE}</style></head>\n<body><main>\n"
            + "\n".join(body) + f"\n</main><script>{SCRIPT}</script></body></html>\n")


def info_table(items: list[tuple[str, str]]) -> str:
    rows = "".join(f"<tr><th>{esc(label)}</th><td>{esc(text)}</td></tr>" for label, text in items)
    return f'<table class="info">{rows}</table>'


def sortable_table(headers: list[str], rows: list[tuple[list[str], str]]) -> str:
    """A ``table.results``: every header a sort button; ``rows``: (the row's ``<td>``s, its classes)."""
    head = "".join(f'<th scope="col"><button type="button">{esc(h)}</button></th>' for h in headers)
    body = "".join(f'<tr class="{esc(classes)}">{"".join(cells)}</tr>' for cells, classes in rows)
    return f'<table class="results"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def sort_key(record: CaseRecord, f) -> str:
    """What a cell sorts by: the raw number, the gate and status by severity, else its text."""
    if f.name == "gate":
        return str(GATE_ORDER.get(record.gate, 3))
    if f.name == "status":
        return str(-STATUS_SEVERITY.get(record.status, 0))
    value = getattr(record, f.name)
    if f.metadata.get("fmt") and isinstance(value, (int, float)) and not isinstance(value, bool):
        return repr(value)
    return cell_text(record, f)


def main_columns(records: list[CaseRecord]) -> list:
    return [f for f in table_columns(records) if f.name not in DETAIL_FIELDS]


def results_table(records: list[CaseRecord]) -> str:
    """The models: each linked to its section, the best and the gate failures marked."""
    best = best_model(records)
    shown = main_columns(records)
    rows = []
    for record in records:
        cells = []
        for f in shown:
            classes = ["num"] if f.metadata.get("fmt") else []
            text, title = cell_text(record, f), ""
            if f.name == "model":
                classes.append("nowrap")
                content = f'<a href="#{esc(anchor(record.model))}">{esc(text)}</a>'
                content += '<span class="badge best">best</span>' if record.model == best else ""
            elif f.name == "status":
                content, title = esc(record.status), record.reason
            else:
                content = esc(text)
            if f.name == "gate" and text:
                classes.append(f"gate-{text}")
                title = "" if record.min_accuracy is None else f"minimum accuracy {record.min_accuracy:.4f}"
            attributes = f' class="{" ".join(classes)}"' if classes else ""
            attributes += f' data-sort="{esc(sort_key(record, f))}"'
            attributes += f' title="{esc(title)}"' if title else ""
            cells.append(f"<td{attributes}>{content}</td>")
        classes = [status_class(record.status)] + (["best"] if record.model == best else []) \
            + (["gate-fail"] if record.gate == "FAIL" else [])
        rows.append((cells, " ".join(classes)))
    return sortable_table([f.metadata["label"] or f.name for f in shown], rows)


def figure(path: str, caption: str) -> str:
    return (f'<figure><a href="{href(path)}"><img src="{href(path)}" alt="{esc(caption)}"></a>'
            f"<figcaption>{esc(caption)}</figcaption></figure>")


def confusion_html(confusion: list[list[int]], names: list[str]) -> str:
    head = "".join(f"<th>{esc(n)}</th>" for n in names)
    rows = "".join(f"<tr><th>{esc(name)}</th>" + "".join(f'<td class="num">{esc(v)}</td>' for v in row) + "</tr>"
                   for name, row in zip(names, confusion, strict=True))
    return (f'<table class="confusion"><thead><tr><th>true \\ predicted</th>{head}</tr></thead>'
            f"<tbody>{rows}</tbody></table>")


def samples_items(record: CaseRecord) -> list[tuple[str, str]]:
    """The timing samples behind the record's times, and the load around them."""
    def listed(values) -> str:
        return ", ".join(f"{v:.4g}" for v in values)

    items = [("training rounds (s)", listed(record.train_samples)),
             ("training CPU (s)", listed(record.train_cpu_seconds)),
             ("inference rounds (s)", listed(record.inference_samples)),
             ("epochs (s)", listed(record.epoch_seconds)),
             ("timing", TIMING_LEGEND.get(record.timing, record.timing) if record.timing else ""),
             ("suspect", record.timing_suspect)]
    items += [(f"load average, {phase} (start, end)", listed(values)) for phase, values in record.load_average.items()]
    return [(label, text) for label, text in items if text]


def model_section(record: CaseRecord, files: dict[str, str], captions: dict[str, str], best: str | None) -> str:
    badges = f'<span class="badge {esc(record.status.replace(" ", "-"))}">{esc(record.status)}</span>'
    if record.gate in ("pass", "FAIL"):
        badges += f'<span class="badge {esc(record.gate)}">gate {esc(record.gate)}</span>'
    badges += '<span class="badge best">best</span>' if record.model == best else ""
    parts = [f'<section class="card model" id="{esc(anchor(record.model))}">',
             f'<h2>{esc(record.model)}{badges}<a class="top" href="#results">back to the table</a></h2>']
    if record.description:
        parts.append(f"<p>{esc(record.description)}</p>")
    if record.reason:
        parts.append(f'<p class="reason">{esc(record.reason)}</p>')
    shown = [(name, f"{record.model}: {captions.get(name, name.removesuffix('.png'))}")
             for name in files if name.endswith(".png")]
    if shown:
        parts.append('<div class="figures">' + "".join(figure(files[n], c) for n, c in shown) + "</div>")
    elif not record.confusion:
        parts.append('<p class="muted">No figures: this model has no evaluation to show.</p>')
    columns = [f"<div><h3>Results</h3>{info_table(texts.summary_items(record))}</div>"]
    if record.hyperparameters:
        columns.append("<div><h3>Hyper-parameters</h3>" + info_table(
            [(k, str(v)) for k, v in sorted(record.hyperparameters.items())]) + "</div>")
    parts.append('<div class="columns">' + "".join(columns) + "</div>")
    if record.classification_report:
        parts.append(f"<h3>Per-class report</h3><pre>{esc(record.classification_report.rstrip())}</pre>")
    if record.confusion:
        parts.append("<details><summary>confusion matrix as a table</summary>"
                     + confusion_html(record.confusion, texts.class_names(record)) + "</details>")
    samples = samples_items(record)
    if samples:
        parts.append(f"<h3>Timing samples</h3>{info_table(samples)}")
    links = " · ".join(f'<a href="{href(path)}">{esc(name)}</a>' for name, path in files.items())
    parts.append(f'<p class="muted">files: {links}</p></section>')
    return "\n".join(parts)


def run_summary(records: list[CaseRecord], info) -> str:
    """One line under the title: what ran, where, when, and how it ended."""
    failed = [r.model for r in records if r.gate == "FAIL"]
    commit = (info.git or {}).get("commit") or ""
    parts = [f"profile {info.profile or '?'}", f"{len(records)} models", cpu_name(info.machine) or "?",
             (info.started or "?")[:16].replace("T", " "), f"commit {commit[:12]}" if commit else "no commit"]
    text = " · ".join(esc(p) for p in parts)
    if failed:
        text += f' · <strong class="reason">gate failed: {esc(", ".join(failed))}</strong>'
    return f'<p class="lead">{text}</p>'


def render_index(report) -> str:
    """Results (chart, table, notes), one section per model, the data, then the run's details."""
    records, info = report.records, report.info
    title = f"FashionClasstic results: run {info.id or '?'}"
    best = best_model(records)
    body = [f"<h1>{esc(title)}</h1>", run_summary(records, info), '<section class="card" id="results">',
            "<h2>Models</h2>" + results_table(records)]
    timing = texts.timing_notes(records)
    if timing:
        body.append("<p class=\"muted\">Timing: " + "; ".join(esc(t.replace("`", "")) for t in timing) + ".</p>")
    body.append('<p class="muted">Click a column to sort; a model to see its figures. Every field: '
                '<a href="results.csv">results.csv</a> · <a href="results.json">results.json</a> · '
                '<a href="results.md">results.md</a></p>')
    body += [figure(path, caption) for path, caption in report.run_figures]
    body.append("</section>")
    if report.notes:
        body.append('<section class="card"><h2>Notes</h2><ul class="notes">'
                    + "".join(f"<li>{esc(n)}</li>" for n in report.notes) + "</ul></section>")
    body += [model_section(record, report.model_files.get(record.model) or {}, report.captions, best)
             for record in records]
    if report.data_files:
        captions = {"samples.png": "random training images with their classes",
                    "class_histogram.png": "training images per class",
                    "per_class.png": "examples of every class"}
        figures = "".join(figure(p, captions.get(p.rsplit("/", 1)[-1], p)) for p in report.data_files)
        body.append(f'<section class="card" id="data"><h2>The data</h2><div class="figures">{figures}</div></section>')
    body.append('<section class="card" id="run"><h2>The run</h2>' + info_table(run_items(info)) + "</section>")
    return page(title, body)


# --------------------------------------------------------------------------- trends.html


def number_cell(value, f) -> str:
    """A measure's cell: formatted as the schema says, sorted by the raw number."""
    raw = "" if value is None else repr(value)
    return f'<td class="num" data-sort="{esc(raw)}">{esc(format_value(value, f.metadata["fmt"]))}</td>'


def trends_model_table(group, model: str, shown: list) -> str:
    """A model's runs in one group, oldest first: what each measured."""
    rows = []
    for run in group.runs:
        record = run.models.get(model)
        if record is None:
            continue
        cells = [f'<td data-sort="{esc(run.started)}">{esc(run.label)}</td>', f"<td>{esc(run.commit[:12])}</td>"]
        cells += [number_cell(getattr(record, f.name), f) for f in shown]
        cells.append(f'<td title="{esc(record.reason)}">{esc(record.status)}</td>')
        rows.append((cells, status_class(record.status)))
    return sortable_table(["run", "commit", *(f.metadata["label"] or f.name for f in shown), "status"], rows)


def trends_summary_table(group, found: list, shown: list) -> str:
    """Each model's latest numbers, its count of runs and of steps, linked to its section."""
    models = list(dict.fromkeys(m for run in group.runs for m in run.models))
    rows = []
    for model in models:
        runs = [run for run in group.runs if model in run.models]
        latest = runs[-1].models[model]
        steps = [item for item in found if item.model == model]
        worse = sum(item.worse for item in steps)
        cells = [f'<td><a href="#{esc(anchor(model, f"trend-{group.slug}-"))}">{esc(model)}</a></td>',
                 f'<td class="num">{len(runs)}</td>',
                 f'<td class="num" data-sort="{len(steps)}">{len(steps)}{f" ({worse} worse)" if worse else ""}</td>']
        cells += [number_cell(getattr(latest, f.name), f) for f in shown]
        cells.append(f'<td title="{esc(latest.reason)}">{esc(latest.status)}</td>')
        rows.append((cells, status_class(latest.status) + (" gate-fail" if worse else "")))
    headers = ["model", "runs", "steps", *(f"latest {f.metadata['label'] or f.name}" for f in shown), "status"]
    return sortable_table(headers, rows)


def render_trends(sections: list, out: Path) -> str:
    """``sections``: (group, steps found, charts as (label, path), the measures shown) per
    profile and machine."""
    runs = sum(len(section[0].runs) for section in sections)
    steps = [item for section in sections for item in section[1]]
    worse = [item for item in steps if item.worse]
    lead = f"{len(sections)} group(s) of runs (one profile on one machine each) · {runs} runs · {len(steps)} step(s)"
    body = ["<h1>FashionClasstic trends</h1>",
            f'<p class="lead">{esc(lead)}' + (f' · <strong class="reason">{len(worse)} to worse</strong>' if worse
                                                else "") + "</p>"]
    details = []
    for group, found, charts, shown in sections:
        section_id = f"group-{group.slug}"
        body.append(f'<section class="card" id="{esc(section_id)}"><h2>{esc(group.name)}: {len(group.runs)} runs</h2>')
        listed = "".join(f'<li class="{"worse" if item.worse else ""}">{esc(item.text())}</li>' for item in found)
        body.append(f'<ul class="notes">{listed}</ul>' if found else "<p>No step: flat within its noise.</p>")
        body.append(trends_summary_table(group, found, shown))
        body.append('<div class="figures charts">' + "".join(
            figure(path.relative_to(out).as_posix(), f"{label}: {group.name}") for label, path in charts) + "</div>")
        body.append("</section>")
        for model in dict.fromkeys(m for run in group.runs for m in run.models):
            body.append(f'<section class="card model" id="{esc(anchor(model, f"trend-{group.slug}-"))}">'
                        f'<h2>{esc(model)} <span class="muted">({esc(group.name)})</span>'
                        f'<a class="top" href="#{esc(section_id)}">back to the table</a></h2>'
                        + "".join(f'<p class="{"reason" if item.worse else ""}">{esc(item.text())}</p>'
                                  for item in found if item.model == model)
                        + trends_model_table(group, model, shown) + "</section>")
        details += [(f"{group.name}: {run.label}", f"{run.started or '?'} · {run.kind}"
                     + (f" · commit {run.commit}" if run.commit else "")) for run in group.runs]
    body.append('<section class="card" id="runs"><h2>The runs</h2>' + info_table(details) + "</section>")
    return page("FashionClasstic trends", body)
