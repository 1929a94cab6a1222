"""Charts drawn on the server as SVG: no JavaScript, no library, nothing from a CDN.

Each chart is decoration beside a table that holds the same numbers, so the SVG is marked
`role="img"` with a title and a short description, and screen readers read the table.
A hidden (suppressed) value is never drawn: its bar is left out and labelled with the same
text as in the table, so the picture gives nothing away that the table hides.
"""

from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

BAR_HEIGHT = 22
LABEL_WIDTH = 190
BAR_WIDTH = 360
VALUE_WIDTH = 70


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # None: hidden, not drawn
    text: str  # what the table shows: "12", "<5", "48%"
    band: tuple[float, float] | None = None  # a target band on the same scale, drawn behind


def bar_chart(
    ident: str, title: str, description: str, bars: list[Bar], *, scale: float
) -> SafeString:
    """Horizontal bars on a scale from 0 to `scale` (100 for percentages); `ident` names the
    chart uniquely on its page."""
    height = BAR_HEIGHT * len(bars) + 8
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    rows = []
    for i, bar in enumerate(bars):
        y = 4 + i * BAR_HEIGHT
        parts = [
            format_html(
                '<text x="{}" y="{}" text-anchor="end" class="chart-label">{}</text>',
                LABEL_WIDTH - 8,
                y + 15,
                _shorten(bar.label),
            )
        ]
        if bar.band is not None:
            low, high = (_x(v, scale) for v in bar.band)
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" class="chart-band"/>',
                    LABEL_WIDTH + low,
                    y + 1,
                    max(high - low, 1),
                    BAR_HEIGHT - 2,
                )
            )
        if bar.value is not None:
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" class="chart-bar"/>',
                    LABEL_WIDTH,
                    y + 4,
                    _x(bar.value, scale),
                    BAR_HEIGHT - 8,
                )
            )
        parts.append(
            format_html(
                '<text x="{}" y="{}" class="chart-value">{}</text>',
                LABEL_WIDTH + BAR_WIDTH + 6,
                y + 15,
                bar.text,
            )
        )
        rows.append(SafeString("".join(parts)))
    return _svg(ident, width, height, title, description, SafeString("".join(rows)))


def line_chart(
    ident: str,
    title: str,
    description: str,
    points: list[tuple[str, float | None]],
    *,
    scale: float,
) -> SafeString:
    """A line over labelled points on a scale from 0 to `scale`; hidden points break the line."""
    width, height, left, bottom, top = 600, 200, 40, 30, 10
    plot = height - bottom - top
    step = (width - left - 50) / max(len(points) - 1, 1)  # room for the last label
    segments, current, marks, labels = [], [], [], []
    for i, (label, value) in enumerate(points):
        x = left + i * step
        labels.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="middle" class="chart-label">{}</text>',
                round(x, 1),
                height - 10,
                label,
            )
        )
        if value is None:
            if current:
                segments.append(current)
            current = []
            continue
        y = top + plot - plot * min(value, scale) / scale if scale else top + plot
        current.append(f"{x:.1f},{y:.1f}")
        marks.append(
            format_html(
                '<circle cx="{}" cy="{}" r="3" class="chart-point"/>', round(x, 1), round(y, 1)
            )
        )
    if current:
        segments.append(current)
    lines = format_html_join(
        "", '<polyline points="{}" class="chart-line"/>', ((" ".join(s),) for s in segments)
    )
    axis = format_html(
        '<line x1="{}" y1="{}" x2="{}" y2="{}" class="chart-axis"/>'
        '<text x="{}" y="{}" text-anchor="end" class="chart-label">{}</text>'
        '<text x="{}" y="{}" text-anchor="end" class="chart-label">0</text>',
        left,
        top + plot,
        width - 10,
        top + plot,
        left - 6,
        top + 8,
        _number(scale),
        left - 6,
        top + plot,
    )
    body = SafeString(axis + lines + "".join(marks) + "".join(labels))
    return _svg(ident, width, height, title, description, body)


def _svg(ident: str, width: int, height: int, title, description, body) -> SafeString:
    return format_html(
        '<svg class="chart" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
        'aria-labelledby="chart{i}-title chart{i}-desc" xmlns="http://www.w3.org/2000/svg">'
        '<title id="chart{i}-title">{t}</title><desc id="chart{i}-desc">{d}</desc>{b}</svg>',
        w=width,
        h=height,
        i=ident,
        t=title,
        d=description,
        b=body,
    )


def _x(value: float, scale: float) -> float:
    return round(BAR_WIDTH * min(max(value, 0), scale) / scale, 1) if scale else 0


def _number(value: float) -> str:
    return f"{value:.0f}"


def _shorten(text: str, limit: int = 26) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"
