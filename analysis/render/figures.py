"""The report's figures as PNG bytes (matplotlib, no GUI; same report, same bytes).

- `figure2_png`: weekly mean (SD) cramps per group over the screening and
  intervention weeks, from the observed values.
- `consort_png`: the CONSORT flow diagram from the report's counts (one column per
  group; one pooled column in an open report).
- `tipping_png`: the tipping-point analysis, difference (95% CI) by cramps per week
  added to the imputed weeks (None when the report has none).
"""

from __future__ import annotations

import io

from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

COLOURS = ("#1f5f99", "#c0504d")
MARKERS = ("o", "s")


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, metadata={"Software": None})
    return buffer.getvalue()


def _labels(report: dict) -> list[tuple[str, str]]:
    return [(arm["code"], arm["label"]) for arm in report["arms"]]


def figure2_png(report: dict) -> bytes:
    points = report["figure2"]["points"]
    figure = Figure(figsize=(8, 4.5))
    axes = figure.add_subplot()
    ticks = [f"S{p['week']}" if p["phase"] == "screening" else str(p["week"]) for p in points]
    positions = list(range(len(points)))
    groups = _labels(report)
    for index, (group, label) in enumerate(groups):
        shift = (index - (len(groups) - 1) / 2) * 0.15
        xs, means, sds = [], [], []
        for x, point in zip(positions, points, strict=True):
            entry = point[group]
            if entry["mean"] is not None:
                xs.append(x + shift)
                means.append(entry["mean"])
                sds.append(entry["sd"] or 0.0)
        axes.errorbar(
            xs,
            means,
            yerr=sds,
            label=label,
            color=COLOURS[index],
            marker=MARKERS[index],
            capsize=3,
            linewidth=1.2,
        )
    screening = sum(p["phase"] == "screening" for p in points)
    if 0 < screening < len(points):
        axes.axvline(screening - 0.5, color="grey", linestyle=":", linewidth=1)
    axes.set_xticks(positions, ticks)
    axes.set_xlabel("Week (S = screening; then intervention weeks)")
    axes.set_ylabel("Cramps per week, mean (SD)")
    axes.set_title("Observed weekly cramps")
    axes.set_ylim(bottom=0)
    axes.legend(frameon=False)
    figure.tight_layout()
    return _png(figure)


def _box(axes, x: float, y: float, text: str, width: float = 0.36, height: float = 0.09):
    axes.add_patch(
        FancyBboxPatch(
            (x - width / 2, y - height / 2),
            width,
            height,
            boxstyle="square,pad=0",
            facecolor="white",
            edgecolor="black",
            linewidth=1,
        )
    )
    axes.text(x, y, text, ha="center", va="center", fontsize=8, wrap=True)


def _arrow(axes, start: tuple[float, float], end: tuple[float, float]):
    axes.annotate("", xy=end, xytext=start, arrowprops={"arrowstyle": "->", "linewidth": 1})


def consort_png(report: dict) -> bytes:
    consort = report["consort"]
    figure = Figure(figsize=(8, 8))
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1)
    axes.axis("off")

    _box(axes, 0.5, 0.92, f"Assessed for eligibility (n = {consort['screened']})", 0.4, 0.06)
    excluded = (
        f"Excluded (n = {consort['excluded']})\n"
        f"Not meeting inclusion criteria (n = {consort['not_meeting_inclusion']})\n"
        f"Meeting exclusion criteria (n = {consort['meeting_exclusion']})\n"
        f"Declined to participate (n = {consort['declined']})"
    )
    _box(axes, 0.76, 0.79, excluded, 0.38, 0.12)
    _box(axes, 0.5, 0.64, f"Randomized (n = {consort['randomized']})", 0.3, 0.06)
    _arrow(axes, (0.5, 0.89), (0.5, 0.67))
    _arrow(axes, (0.5, 0.79), (0.57, 0.79))
    groups = _labels(report)
    columns = (0.5,) if len(groups) == 1 else (0.25, 0.75)
    for (group, label), x in zip(groups, columns, strict=False):
        allocated = (
            f"Allocated to {label}\n(n = {consort['allocated'][group]})"
            if len(groups) > 1
            else f"{label}\n(n = {consort['allocated'][group]})"
        )
        followed = (
            f"Completed the intervention (n = {consort['completed'][group]})\n"
            f"Discontinued (n = {consort['discontinued'][group]})"
        )
        analysed = f"Analysed (n = {consort['analysed'][group]})"
        _box(axes, x, 0.48, allocated, 0.38, 0.09)
        _box(axes, x, 0.30, followed, 0.38, 0.09)
        _box(axes, x, 0.12, analysed, 0.38, 0.07)
        _arrow(axes, (0.5, 0.61), (x, 0.525))
        _arrow(axes, (x, 0.435), (x, 0.345))
        _arrow(axes, (x, 0.255), (x, 0.155))
    stage_x = 0.5 if len(groups) > 1 else 0.12
    for y, stage in ((0.48, "Allocation"), (0.30, "Follow-up"), (0.12, "Analysis")):
        axes.text(stage_x, y, stage, ha="center", va="center", fontsize=8, style="italic")
    return _png(figure)


def tipping_png(report: dict) -> bytes | None:
    tipping = (report.get("missing_data") or {}).get("tipping_point", {}).get("frequency")
    entries = [tipping, tipping.get("reverse")] if tipping else []
    if not any(d is not None for entry in entries if entry for d in entry["difference"]):
        return None
    figure = Figure(figsize=(8, 4.5))
    axes = figure.add_subplot()
    labels = dict(_labels(report))
    for index, entry in enumerate(e for e in entries if e):
        points = [
            (delta, d, ci)
            for delta, d, ci in zip(
                entry["deltas"], entry["difference"], entry["ci95"], strict=True
            )
            if d is not None and ci[0] is not None
        ]
        if not points:
            continue
        deltas = [p[0] for p in points]
        axes.fill_between(
            deltas,
            [p[2][0] for p in points],
            [p[2][1] for p in points],
            color=COLOURS[index],
            alpha=0.18,
            linewidth=0,
        )
        name = labels.get(entry.get("shifted_group"), str(entry.get("shifted_group")))
        axes.plot(
            deltas,
            [p[1] for p in points],
            color=COLOURS[index],
            marker=MARKERS[index],
            markersize=3,
            linewidth=1.2,
            label=f"added to the imputed weeks of {name}",
        )
        if entry["tipping_delta"] is not None:
            axes.axvline(entry["tipping_delta"], color=COLOURS[index], linestyle="--", linewidth=1)
    axes.axhline(0, color="grey", linewidth=1)
    axes.set_xlabel("Cramps per week added to every imputed week")
    axes.set_ylabel(f"Difference, {report.get('difference', '')} (95% CI)")
    axes.set_title("Tipping-point analysis (multiple imputation, ANCOVA)")
    axes.legend(frameon=False)
    figure.tight_layout()
    return _png(figure)
