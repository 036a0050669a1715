"""Drawing primitives for the demo illustrations: palette, a Canvas in virtual units, and shapes
(tea sprig, cup, jar, bottle, pouch, sack, bundle, mushroom, bamboo shoot, hills, stilt house).
"""

import math
import random

from PIL import Image, ImageDraw

#: Drawing happens at SUPERSAMPLE × the output size, then is averaged down (Image.reduce).
SUPERSAMPLE = 2

GREEN, DARK_GREEN, LEAF, LIGHT_LEAF = (31, 111, 67), (21, 77, 47), (76, 145, 65), (139, 195, 74)
GOLD, YELLOW, RED, CREAM = (201, 138, 0), (255, 216, 77), (179, 38, 30), (251, 250, 246)
BROWN, TERRACOTTA, HONEY, WHITE = (121, 85, 72), (192, 100, 63), (236, 157, 20), (255, 255, 255)
#: Soft backgrounds (mint, sand, peach, sky, blush, sage, butter, clay).
TINTS = [
    (220, 239, 227),
    (243, 230, 200),
    (248, 220, 203),
    (219, 234, 243),
    (246, 217, 223),
    (226, 232, 207),
    (255, 241, 196),
    (238, 221, 206),
]
#: Product kind (storefront.demo.kinds.KINDS) -> (motif, accent colours).
KIND_STYLE = {
    "tea": ("tea", [GREEN, LEAF, DARK_GREEN]),
    "tea_bag": ("tea_bag", [GREEN, LIGHT_LEAF, GOLD]),
    "herbal_tea": ("herb", [LIGHT_LEAF, YELLOW, GOLD]),
    "noodle": ("noodle", [BROWN, TERRACOTTA, GOLD]),
    "vermicelli": ("vermicelli", [RED, YELLOW, LEAF]),
    "rice": ("rice", [GOLD, YELLOW, BROWN]),
    "honey": ("honey", [HONEY, GOLD, YELLOW]),
    "bamboo_fresh": ("bamboo", [LIGHT_LEAF, LEAF, GOLD]),
    "bamboo_dried": ("bamboo", [BROWN, GOLD, TERRACOTTA]),
    "mushroom": ("mushroom", [BROWN, TERRACOTTA, GOLD]),
    "supplement": ("turmeric", [(230, 81, 0), HONEY, GREEN]),
    "liquor": ("liquor", [(21, 101, 192), GREEN, GOLD]),
    "liqueur": ("liquor", [(173, 20, 87), HONEY, GREEN]),
    "tourism": ("village", [GREEN, TERRACOTTA, GOLD]),
}


def shade(colour, factor: float):
    """Lighten (factor > 1) or darken (< 1) a colour."""
    if factor >= 1:
        return tuple(round(c + (255 - c) * (factor - 1)) for c in colour)
    return tuple(round(c * factor) for c in colour)


class Canvas:
    """An ImageDraw in virtual units: x and y from 0 to 1000 across the width."""

    def __init__(self, size: tuple[int, int], background):
        self.image = Image.new("RGB", (size[0] * SUPERSAMPLE, size[1] * SUPERSAMPLE), background)
        self.draw = ImageDraw.Draw(self.image)
        self.k = self.image.width / 1000
        self.height = self.image.height / self.k

    def p(self, points):
        return [(x * self.k, y * self.k) for x, y in points]

    def box(self, x0, y0, x1, y1):
        return [x0 * self.k, y0 * self.k, x1 * self.k, y1 * self.k]

    def ellipse(self, cx, cy, rx, ry, fill, outline=None, width=0):
        self.draw.ellipse(
            self.box(cx - rx, cy - ry, cx + rx, cy + ry), fill=fill, outline=outline, width=round(width * self.k)
        )

    def rect(self, x0, y0, x1, y1, fill, radius=0):
        self.draw.rounded_rectangle(self.box(x0, y0, x1, y1), radius=radius * self.k, fill=fill)

    def poly(self, points, fill):
        self.draw.polygon(self.p(points), fill=fill)

    def line(self, points, fill, width):
        self.draw.line(self.p(points), fill=fill, width=max(1, round(width * self.k)), joint="curve")
        for x, y in (points[0], points[-1]):
            self.ellipse(x, y, width / 2, width / 2, fill)

    def leaf(self, cx, cy, length, width, angle, fill, vein=None):
        """A pointed leaf (also a grain of rice when small) centred on (cx, cy)."""
        cos, sin = math.cos(angle), math.sin(angle)
        side = [((t / 16 - 0.5) * length, width / 2 * math.sin(math.pi * t / 16) ** 0.75) for t in range(17)]
        shape = side + [(a, -b) for a, b in reversed(side)]
        self.poly([(cx + a * cos - b * sin, cy + a * sin + b * cos) for a, b in shape], fill)
        if vein:
            dx, dy = length * 0.42 * cos, length * 0.42 * sin
            self.line([(cx - dx, cy - dy), (cx + dx, cy + dy)], vein, max(2, width * 0.06))

    def hexagon(self, x, y, r, fill, turn=0.0):
        angles = [k * math.pi / 3 + turn for k in range(6)]
        self.poly([(x + r * math.cos(a), y + r * math.sin(a)) for a in angles], fill)


def background(c: Canvas, rng: random.Random, accent):
    """Paint one of several patterns in a lighter tone of the tint."""
    tint = c.image.getpixel((0, 0))
    soft = shade(tint, 0.94)
    style = rng.choice(["disc", "stripes", "dots", "rays"])
    h = c.height
    if style == "disc":
        c.ellipse(500 + rng.randint(-120, 120), h * 0.45, 360, 360, soft)
        c.ellipse(500 + rng.randint(-200, 200), h * 0.45, 250, 250, shade(tint, 1.25))
    elif style == "stripes":
        for x in range(-1000, 1000, 120):
            c.poly([(x, h), (x + 60, h), (x + 60 + h, 0), (x + h, 0)], soft)
    elif style == "rays":
        cx, cy = rng.choice([(0, 0), (1000, 0), (500, h * 0.45)])
        for a in (i * math.pi / 6 for i in range(12)):
            c.poly([(cx, cy)] + [(cx + 2000 * math.cos(t), cy + 2000 * math.sin(t)) for t in (a, a + 0.26)], soft)
    else:
        for y in range(40, round(h), 90):
            for x in range(40 + (y // 90 % 2) * 45, 1000, 90):
                c.ellipse(x, y, 9, 9, soft)
    # A few leaves or petals in the accent colour, faded, for depth.
    for _ in range(rng.randint(2, 5)):
        c.leaf(
            rng.uniform(40, 960),
            rng.uniform(40, h * 0.5),
            rng.uniform(60, 120),
            rng.uniform(25, 45),
            rng.uniform(0, math.pi),
            shade(accent, 1.7),
        )


def table(c: Canvas, rng, colour):
    """A surface for still lifes: a band at the bottom; return its top."""
    top = c.height * rng.uniform(0.74, 0.8)
    c.rect(-10, top, 1010, c.height + 10, colour)
    return top


def tea_sprig(c, x, y, scale, angle, colour):
    """Two leaves and a bud on a short stem ("một tôm hai lá")."""
    dx, dy = math.cos(angle), math.sin(angle)
    c.line([(x, y), (x + dx * 160 * scale, y + dy * 160 * scale)], shade(colour, 0.7), 10 * scale)
    c.leaf(x + dx * 190 * scale, y + dy * 190 * scale, 90 * scale, 34 * scale, angle, shade(colour, 1.35))
    for side, at in ((1, 0.35), (-1, 0.75)):
        lx, ly = x + dx * 160 * scale * at, y + dy * 160 * scale * at
        a = angle + side * 0.9
        c.leaf(
            lx + math.cos(a) * 75 * scale,
            ly + math.sin(a) * 75 * scale,
            160 * scale,
            70 * scale,
            a,
            colour,
            shade(colour, 0.75),
        )


def cup(c, x, base, w, colour):
    c.ellipse(x, base, w * 0.62, w * 0.09, shade(colour, 0.8))  # saucer
    c.draw.chord(c.box(x - w / 2, base - w * 0.85, x + w / 2, base - w * 0.05), 0, 180, fill=colour)
    c.ellipse(x, base - w * 0.45, w / 2, w * 0.1, shade(colour, 1.3))
    c.ellipse(x, base - w * 0.45, w * 0.42, w * 0.07, (166, 160, 60))
    for sx in (x - w * 0.2, x, x + w * 0.2):  # steam
        c.line([(sx + 12 * math.sin(t / 3), base - w * 0.6 - t * 9) for t in range(14)], WHITE, 7)


def jar(c, x, base, w, h, body, lid, label):
    c.rect(x - w / 2, base - h, x + w / 2, base, body, radius=w * 0.18)
    c.rect(x - w * 0.36, base - h - w * 0.22, x + w * 0.36, base - h + w * 0.05, lid, radius=14)
    c.rect(x - w * 0.38, base - h * 0.62, x + w * 0.38, base - h * 0.28, label, radius=10)
    c.ellipse(x, base - h * 0.45, w * 0.1, w * 0.1, shade(lid, 0.9))
    c.rect(x - w * 0.36, base - h * 0.92, x - w * 0.26, base - h * 0.7, shade(body, 1.35), radius=8)


def bottle(c, x, base, w, h, glass, cap, label):
    neck = w * 0.32
    c.rect(x - w / 2, base - h * 0.68, x + w / 2, base, glass, radius=w * 0.2)
    c.poly(
        [
            (x - w / 2 + 10, base - h * 0.6),
            (x - neck / 2, base - h * 0.85),
            (x + neck / 2, base - h * 0.85),
            (x + w / 2 - 10, base - h * 0.6),
        ],
        glass,
    )
    c.rect(x - neck / 2, base - h * 0.95, x + neck / 2, base - h * 0.8, glass)
    c.rect(x - neck / 2 - 6, base - h, x + neck / 2 + 6, base - h * 0.93, cap, radius=6)
    c.rect(x - w * 0.42, base - h * 0.45, x + w * 0.42, base - h * 0.18, label, radius=8)
    c.rect(x - w * 0.34, base - h * 0.62, x - w * 0.24, base - h * 0.1, shade(glass, 1.3), radius=8)


def pouch(c, x, base, w, h, colour, window):
    c.poly([(x - w / 2, base), (x - w * 0.44, base - h), (x + w * 0.44, base - h), (x + w / 2, base)], colour)
    c.rect(x - w * 0.44, base - h, x + w * 0.44, base - h + 22, shade(colour, 0.8))
    c.ellipse(x, base - h * 0.48, w * 0.25, w * 0.25, window)
    c.ellipse(x, base - h * 0.48, w * 0.25, w * 0.25, None, shade(colour, 0.8), 8)


def sack(c, x, base, w, h, cloth, tie):
    c.poly(
        [
            (x - w / 2, base),
            (x - w * 0.4, base - h * 0.8),
            (x - w * 0.18, base - h),
            (x + w * 0.18, base - h),
            (x + w * 0.4, base - h * 0.8),
            (x + w / 2, base),
        ],
        cloth,
    )
    c.rect(x - w * 0.22, base - h * 0.86, x + w * 0.22, base - h * 0.78, tie, radius=8)
    for y in (base - h * 0.2, base - h * 0.35, base - h * 0.5):
        c.line([(x - w * 0.3, y), (x + w * 0.3, y)], shade(cloth, 0.88), 6)


def bundle(c, rng, x, base, w, h, colour, *, band=GOLD):
    """A tied skein of noodles: many wavy strands."""
    for i in range(26):
        off = (i / 25 - 0.5) * w * 0.8
        waist = [1 - 0.45 * math.sin(math.pi * t / 20) for t in range(21)]
        c.line(
            [(x + off * waist[t] + 6 * math.sin(t + i), base - h * t / 20) for t in range(21)],
            shade(colour, rng.uniform(0.85, 1.15)),
            7,
        )
    c.rect(x - w * 0.26, base - h * 0.58, x + w * 0.26, base - h * 0.44, band, radius=10)


def mushroom(c, x, base, size, cap):
    c.rect(x - size * 0.16, base - size * 0.75, x + size * 0.16, base, (238, 226, 205), radius=size * 0.08)
    c.draw.chord(c.box(x - size * 0.6, base - size * 1.25, x + size * 0.6, base - size * 0.45), 180, 360, fill=cap)
    c.ellipse(x, base - size * 0.85, size * 0.6, size * 0.1, shade(cap, 0.8))
    for dx in (-0.3, 0, 0.28):
        c.ellipse(x + dx * size, base - size * 1.02 - abs(dx) * -size * 0.2, size * 0.07, size * 0.04, shade(cap, 1.5))


def bamboo_shoot(c, x, base, w, h, colour):
    """A leaning cone wrapped in overlapping sheaths, cut flat at the base."""
    lean = w * 0.25
    c.poly(
        [
            (x - w / 2, base),
            (x - w * 0.32 + lean * 0.4, base - h * 0.55),
            (x + lean, base - h),
            (x + w * 0.3 + lean * 0.5, base - h * 0.5),
            (x + w / 2, base),
        ],
        colour,
    )
    for i in range(1, 6):
        t = i / 6
        cx, y, half = x + lean * t * t, base - h * t * 0.95, w / 2 * (1 - t) + 6
        sheath = [
            (cx - half, y + h * 0.06),
            (cx + half * 0.9, y - h * 0.1),
            (cx + half, y - h * 0.02),
            (cx - half * 0.8, y + h * 0.12),
        ]
        c.poly(sheath, shade(colour, 0.78 if i % 2 else 1.2))
    c.ellipse(x, base, w / 2, w * 0.07, (238, 226, 205))


def hills(c, rng, top, colours, rows=False):
    """Rolling hills from `top` down, each layer darker; `rows` adds tea-row stripes."""
    h = c.height
    for i, colour in enumerate(colours):
        y0, phase = top + i * (h - top) * 0.22, rng.uniform(0, 6)
        amp, period = rng.uniform(20, 45), rng.uniform(110, 180)
        outline = [
            (x, y0 + amp * (math.sin(x / period + phase) + 0.4 * math.sin(x / 47 + i))) for x in range(0, 1001, 20)
        ]
        c.poly(outline + [(1000, h + 5), (0, h + 5)], colour)
        if rows:
            for j in range(1, 4):
                c.line([(x, y + j * 28) for x, y in outline], shade(colour, 0.85), 8)


def stilt_house(c, x, base, w, wall, roof):
    for post in (x - w / 2 + i * w / 4 for i in range(5)):
        c.rect(post - 5, base - w * 0.3, post + 5, base, shade(wall, 0.6))
    c.rect(x - w / 2, base - w * 0.62, x + w / 2, base - w * 0.3, wall)
    eaves, ridge = base - w * 0.58, base - w * 0.95
    c.poly([(x - w * 0.62, eaves), (x - w * 0.3, ridge), (x + w * 0.3, ridge), (x + w * 0.62, eaves)], roof)
    c.rect(x - w * 0.08, base - w * 0.55, x + w * 0.08, base - w * 0.32, shade(wall, 0.55))
