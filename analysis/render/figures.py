"""The report's figures as PNG bytes (matplotlib, no GUI; same report, same bytes).

- `figure2_png`: weekly mean (SD) cramps per group over the screening and
  intervention weeks, from the observed values.
- `consort_png`: the CONSORT flow diagram from the report's counts.
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
    for index, (group, label) in enumerate(_labels(report)):
        shift = (index - 0.5) * 0.15
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
    for index, (group, label) in enumerate(_labels(report)):
        x = 0.25 if index == 0 else 0.75
        allocated = f"Allocated to {label}\n(n = {consort['allocated'][group]})"
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
    for y, stage in ((0.48, "Allocation"), (0.30, "Follow-up"), (0.12, "Analysis")):
        axes.text(0.5, y, stage, ha="center", va="center", fontsize=8, style="italic")
    return _png(figure)
