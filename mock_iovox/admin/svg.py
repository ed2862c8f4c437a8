"""Small charts drawn on the server as inline SVG (the portal's analytics): columns, horizontal bars,
a stacked share and an hour × weekday heat map. No script, no CDN, nothing to build.

Each chart is an image to assistive technology (`role="img"`, `aria-label`, a `<title>` and a
`<desc>`); its numbers are also in a table beside it on the page, which is what a screen reader or
a test reads. Every text is escaped here: the callers pass names from the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from itertools import count

#: colours with at least 3:1 contrast against white (WCAG 1.4.11, graphical objects)
ACCENT = "#0b5cad"
SHARE_COLOURS = ("#116329", "#8a5a00", "#b00020", "#5b6470")
_ids = count(1)


def _frame(width: int, height: int, title: str, desc: str, body: str) -> str:
    n = next(_ids)
    return (
        f'<svg class="an-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}" aria-labelledby="an-t{n} an-d{n}">'
        f'<title id="an-t{n}">{escape(title)}</title><desc id="an-d{n}">{escape(desc)}</desc>{body}</svg>'
    )


def _rect(x: float, y: float, w: float, h: float, fill: str, tip: str) -> str:
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{max(h, 0):.1f}" fill="{fill}">'
        f"<title>{escape(tip)}</title></rect>"
    )


def _text(x: float, y: float, text: str, anchor: str = "start", size: int = 12) -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}">{escape(text)}</text>'


def columns(points: Sequence[tuple[str, int]], title: str, desc: str) -> str:
    """One column per point (e.g. calls per day), the first, middle and last labels under them."""
    width, height, left, bottom, top = 720, 200, 40, 24, 12
    plot_w, plot_h = width - left - 8, height - bottom - top
    peak = max((v for _, v in points), default=0) or 1
    step = plot_w / max(1, len(points))
    body = [
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 8}" y2="{top + plot_h}" stroke="#5b6470"/>',
        _text(left - 4, top + 10, str(peak), "end"),
        _text(left - 4, top + plot_h, "0", "end"),
    ]
    for i, (label, value) in enumerate(points):
        h = plot_h * value / peak
        body.append(
            _rect(left + i * step + step * 0.1, top + plot_h - h, step * 0.8, h, ACCENT, f"{label}: {value}")
        )
    for i in sorted({0, len(points) // 2, len(points) - 1}) if points else ():
        anchor = "start" if i == 0 else "end" if i == len(points) - 1 else "middle"
        x = left + i * step + (0 if anchor == "start" else step if anchor == "end" else step / 2)
        body.append(_text(x, height - 6, points[i][0], anchor))
    return _frame(width, height, title, desc, "".join(body))


def bars(points: Sequence[tuple[str, int]], title: str, desc: str) -> str:
    """One horizontal bar per point (e.g. calls per link), labelled, in the given order."""
    row, label_w, width = 26, 240, 720
    height = max(1, len(points)) * row + 8
    peak = max((v for _, v in points), default=0) or 1
    body = []
    for i, (label, value) in enumerate(points):
        y = 4 + i * row
        w = (width - label_w - 70) * value / peak
        shown = label if len(label) <= 34 else label[:33] + "…"
        body.append(_text(label_w - 8, y + 17, shown, "end"))
        body.append(_rect(label_w, y + 4, w, row - 8, ACCENT, f"{label}: {value}"))
        body.append(_text(label_w + w + 6, y + 17, str(value)))
    return _frame(width, height, title, desc, "".join(body))


def share(parts: Sequence[tuple[str, int]], title: str, desc: str) -> str:
    """One bar split in proportion to the parts (e.g. answered / voicemail / missed), with a legend."""
    width, height, bar = 720, 70, 28
    total = sum(v for _, v in parts) or 1
    body, x, legend_x = [], 0.0, 0.0
    for (label, value), colour in zip(parts, SHARE_COLOURS, strict=False):
        w = width * value / total
        percent = f"{100 * value / total:.1f}%"
        body.append(_rect(x, 0, w, bar, colour, f"{label}: {value} ({percent})"))
        x += w
        body.append(_rect(legend_x, bar + 18, 14, 14, colour, label))
        body.append(_text(legend_x + 20, bar + 30, f"{label} {percent}"))
        legend_x += width / max(1, len(parts))
    return _frame(width, height, title, desc, "".join(body))


def heatmap(week: Sequence[Sequence[int]], rows: Sequence[str], title: str, desc: str) -> str:
    """Cells of `week[row][hour]` shaded by their value (darker = more), hours 0-23 across."""
    left, top, cell = 44, 18, 27
    width, height = left + 24 * cell + 4, top + len(rows) * cell + 4
    peak = max((v for r in week for v in r), default=0) or 1
    body = [_text(left + h * cell + cell / 2, 12, f"{h:02d}", "middle", 10) for h in range(0, 24, 3)]
    for r, (name, values) in enumerate(zip(rows, week, strict=True)):
        body.append(_text(left - 6, top + r * cell + 18, name, "end"))
        for h, value in enumerate(values):
            # white (none) to the accent blue (the busiest hour)
            level = value / peak
            shade = "#" + "".join(f"{round(255 - (255 - c) * level):02x}" for c in (0x0B, 0x5C, 0xAD))
            tip = f"{name} {h:02d}:00-{h:02d}:59: {value}"
            body.append(_rect(left + h * cell, top + r * cell, cell - 2, cell - 2, shade, tip))
    return _frame(width, height, title, desc, "".join(body))
