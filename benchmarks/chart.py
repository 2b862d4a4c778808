"""A dependency-free SVG line chart of job time against fleet size, both axes logarithmic.

Logarithmic axes because the sizes span 1 to 100 and the jobs differ by more than tenfold: on
linear axes the fast jobs would lie flat on the x axis.
"""

import math
from xml.sax.saxutils import escape

WIDTH, HEIGHT = 820, 440
LEFT, RIGHT, TOP, BOTTOM = 70, 280, 50, 60
COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")


def _decades(low, high):
    """Powers of ten that bracket [low, high]."""
    return range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1)


def _number(value):
    return ("%g" % value) if value >= 0.01 else ("%.0e" % value)


def line_chart(title, series, x_label, y_label, dashed=()):
    """SVG text; ``series`` maps a label to {x: y} with positive x and y (missing points are skipped);
    the series named in ``dashed`` are drawn dashed."""
    xs = sorted({x for points in series.values() for x in points})
    ys = [y for points in series.values() for y in points.values()]
    if not xs or not ys:
        raise ValueError("the chart has no points")
    # A single x or a single decade of y still needs an axis of non-zero length.
    x_low = math.log10(xs[0])
    x_high = max(math.log10(xs[-1]), x_low + 1)
    y_decades = _decades(min(ys), max(ys))
    y_low = y_decades[0]
    y_high = max(y_decades[-1], y_low + 1)
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def px(x):
        return LEFT + (math.log10(x) - x_low) / (x_high - x_low) * plot_width

    def py(y):
        return TOP + plot_height - (math.log10(y) - y_low) / (y_high - y_low) * plot_height

    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" '
        'font-family="sans-serif" font-size="12">' % (WIDTH, HEIGHT, WIDTH, HEIGHT),
        '<rect width="100%" height="100%" fill="white"/>',
        '<text x="%d" y="24" font-size="15" font-weight="bold">%s</text>' % (LEFT, escape(title)),
    ]
    for exponent in y_decades:
        y = py(10 ** exponent)
        parts.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>' % (LEFT, y, LEFT + plot_width, y))
        parts.append('<text x="%d" y="%.1f" text-anchor="end">%s</text>' % (LEFT - 6, y + 4, _number(10 ** exponent)))
    for x in xs:
        parts.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>' % (px(x), TOP, px(x), TOP + plot_height))
        parts.append('<text x="%.1f" y="%d" text-anchor="middle">%s</text>' % (px(x), TOP + plot_height + 18, x))
    parts.append('<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#444"/>'
                 % (LEFT, TOP, plot_width, plot_height))
    parts.append('<text x="%.1f" y="%d" text-anchor="middle">%s</text>'
                 % (LEFT + plot_width / 2, HEIGHT - 18, escape(x_label)))
    parts.append('<text transform="translate(18 %.1f) rotate(-90)" text-anchor="middle">%s</text>'
                 % (TOP + plot_height / 2, escape(y_label)))
    for index, (label, points) in enumerate(series.items()):
        color = COLORS[index % len(COLORS)]
        stroke = 'stroke="%s" stroke-width="2"%s' % (color, ' stroke-dasharray="6 4"' if label in dashed else "")
        coordinates = ["%.1f,%.1f" % (px(x), py(points[x])) for x in xs if x in points]
        parts.append('<polyline points="%s" fill="none" %s/>' % (" ".join(coordinates), stroke))
        parts.extend('<circle cx="%s" cy="%s" r="3" fill="%s"/>' % (tuple(point.split(",")) + (color,))
                     for point in coordinates)
        legend_y = TOP + 10 + index * 20
        parts.append('<line x1="%d" y1="%d" x2="%d" y2="%d" %s/>'
                     % (WIDTH - RIGHT + 15, legend_y, WIDTH - RIGHT + 35, legend_y, stroke))
        parts.append('<text x="%d" y="%d">%s</text>' % (WIDTH - RIGHT + 40, legend_y + 4, escape(label)))
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
