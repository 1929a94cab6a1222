"""Charts drawn on the server as SVG: no JavaScript, no library, nothing from a CDN.

Each chart is decoration beside a table that holds the same numbers, so the SVG is marked
`role="img"` with a title and a short description, and screen readers read the table.
A hidden (suppressed) value is never drawn: its bar is left out and labelled with the same
text as in the table, so the picture gives nothing away that the table hides.
"""

from dataclasses import dataclass

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

BAR_HEIGHT = 22
LABEL_WIDTH = 190
BAR_WIDTH = 360
VALUE_WIDTH = 70
AXIS_HEIGHT = 22
LEGEND_HEIGHT = 24


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # None: hidden, not drawn
    text: str  # what the table shows: "12", "<5", "48%"
    band: tuple[float, float] | None = None  # a target band on the same scale, drawn behind


def bar_chart(
    ident: str,
    title: str,
    description: str,
    bars: list[Bar],
    *,
    scale: float,
    axis: str,
    legend: list[tuple[str, str]] | None = None,
) -> SafeString:
    """Horizontal bars on a scale from 0 to `scale` (100 for percentages), with the scale
    and `axis` (what the bars measure) written under them and, if given, a `legend` of
    (css class, label) pairs; `ident` names the chart uniquely on its page."""
    legend = legend or [("chart-bar", axis)]
    bars_height = BAR_HEIGHT * len(bars) + 8
    height = bars_height + AXIS_HEIGHT + LEGEND_HEIGHT
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    # f-strings, not format_html per element: a municipality's mix chart has a bar per project
    # (120 on the large data set), and format_html made it a tenth of the page's time. Only
    # the texts need escaping; the numbers are ours.
    rows = []
    for i, bar in enumerate(bars):
        y = 4 + i * BAR_HEIGHT
        parts = [
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 15}" text-anchor="end" class="chart-label">'
            f"{escape(_shorten(bar.label))}</text>"
        ]
        if bar.band is not None:
            low, high = (_x(v, scale) for v in bar.band)
            parts.append(
                f'<rect x="{LABEL_WIDTH + low}" y="{y + 1}" width="{max(high - low, 1)}" '
                f'height="{BAR_HEIGHT - 2}" class="chart-band"/>'
            )
        if bar.value is not None:
            parts.append(
                f'<rect x="{LABEL_WIDTH}" y="{y + 4}" width="{_x(bar.value, scale)}" '
                f'height="{BAR_HEIGHT - 8}" class="chart-bar"/>'
            )
        parts.append(
            f'<text x="{LABEL_WIDTH + BAR_WIDTH + 6}" y="{y + 15}" class="chart-value">'
            f"{escape(str(bar.text))}</text>"
        )
        rows.append("".join(parts))
    scale_line = format_html(
        '<line x1="{l}" y1="{y}" x2="{r}" y2="{y}" class="chart-axis"/>'
        '<text x="{l}" y="{t}" text-anchor="middle" class="chart-label">0</text>'
        '<text x="{r}" y="{t}" text-anchor="middle" class="chart-label">{top}</text>'
        '<text x="{m}" y="{t}" text-anchor="middle" class="chart-label">{axis}</text>',
        l=LABEL_WIDTH,
        r=LABEL_WIDTH + BAR_WIDTH,
        m=LABEL_WIDTH + BAR_WIDTH / 2,
        y=bars_height,
        t=bars_height + 16,
        top=_number(scale),
        axis=axis,
    )
    body = SafeString(
        mark_safe("".join(rows))  # noqa: S308 - labels and texts escaped above
        + scale_line
        + _legend(legend, LABEL_WIDTH, bars_height + AXIS_HEIGHT)
    )
    return _svg(ident, width, height, title, description, body)


def line_chart(
    ident: str,
    title: str,
    description: str,
    labels: list[str],
    series: list[tuple[str, str, list[float | None]]],
    *,
    scale: float,
    axis: str,
) -> SafeString:
    """Lines over labelled points on a scale from 0 to `scale`: each series is (name, css
    class, values), drawn in its own style and named in the legend; a hidden value (None)
    breaks its line. The vertical axis says `axis`."""
    width, left, bottom, top = 600, 56, 30, 10
    plot = 160
    height = top + plot + bottom + LEGEND_HEIGHT
    step = (width - left - 50) / max(len(labels) - 1, 1)  # room for the last label
    parts = []
    for i, label in enumerate(labels):
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="middle" class="chart-label">{}</text>',
                round(left + i * step, 1),
                top + plot + 20,
                label,
            )
        )
    for _name, css, values in series:
        segments, current = [], []
        for i, value in enumerate(values):
            if value is None:
                if current:
                    segments.append(current)
                current = []
                continue
            x = left + i * step
            y = top + plot - plot * min(value, scale) / scale if scale else top + plot
            current.append(f"{x:.1f},{y:.1f}")
            parts.append(
                format_html(
                    '<circle cx="{}" cy="{}" r="3" class="{}-point"/>',
                    round(x, 1),
                    round(y, 1),
                    css,
                )
            )
        if current:
            segments.append(current)
        parts += [
            format_html('<polyline points="{}" class="{}"/>', " ".join(s), css) for s in segments
        ]
    axis_html = format_html(
        '<line x1="{l}" y1="{b}" x2="{r}" y2="{b}" class="chart-axis"/>'
        '<line x1="{l}" y1="{t}" x2="{l}" y2="{b}" class="chart-axis"/>'
        '<text x="{lx}" y="{ty}" text-anchor="end" class="chart-label">{top}</text>'
        '<text x="{lx}" y="{b}" text-anchor="end" class="chart-label">0</text>'
        '<text x="14" y="{m}" text-anchor="middle" class="chart-label" '
        'transform="rotate(-90 14 {m})">{axis}</text>',
        l=left,
        r=width - 10,
        t=top,
        b=top + plot,
        lx=left - 6,
        ty=top + 8,
        m=top + plot / 2,
        top=_number(scale),
        axis=axis,
    )
    legend = _legend([(css, name) for name, css, _values in series], left, top + plot + bottom)
    body = SafeString(axis_html + "".join(parts) + legend)
    return _svg(ident, width, height, title, description, body)


def _legend(items: list[tuple[str, str]], x: float, y: float) -> SafeString:
    """A row of (css class, label) keys: a swatch in the style of the class, then its label."""
    parts, at = [], x
    for css, label in items:
        parts.append(
            format_html(
                '<rect x="{}" y="{}" width="14" height="10" class="{} chart-swatch"/>'
                '<text x="{}" y="{}" class="chart-label">{}</text>',
                at,
                y + 4,
                css,
                at + 20,
                y + 13,
                label,
            )
        )
        at += 40 + 7 * len(str(label))
    return SafeString("".join(parts))


def _svg(ident: str, width: int, height: int, title, description, body) -> SafeString:
    return format_html(
        '<svg class="chart" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
        'aria-labelledby="{i}-title {i}-desc" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{i}-title">{t}</title><desc id="{i}-desc">{d}</desc>{b}</svg>',
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
