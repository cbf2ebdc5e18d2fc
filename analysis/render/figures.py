"""The report's figures (matplotlib, no GUI; same report, same bytes), each as a
300 dpi PNG, an SVG (text kept as text) and a PDF (`figure_bytes(figure, format)`).

- `figure2`: weekly mean (SD) cramps per group over the screening and intervention
  weeks, from the observed values; the SD bars are drawn in full, below 0 too.
- `consort`: the CONSORT 2010 flow diagram from the report's counts (one column per
  group; one pooled column in an open report).
- `tipping`: the tipping-point analysis, difference (95% CI) by cramps per week
  added to the imputed weeks (None when the report has none).

`figure2_png`, `consort_png` and `tipping_png` give the PNGs; `FIGURES` names them
all. Groups are named by the report's own labels (analysis.render.labels).
"""

from __future__ import annotations

import io
from collections.abc import Callable

import matplotlib
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from analysis.render.labels import for_display

COLOURS = ("#1f5f99", "#c0504d")
MARKERS = ("o", "s")
DPI = 300
FIGURE_FORMATS = ("png", "svg", "pdf")
SD_NOTE = (
    "Bars: \u00b11 SD, drawn in full; below 0 they show the spread of the weekly counts, "
    "not a negative count."
)
# No date, no tool version and fixed SVG ids: the same report gives the same bytes.
_METADATA = {
    "png": {"Software": None},
    "svg": {"Date": None, "Creator": None},
    "pdf": {"CreationDate": None, "Creator": None, "Producer": None},
}
_RC = {"svg.hashsalt": "itt-report", "svg.fonttype": "none", "pdf.fonttype": 42}


def figure_bytes(figure: Figure, format: str) -> bytes:
    """The figure as PNG (300 dpi), SVG or PDF."""
    buffer = io.BytesIO()
    with matplotlib.rc_context(_RC):
        figure.savefig(buffer, format=format, dpi=DPI, metadata=_METADATA[format])
    return buffer.getvalue()


def _labels(report: dict) -> list[tuple[str, str]]:
    return [(arm["code"], arm["label"]) for arm in report["arms"]]


def figure2(report: dict) -> Figure:
    report = for_display(report)
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
    axes.axhline(0, color="grey", linewidth=0.8)
    axes.legend(frameon=False)
    figure.text(0.01, 0.01, SD_NOTE, fontsize=7, color="#444444")
    figure.tight_layout(rect=(0, 0.04, 1, 1))
    return figure


def _box(axes, x: float, y: float, text: str, width: float, height: float, **style):
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
    axes.text(x, y, text, ha="center", va="center", fontsize=7.5, linespacing=1.35, **style)


def _arrow(axes, start: tuple[float, float], end: tuple[float, float]):
    axes.annotate("", xy=end, xytext=start, arrowprops={"arrowstyle": "->", "linewidth": 1})


def _reasons(reasons: dict[str, int], limit: int = 4) -> list[str]:
    """'  reason (n = k)' lines, most frequent first; the rest summed as other reasons."""
    ordered = sorted(reasons.items(), key=lambda r: (-r[1], r[0]))
    lines = [f"\u2022 {_short(reason)} (n = {n})" for reason, n in ordered[:limit]]
    if len(ordered) > limit:
        lines.append(f"\u2022 other reasons (n = {sum(n for _, n in ordered[limit:])})")
    return lines


def _short(text: str, width: int = 34) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "\u2026"


def consort(report: dict) -> Figure:
    """The CONSORT 2010 flow diagram: enrolment, then per group allocation (received
    the allocated intervention or not, with reasons), follow-up (lost to follow-up;
    discontinued the intervention, with reasons) and analysis."""
    report = for_display(report)
    consort = report["consort"]
    groups = _labels(report)
    pooled = len(groups) == 1
    figure = Figure(figsize=(8.5, 11))
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1)
    axes.axis("off")

    _box(axes, 0.5, 0.955, f"Assessed for eligibility (n = {consort['screened']})", 0.4, 0.04)
    excluded = (
        f"Excluded (n = {consort['excluded']})\n"
        f"\u2022 Not meeting inclusion criteria (n = {consort['not_meeting_inclusion']})\n"
        f"\u2022 Meeting exclusion criteria (n = {consort['meeting_exclusion']})\n"
        f"\u2022 Declined to participate (n = {consort['declined']})"
    )
    _box(axes, 0.78, 0.875, excluded, 0.4, 0.085)
    _box(axes, 0.5, 0.79, f"Randomized (n = {consort['randomized']})", 0.3, 0.04)
    _arrow(axes, (0.5, 0.935), (0.5, 0.81))
    _arrow(axes, (0.5, 0.875), (0.58, 0.875))
    columns = (0.5,) if pooled else (0.25, 0.75)
    width = 0.46
    for (group, label), x in zip(groups, columns, strict=False):
        allocated = consort["allocated"][group]
        received = consort.get("received", {}).get(group)
        not_received = allocated - received if received is not None else None
        allocation = [f"{label}\n(n = {allocated})" if pooled else f"Allocated to {label}"]
        if not pooled:
            allocation[0] += f" (n = {allocated})"
        if received is not None:
            allocation += [
                f"\u2022 Received the allocated intervention (n = {received})",
                f"\u2022 Did not receive it (n = {not_received})",
                *("  " + r for r in _reasons(consort["not_received_reasons"][group], 2)),
            ]
        lost = consort.get("lost_to_follow_up", {}).get(group)
        follow_up = []
        if lost is not None:
            follow_up.append(f"Lost to follow-up (n = {lost})")
        follow_up.append(f"Discontinued the intervention (n = {consort['discontinued'][group]})")
        follow_up += _reasons(consort.get("discontinued_reasons", {}).get(group, {}))
        stopped = consort.get("stopped_treatment", {}).get(group)
        if stopped:
            follow_up.append(f"Stopped the product, still followed (n = {stopped})")
        follow_up.append(f"Completed the intervention (n = {consort['completed'][group]})")
        analysed = f"Analysed (n = {consort['analysed'][group]})"
        _box(axes, x, 0.63, "\n".join(allocation), width, 0.16)
        _box(axes, x, 0.37, "\n".join(follow_up), width, 0.2)
        _box(axes, x, 0.13, analysed, width, 0.05)
        _arrow(axes, (0.5, 0.77), (x, 0.71))
        _arrow(axes, (x, 0.55), (x, 0.47))
        _arrow(axes, (x, 0.27), (x, 0.155))
    stage_x = 0.5 if not pooled else 0.1
    for y, stage in ((0.63, "Allocation"), (0.37, "Follow-up"), (0.13, "Analysis")):
        axes.text(
            stage_x,
            y,
            stage,
            ha="center",
            va="center",
            fontsize=8,
            style="italic",
            rotation=0 if pooled else 90,
        )
    return figure


def tipping(report: dict) -> Figure | None:
    report = for_display(report)
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
    return figure


FIGURES: dict[str, Callable[[dict], Figure | None]] = {
    "figure2": figure2,
    "consort": consort,
    "tipping-point": tipping,
}


def figure_files(report: dict, format: str) -> list[tuple[str, bytes]]:
    """[(name, bytes)] of every figure the report has, in one format."""
    made = ((name, draw(report)) for name, draw in FIGURES.items())
    return [(name, figure_bytes(figure, format)) for name, figure in made if figure]


def figure2_png(report: dict) -> bytes:
    return figure_bytes(figure2(report), "png")


def consort_png(report: dict) -> bytes:
    return figure_bytes(consort(report), "png")


def tipping_png(report: dict) -> bytes | None:
    figure = tipping(report)
    return None if figure is None else figure_bytes(figure, "png")
