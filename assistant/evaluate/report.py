"""The eval report: ``report.json`` for machines and CI gates, ``report.md`` + ``metrics.png``
for people, and ``summary_table`` for the terminal.

report.json holds the first configuration (the one under test) at the top level, so a gate
reads ``report["citation_validity"]``; with several configurations, ``by_config`` holds each
one (the first included) in the same layout.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .metrics import METRICS, Metric
from .runner import ConfigResult, EvalResult

QUOTE_CHARS = 160
ANSWER_CHARS = 400


def report_dict(result: EvalResult) -> dict[str, Any]:
    """The report.json document."""
    document = {"meta": result.meta, "configs": [c.name for c in result.configs], **_section(result.primary)}
    if len(result.configs) > 1:
        document["by_config"] = {config.name: _section(config) for config in result.configs}
    return document


def _section(config: ConfigResult) -> dict[str, Any]:
    return {**config.metrics, "by_type": config.by_type, "by_split": config.by_split, "questions": config.rows}


def write_report(result: EvalResult, out_dir: str | Path) -> dict[str, Path]:
    """Write report.json, metrics.png and report.md into ``out_dir``; return their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / "report.json", "png": out / "metrics.png", "md": out / "report.md"}
    paths["json"].write_text(
        json.dumps(report_dict(result), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    plot_metrics(result, paths["png"])
    paths["md"].write_text(markdown(result, paths["png"].name), encoding="utf-8")
    return paths


# ---------------------------------------------------------------- tables


def _value(value: float | None, metric: Metric) -> str:
    if value is None:
        return "—"
    return f"{value:.2f}" if metric.rate else f"{value:.0f}"


def _cell(metrics: dict[str, Any], metric: Metric) -> str:
    """'0.82 [0.70, 0.92]', or '—' when the metric is undefined."""
    value, interval = metrics[metric.name], metrics[f"{metric.name}_ci"]
    if value is None or interval is None:
        return _value(value, metric)
    low, high = (_value(x, metric) for x in interval)
    return f"{_value(value, metric)} [{low}, {high}]"


def _summary_rows(result: EvalResult) -> list[list[str]]:
    """Header, then one row per metric: name, n, and a cell per configuration."""
    rows = [["metric", "n", *(config.name for config in result.configs)]]
    for metric in METRICS:
        n = str(result.primary.metrics[f"{metric.name}_n"])
        rows.append([metric.name, n, *(_cell(config.metrics, metric) for config in result.configs)])
    return rows


def summary_table(result: EvalResult) -> str:
    """A compact aligned table for the terminal: one row per metric, a column per configuration."""
    rows = _summary_rows(result)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows
    )


def _md_table(rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(_escape(cell) for cell in row) + " |" for row in rows]
    lines.insert(1, "|" + "---|" * len(rows[0]))
    return "\n".join(lines)


def _escape(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _type_rows(config: ConfigResult, groups: str = "by_type") -> list[list[str]]:
    """Metrics per question type (or per split, ``groups="by_split"``), a column each."""
    table = getattr(config, groups)
    names = list(table)
    rows = [["metric", *names], ["questions", *(str(table[t]["n"]) for t in names)]]
    for metric in METRICS:
        rows.append([metric.name, *(_value(table[t][metric.name], metric) for t in names)])
    return rows


# ---------------------------------------------------------------- markdown


def markdown(result: EvalResult, plot_name: str = "metrics.png") -> str:
    """The human-readable report."""
    meta = result.meta
    parts = [
        "# Citation-accuracy evaluation",
        "\n".join(f"- {key}: {value}" for key, value in meta.items()),
        "## Summary",
        "Rates with their 95% bootstrap confidence interval over questions; n is the number of "
        "questions a metric is over. Latencies in milliseconds.",
        _md_table(_summary_rows(result)),
        f"![metrics with 95% confidence intervals]({plot_name})",
    ]
    for config in result.configs:
        if config.by_split:
            parts += [f"## By split: {config.name}", _md_table(_type_rows(config, "by_split"))]
    for config in result.configs:
        parts += [f"## By question type: {config.name}", _md_table(_type_rows(config))]
    for config in result.configs:
        parts += _failures_section(config)
    return "\n\n".join(parts) + "\n"


def _failures_section(config: ConfigResult) -> list[str]:
    failing = config.failing
    heading = f"## Failing questions: {config.name} ({len(failing)} of {len(config.rows)})"
    return [heading, *(_failure(row) for row in failing)]


def _failure(row: dict[str, Any]) -> str:
    answer = "(abstained) " if row["abstained"] else ""
    lines = [
        f"### {row['id']} ({row['type']})",
        f"- **Question:** {_short(row['question'], ANSWER_CHARS)}",
        f"- **Answer:** {answer}{_short(row['answer'], ANSWER_CHARS) or '(empty)'}",
        f"- **Reference:** {_short(row['reference_answer'], ANSWER_CHARS)}",
        "- **Why:** " + "; ".join(row["failures"]),
        "- **Cited:**" + ("" if row["citations"] else " nothing"),
        *(f"  - {_cited(citation)}" for citation in row["citations"]),
        "- **Gold evidence:**" + ("" if row["evidence"] else " none (unanswerable)"),
        *(f"  - {_gold(item)}" for item in row["evidence"]),
    ]
    return "\n".join(lines)


def _cited(citation: dict[str, Any]) -> str:
    verdict = "correct" if citation["correct"] else "valid, not a gold page"
    if not citation["valid"]:
        verdict = f"INVALID: {citation['problem']}"
    return (
        f"{citation['paper']} p. {citation['page']} ({verdict}): “{_short(citation['quote'], QUOTE_CHARS)}”"
    )


def _gold(item: dict[str, Any]) -> str:
    cited = "cited" if item["cited"] else "not cited"
    found = f"first covered at rank {item['rank']}" if item["rank"] else "not covered by any passage"
    return f"{item['paper']} p. {item['page']} ({cited}; {found}): “{_short(item['quote'], QUOTE_CHARS)}”"


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---------------------------------------------------------------- plot


def plot_metrics(result: EvalResult, path: str | Path) -> None:
    """Each metric with its 95% CI as error bars, one series per configuration (Agg, no pyplot)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rates = [m for m in METRICS if m.rate]
    latencies = [m for m in METRICS if not m.rate]
    figure = Figure(figsize=(13, 5))
    FigureCanvasAgg(figure)
    rate_axes, latency_axes = figure.subplots(
        1, 2, gridspec_kw={"width_ratios": [len(rates), len(latencies) + 1]}
    )
    width = 0.7 / len(result.configs)
    for i, config in enumerate(result.configs):
        offset = (i - (len(result.configs) - 1) / 2) * width
        for axes, metrics in ((rate_axes, rates), (latency_axes, latencies)):
            _series(axes, metrics, config, offset, f"C{i}")
    for axes, metrics, label in ((rate_axes, rates, "rate"), (latency_axes, latencies, "milliseconds")):
        axes.set_xticks(range(len(metrics)), [m.name for m in metrics], rotation=40, ha="right")
        axes.set_ylabel(f"{label} (95% CI)")
        axes.grid(axis="y", alpha=0.3)
    rate_axes.set_ylim(-0.03, 1.03)
    rate_axes.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(result.configs), frameon=False)
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def _series(axes, metrics: list[Metric], config: ConfigResult, offset: float, color: str) -> None:
    points = [(i, config.metrics[m.name], config.metrics[f"{m.name}_ci"]) for i, m in enumerate(metrics)]
    points = [(x + offset, y, ci or [y, y]) for x, y, ci in points if y is not None]
    if not points:
        return
    xs, ys, intervals = zip(*points)
    # A percentile interval need not contain its point estimate; matplotlib rejects negative bars.
    errors = [
        [max(0.0, y - low) for y, (low, _) in zip(ys, intervals)],
        [max(0.0, high - y) for y, (_, high) in zip(ys, intervals)],
    ]
    axes.errorbar(xs, ys, yerr=errors, fmt="o", capsize=3, color=color, label=config.name)
