"""A picture of one run: every task-call attempt as a bar on a time axis.

`render_timeline(run, calls, "run.svg")` writes an SVG; a `.html` path gets a
self-contained page with the same SVG and the call table. Calls that overlap
in time (under `gather` / `map_task`) go in separate lanes, side by side.

Each bar is a `<g class="call">` (in `seq`, then `attempt` order) carrying
`data-seq`, `data-attempt`, `data-state`, `data-lane`, `data-start` and
`data-end` (seconds from the run's start) and a `<title>` tooltip. States are
told apart by colour *and* shape: a failed call is red with a cross, an
interrupted one orange, hatched and torn at its end, a replayed one pale with
a dashed outline, a cached one green with a dotted outline. A long idle gap
(a crash, then a resume hours later) is drawn as a break in the axis.

Everything shown comes from the store and may be untrusted (task arguments,
error messages): all text is escaped, and characters XML cannot hold are
replaced.
"""

from __future__ import annotations

import html
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .codec import preview
from .store.records import CallAttempt, RunRecord

WIDTH = 1000
MARGIN = 16
LANE_HEIGHT = 22
LANE_GAP = 6
MIN_BAR = 3.0
MIN_UNKNOWN = 24.0  # an unfinished call: it ran for an unknown time after its last record
BREAK_WIDTH = 28.0
FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"

# fill, stroke, dash pattern, legend text
STYLES = {
    "ok": ("#4c78a8", "#2f4b7c", "", "ok"),
    "error": ("#e45756", "#8b1a1a", "", "failed"),
    "interrupted": ("url(#sbx-hatch)", "#b35900", "", "interrupted"),
    "running": ("#9ecae9", "#4c78a8", "4 2", "running"),
    "replayed": ("#d9d9d9", "#6b6b6b", "4 2", "replayed from journal"),
    "cached": ("#88c580", "#2e7d32", "1.5 2", "from cache"),
}

def _visible(text: str) -> str:
    """Every character that is not printable (controls, bidi overrides,
    zero-width marks) shown as an escape; line breaks kept."""
    if text.isprintable():
        return text
    out = []
    for char in text:
        if char.isprintable() or char == "\n":
            out.append(char)
        else:
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
    return "".join(out)


def _text(value: object) -> str:
    """Text escaped for XML, with nothing invisible or that XML cannot hold."""
    return html.escape(_visible(str(value)), quote=True)


def format_duration(seconds: float) -> str:
    if seconds < 0.001:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1000:.3g} ms"
    if seconds < 60:
        return f"{seconds:.3g} s"
    if seconds < 3600:
        return f"{int(seconds // 60)} min {seconds % 60:.0f} s"
    return f"{int(seconds // 3600)} h {int(seconds % 3600 // 60)} min"


def call_kind(call: CallAttempt) -> str:
    """The style a call is drawn in: its state, or how it was answered."""
    if call.state == "ok" and call.replayed:
        return "replayed"
    if call.state == "ok" and call.cached:
        return "cached"
    return call.state


@dataclass(frozen=True)
class _Bar:
    call: CallAttempt
    start: float  # seconds from the run's start
    end: float
    kind: str


class _Axis:
    """Time to x, linear within segments of activity. An idle gap longer than
    a quarter of the whole span becomes a fixed-width break, and each segment
    gets at least `MIN_SEGMENT` of the width, so a short burst after a long
    one stays readable."""

    MIN_SEGMENT = 0.15

    def __init__(self, intervals: list[tuple[float, float]], x0: float, x1: float, pad: float = 0.0) -> None:
        lo = min(s for s, _ in intervals)
        hi = max(e for _, e in intervals)
        span = max(hi - lo, 1e-6)
        merged: list[list[float]] = []
        for s, e in sorted(intervals):
            if merged and s - merged[-1][1] <= span * 0.25:
                merged[-1][1] = max(merged[-1][1], e)
            else:
                merged.append([s, e])
        self.segments = [(s, max(e, s + 1e-6)) for s, e in merged]
        self.pad = pad  # room after each segment for a bar whose end is unknown
        usable = (x1 - x0) - BREAK_WIDTH * (len(self.segments) - 1) - pad * len(self.segments)
        durations = [e - s for s, e in self.segments]
        total = sum(durations)
        floor = usable * self.MIN_SEGMENT if len(self.segments) > 1 else 0.0
        small = [d * usable / total < floor for d in durations]
        rest = usable - floor * sum(small)
        rest_total = sum(d for d, is_small in zip(durations, small) if not is_small) or 1.0
        widths = [floor if is_small else rest * d / rest_total for d, is_small in zip(durations, small)]
        self.scales = [w / d for w, d in zip(widths, durations)]
        self.offsets: list[float] = []
        x = x0
        for width in widths:
            self.offsets.append(x)
            x += width + pad + BREAK_WIDTH
        self.widths = widths

    def limit(self, t: float) -> float:
        """The rightmost x a bar starting at `t` may reach: its segment's end."""
        for (s, e), offset, width in zip(self.segments, self.offsets, self.widths):
            if t <= e:
                return offset + width + self.pad
        return self.offsets[-1] + self.widths[-1] + self.pad

    def x(self, t: float) -> float:
        for (s, e), offset, scale in zip(self.segments, self.offsets, self.scales):
            if t <= e:
                return offset + max(t - s, 0.0) * scale
        return self.offsets[-1] + self.widths[-1]

    def breaks(self) -> list[tuple[float, float]]:
        """(x, idle seconds) of each break."""
        return [
            (self.offsets[i + 1] - BREAK_WIDTH / 2, self.segments[i + 1][0] - self.segments[i][1])
            for i in range(len(self.segments) - 1)
        ]

    def ticks(self) -> list[tuple[float, str]]:
        """(x, label): time from the run's start in the first segment, time from
        the segment's start (`+200 ms`) after a break."""
        out = []
        for index, ((s, e), offset, scale, width) in enumerate(zip(self.segments, self.offsets, self.scales, self.widths)):
            count = max(1, int(width // 90))
            step = _nice_step((e - s) / count)
            base = 0.0 if index == 0 else s
            if index:
                out.append((offset, f"at {format_duration(s)}"))
            k = math.ceil((s - base) / step - 1e-9)
            while base + k * step <= e + step * 1e-9:
                t = base + k * step
                if index == 0 or k > 0:
                    out.append((offset + (t - s) * scale, ("+" if index else "") + _tick_label(k * step, step)))
                k += 1
        return out


def _nice_step(raw: float) -> float:
    raw = max(raw, 1e-6)
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return float(factor * power)
    return float(10 * power)  # pragma: no cover


def _tick_label(t: float, step: float) -> str:
    if abs(t) < step * 1e-6:
        return "0"
    if step < 1:
        digits = max(0, -math.floor(math.log10(step * 1000) + 1e-9))
        return f"{t * 1000:.{digits}f} ms"
    if step < 60:
        return f"{t:g} s"
    return f"{t / 60:g} min"


def _bars(run: RunRecord, calls: Sequence[CallAttempt]) -> list[_Bar]:
    t0 = min([run.started_at, *(c.started_at for c in calls)])
    known = [c.finished_at for c in calls if c.finished_at is not None] + [c.started_at for c in calls]
    if run.finished_at is not None:
        known.append(run.finished_at)
    resume = run.resumed_at
    bars = []
    for call in sorted(calls, key=lambda c: (c.seq, c.attempt)):
        end = call.finished_at
        if end is None:
            # The process was alive at least until the last thing it recorded.
            horizon = [t for t in known if t >= call.started_at and (resume is None or call.started_at >= resume or t < resume)]
            end = max(horizon, default=call.started_at)
        bars.append(_Bar(call, call.started_at - t0, max(end, call.started_at) - t0, call_kind(call)))
    return bars


def _lanes(bars: list[_Bar]) -> dict[int, int]:
    """Lane per bar index: the first lane whose last call ended by the time this
    one starts, so calls that ran at the same time sit side by side."""
    ends: list[float] = []
    lane_of: dict[int, int] = {}
    for index in sorted(range(len(bars)), key=lambda i: (bars[i].start, bars[i].call.seq, bars[i].call.attempt)):
        bar = bars[index]
        for lane, end in enumerate(ends):
            if end <= bar.start:
                ends[lane] = bar.end
                lane_of[index] = lane
                break
        else:
            lane_of[index] = len(ends)
            ends.append(bar.end)
    return lane_of


def _tooltip(bar: _Bar) -> str:
    call = bar.call
    lines = [f"#{call.seq} {call.task}({preview(call.args, 120)})"]
    state = STYLES[bar.kind][3]
    duration = format_duration(bar.end - bar.start)
    lines.append(f"{state}, attempt {call.attempt}, {duration}" + ("" if call.finished_at is not None else " or more"))
    lines.append(f"started at +{format_duration(bar.start) if bar.start > 0 else '0 ms'}")
    if call.state == "error":
        lines.append(f"{call.error_type or 'error'}: {(call.error_text or '')[:300]}")
    elif call.value is not None:
        lines.append(f"returned {preview(call.value, 120)}")
    return "\n".join(lines)


def _mark(bar_kind: str, x: float, y: float, w: float, h: float) -> str:
    """The shape that tells a state apart without colour."""
    if bar_kind == "error":
        size = min(h - 8, 10.0)
        cx = x + w - size / 2 - 4 if w >= size + 8 else x + w + size / 2 + 3
        cy = y + h / 2
        d = size / 2
        stroke = "#ffffff" if w >= size + 8 else "#8b1a1a"
        return (
            f'<path d="M{cx - d:.1f},{cy - d:.1f} L{cx + d:.1f},{cy + d:.1f} M{cx - d:.1f},{cy + d:.1f} '
            f'L{cx + d:.1f},{cy - d:.1f}" stroke="{stroke}" stroke-width="2.2" stroke-linecap="round"/>'
        )
    if bar_kind == "interrupted":
        right = x + w
        points = [(right, y), (right + 4, y + h * 0.25), (right, y + h * 0.5), (right + 4, y + h * 0.75), (right, y + h)]
        return '<polyline points="{}" fill="none" stroke="#b35900" stroke-width="1.6"/>'.format(
            " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
        )
    return ""


def render_svg(run: RunRecord, calls: Sequence[CallAttempt]) -> str:
    """The timeline of a run as SVG text."""
    bars = _bars(run, calls)
    run_end = run.finished_at - min([run.started_at, *(c.started_at for c in calls)]) if run.finished_at is not None else None
    intervals = [(b.start, b.end) for b in bars] or [(0.0, 0.0)]
    intervals.append((0.0, 0.0))
    if run_end is not None:
        intervals.append((run_end, run_end))
    unknown_end = any(b.call.finished_at is None for b in bars)
    axis = _Axis(intervals, MARGIN + 4, WIDTH - MARGIN - 8, pad=MIN_UNKNOWN + 6 if unknown_end else 0.0)
    lane_of = _lanes(bars)
    lanes = max(lane_of.values(), default=-1) + 1

    chart_top = 84
    chart_height = max(lanes, 1) * (LANE_HEIGHT + LANE_GAP) + LANE_GAP
    axis_y = chart_top + chart_height
    totals = _task_totals(bars)
    summary_top = axis_y + 40
    summary_height = 18 * len(totals) + (26 if totals else 0)
    height = summary_top + summary_height + 10

    out: list[str] = []
    add = out.append
    add(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" '
        f'font-family="{FONT}" font-size="11" role="img" aria-label="{_text("timeline of run " + run.run_id)}">'
    )
    add(f"<title>{_text('run ' + run.run_id)}</title>")
    add(
        '<defs><pattern id="sbx-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        '<rect width="6" height="6" fill="#f5a54a"/><line x1="0" y1="0" x2="0" y2="6" stroke="#b35900" stroke-width="2.5"/>'
        "</pattern></defs>"
    )
    add(f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>')
    add(_header_text(run, bars))
    add(_legend(bars, 60))

    # grid and axis
    add(f'<g class="axis" stroke="#e3e3e3" font-size="10" fill="#555">')
    for x, label in axis.ticks():
        add(f'<line x1="{x:.1f}" y1="{chart_top}" x2="{x:.1f}" y2="{axis_y}"/>')
        add(f'<text x="{x:.1f}" y="{axis_y + 14}" text-anchor="middle" stroke="none">{_text(label)}</text>')
    add(f'<line x1="{MARGIN}" y1="{axis_y}" x2="{WIDTH - MARGIN}" y2="{axis_y}" stroke="#888"/>')
    for x, idle in axis.breaks():
        add(
            f'<rect x="{x - BREAK_WIDTH / 2 + 4:.1f}" y="{chart_top}" width="{BREAK_WIDTH - 8:.1f}" height="{chart_height}" '
            f'fill="#f4f4f4" stroke="none"/>'
            f'<path d="M{x - 6:.1f},{axis_y + 5} l4,-10 M{x + 2:.1f},{axis_y + 5} l4,-10" stroke="#888" stroke-width="1.4"/>'
            f'<text transform="translate({x + 4:.1f},{chart_top + 6}) rotate(90)" stroke="none" fill="#777" font-size="10">'
            f"{_text(format_duration(idle) + ' idle')}</text>"
        )
    add("</g>")
    if run.resumed_at is not None:
        t0 = min([run.started_at, *(c.started_at for c in calls)])
        x = axis.x(run.resumed_at - t0)
        add(
            f'<g class="resume"><line x1="{x:.1f}" y1="{chart_top - 4}" x2="{x:.1f}" y2="{axis_y}" stroke="#7b3294" '
            f'stroke-width="1.5" stroke-dasharray="5 3"/><text x="{x + 3:.1f}" y="{chart_top - 6}" fill="#7b3294">'
            f"resumed{_text(f' ({run.resumes}x)' if run.resumes > 1 else '')}</text></g>"
        )

    # bars, in seq order; a bar too short to see is widened, never into the next one in its lane
    lefts: dict[int, list[float]] = {}
    for index, bar in enumerate(bars):
        lefts.setdefault(lane_of[index], []).append(axis.x(bar.start))
    geometry = []
    for index, bar in enumerate(bars):
        lane = lane_of[index]
        x = axis.x(bar.start)
        next_left = min((left for left in lefts[lane] if left > x + 0.01), default=WIDTH - MARGIN)
        wanted = max(axis.x(bar.end) - x, MIN_UNKNOWN if bar.call.finished_at is None else MIN_BAR)
        w = max(min(wanted, next_left - x - 1, axis.limit(bar.start) - x), 1.0)
        y = chart_top + LANE_GAP + lane * (LANE_HEIGHT + LANE_GAP)
        geometry.append((x, y, w, next_left))
    for index, bar in enumerate(bars):
        x, y, w, next_left = geometry[index]
        lane = lane_of[index]
        fill, stroke, dash, _ = STYLES[bar.kind]
        call = bar.call
        add(
            f'<g class="call" data-seq="{call.seq}" data-attempt="{call.attempt}" data-state="{_text(bar.kind)}" '
            f'data-lane="{lane}" data-start="{bar.start:.6f}" data-end="{bar.end:.6f}">'
        )
        add(f"<title>{_text(_tooltip(bar))}</title>")
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        width_attr = "1.8" if bar.kind in ("error", "interrupted") else "1"
        add(
            f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{LANE_HEIGHT}" rx="3" fill="{fill}" '
            f'stroke="{stroke}" stroke-width="{width_attr}"{dash_attr}/>'
        )
        add(_mark(bar.kind, x, y, w, LANE_HEIGHT))
        label = f"#{call.seq} {call.task}" + (f" (attempt {call.attempt})" if call.attempt > 1 else "")
        room_inside = w - 8 - (16 if bar.kind == "error" else 0)
        room_right = next_left - (x + w) - (22 if bar.kind in ("error", "interrupted") else 8)
        previous_right = max((gx + gw for gx, gy, gw, _ in geometry if gy == y and gx + gw <= x + 0.01), default=MARGIN)
        room_left = x - previous_right - 8
        dark = bar.kind in ("ok", "error")
        if _fits(label, room_inside):
            add(f'<text x="{x + 4:.1f}" y="{y + 15}" fill="{"#ffffff" if dark else "#222"}">{_text(label)}</text>')
        elif _fits(label, room_right):
            offset = x + w + (18 if bar.kind in ("error", "interrupted") else 4)
            add(f'<text x="{offset:.1f}" y="{y + 15}" fill="#333">{_text(label)}</text>')
        elif _fits(label, room_left):
            add(f'<text x="{x - 4:.1f}" y="{y + 15}" text-anchor="end" fill="#333">{_text(label)}</text>')
        elif _fits(f"#{call.seq}", room_inside):
            add(f'<text x="{x + 3:.1f}" y="{y + 15}" fill="{"#ffffff" if dark else "#222"}">{_text(f"#{call.seq}")}</text>')
        add("</g>")

    if totals:
        add(_summary(totals, summary_top))
    add("</svg>")
    return "\n".join(part for part in out if part)


def _fits(label: str, room: float) -> bool:
    return len(label) * 6.4 <= room


def _task_totals(bars: list[_Bar]) -> list[tuple[str, float, int, int]]:
    """(task, busy seconds, calls, failures), the busiest first, at most six."""
    totals: dict[str, list[float]] = {}
    for bar in bars:
        entry = totals.setdefault(bar.call.task, [0.0, 0, 0])
        entry[0] += bar.end - bar.start
        entry[1] += 1
        entry[2] += bar.kind == "error"
    ranked = sorted(totals.items(), key=lambda item: -item[1][0])
    return [(task, values[0], int(values[1]), int(values[2])) for task, values in ranked[:6]]


def _summary(totals: list[tuple[str, float, int, int]], top: int) -> str:
    longest = max(total for _, total, _, _ in totals) or 1.0
    parts = [f'<g class="summary"><text x="{MARGIN}" y="{top}" font-weight="bold" fill="#333">time in tasks</text>']
    for index, (task, total, count, failures) in enumerate(totals):
        y = top + 10 + index * 18
        width = max(2.0, 420 * total / longest)
        extra = f", {failures} failed" if failures else ""
        parts.append(
            f'<text x="{MARGIN + 170}" y="{y + 11}" text-anchor="end" fill="#333">{_text(_clip(task, 26))}</text>'
            f'<rect x="{MARGIN + 178}" y="{y + 2}" width="{width:.1f}" height="11" fill="#4c78a8" opacity="0.75"/>'
            f'<text x="{MARGIN + 184 + width:.1f}" y="{y + 11}" fill="#555">'
            f"{_text(f'{format_duration(total)} in {count} call' + ('s' if count != 1 else '') + extra)}</text>"
        )
    parts.append("</g>")
    return "".join(parts)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _header_text(run: RunRecord, bars: list[_Bar]) -> str:
    counts: dict[str, int] = {}
    for bar in bars:
        counts[bar.kind] = counts.get(bar.kind, 0) + 1
    duration = format_duration(run.duration_s) if run.duration_s is not None else "unfinished"
    status_colour = {"ok": "#2e7d32", "error": "#c62828"}.get(run.status, "#b35900")
    details = ", ".join(f"{counts[k]} {STYLES[k][3]}" for k in STYLES if counts.get(k) and k != "ok")
    line2 = f"{len(bars)} call attempt{'s' if len(bars) != 1 else ''}" + (f" ({details})" if details else "")
    return (
        f'<text x="{MARGIN}" y="22" font-size="15" font-weight="bold" fill="#222">{_text(_clip(f"run {run.run_id}", 70))}'
        f'<tspan dx="12" font-weight="normal" fill="#555">{_text(_clip(run.name, 40))}</tspan>'
        f'<tspan dx="12" fill="{status_colour}">{_text(run.status)}</tspan>'
        f'<tspan dx="12" font-weight="normal" fill="#555">{_text(duration)}</tspan></text>'
        f'<text x="{MARGIN}" y="40" fill="#555">{_text(line2)}'
        + (f'<tspan dx="12" fill="#c62828">{_text(_clip(run.error.splitlines()[0] if run.error.strip() else run.error, 110))}</tspan>' if run.error else "")
        + "</text>"
    )


def _legend(bars: list[_Bar], y: int) -> str:
    kinds = ["ok", "error", "interrupted", "replayed", "cached", "running"]
    present = {bar.kind for bar in bars}
    shown = [k for k in kinds if k in present or k in ("ok", "error")]
    parts = ['<g class="legend">']
    x = float(MARGIN)
    for kind in shown:
        fill, stroke, dash, label = STYLES[kind]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(f'<rect x="{x:.1f}" y="{y - 9}" width="22" height="11" rx="2" fill="{fill}" stroke="{stroke}"{dash_attr}/>')
        parts.append(_mark(kind, x, y - 11, 22, 15) if kind == "error" else "")
        if kind == "interrupted":
            parts.append(_mark(kind, x, y - 9, 22, 11))
        parts.append(f'<text x="{x + (34 if kind == "interrupted" else 28):.1f}" y="{y}" fill="#333">{_text(label)}</text>')
        x += 44 + len(label) * 6.2
    parts.append("</g>")
    return "".join(parts)


def render_html(run: RunRecord, calls: Sequence[CallAttempt]) -> str:
    """A self-contained page: the timeline and the call table."""
    bars = _bars(run, calls)
    rows = []
    for bar in bars:
        call = bar.call
        state = STYLES[bar.kind][3]
        outcome = (
            f"{call.error_type or 'error'}: {call.error_text or ''}" if call.state == "error"
            else preview(call.value, 80) if call.value is not None else ""
        )
        rows.append(
            f'<tr class="{_text(bar.kind)}"><td>{call.seq}</td><td>{call.attempt}</td><td>{_text(call.task)}</td>'
            f"<td><code>{_text(preview(call.args, 80))}</code></td><td class=\"n\">+{_text(format_duration(bar.start))}</td>"
            f"<td class=\"n\">{_text(format_duration(bar.end - bar.start)) if call.finished_at is not None else 'unfinished'}</td>"
            f"<td>{_text(state)}</td><td><code>{_text(_clip(outcome, 200))}</code></td></tr>"
        )
    error = f'<p class="error">{_text(run.error)}</p>' if run.error else ""
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{_text('run ' + run.run_id)}</title><style>"
        f"body{{font-family:{FONT};margin:24px;color:#222}}"
        "table{border-collapse:collapse;margin-top:16px;font-size:13px}"
        "th,td{border-bottom:1px solid #ddd;padding:4px 10px;text-align:left;vertical-align:top}"
        "th{background:#f4f4f4}td.n{white-space:nowrap}tr.error td{background:#fdecea}tr.interrupted td{background:#fff3e0}"
        "tr.replayed td{color:#666}tr.cached td{background:#eef7ec}"
        "code{font-size:12px;white-space:pre-wrap;word-break:break-all}p.error{color:#c62828;white-space:pre-wrap}"
        "</style></head><body>\n"
        f"{render_svg(run, calls)}\n{error}"
        "<table><thead><tr><th>seq</th><th>attempt</th><th>task</th><th>arguments</th><th>start</th>"
        "<th>duration</th><th>state</th><th>result or error</th></tr></thead><tbody>\n"
        + "\n".join(rows)
        + "\n</tbody></table></body></html>\n"
    )


def render_timeline(run: RunRecord, calls: Sequence[CallAttempt], path: str | os.PathLike[str]) -> Path:
    """Write the timeline to `path`: SVG for `.svg`, an HTML page for `.html`/`.htm`."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix == ".svg":
        text = render_svg(run, calls)
    elif suffix in (".html", ".htm"):
        text = render_html(run, calls)
    else:
        raise ValueError(f"a timeline is written as .svg or .html, not {target.name!r}")
    target.write_text(text, encoding="utf-8")
    return target
