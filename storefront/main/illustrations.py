"""Demo artwork: flat illustrations of each kind of product (and producer covers), drawn with Pillow.

Each kind has a motif (tea sprig and cup, noodle bundle, honey jar, rice sack, village…) in the
brand palette; a string seed varies background, pattern, colours and layout, so a catalogue page
is not a colour chart. No product name is drawn (the page shows it); a label says "Ảnh minh hoạ".
"""

import math
import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT_PATH = Path(__file__).resolve().parents[2] / "static" / "fonts" / "DejaVuSans-Bold.ttf"
LABEL = "Ảnh minh hoạ"
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
#: Product kind (storefront.main.demo.KINDS) -> (motif, accent colours).
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


def hero(c, rng, motif, accents):
    """The packed product on a table, with what it is made of beside it."""
    surface = table(c, rng, shade(rng.choice(TINTS), 0.86))
    a, b, d = accents
    x = rng.choice([rng.uniform(340, 400), rng.uniform(600, 660)])
    side = x + (310 if x < 500 else -310)
    if motif in ("tea", "tea_bag", "herb"):
        if motif == "herb":
            jar(c, x, surface + 20, 340, 400, shade(b, 1.5), d, WHITE)
        else:
            pouch(c, x, surface + 20, 400, 560, a, shade(b, 1.4))
        cup(c, side, surface + 30, 250, rng.choice([WHITE, (240, 232, 214), shade(d, 1.6)]))
        tea_sprig(c, x + rng.uniform(-60, 60), surface - 420, 1.0, -math.pi / 2 + rng.uniform(-0.5, 0.5), LEAF)
    elif motif in ("noodle", "vermicelli"):
        colours = (
            [RED, YELLOW, LEAF, (120, 60, 160), CREAM][: rng.choice([3, 5])]
            if motif == "vermicelli"
            else [(214, 190, 160)] * 3
        )
        for i, colour in enumerate(colours):
            bundle(c, rng, 200 + i * 600 / (len(colours) - 1), surface + 10, 190, 420 + (i % 2) * 60, colour)
    elif motif == "rice":
        sack(c, x, surface + 20, 480, 560, (233, 214, 170), a)
        for _ in range(28):
            c.leaf(side + rng.uniform(-90, 90), surface + rng.uniform(10, 80), 30, 14, rng.uniform(0, math.pi), CREAM)
    elif motif == "honey":
        jar(c, x, surface + 20, 360, 440, HONEY, BROWN, CREAM)
        for i in range(7):
            c.hexagon(side + (i % 3 - 1) * 70, surface - 300 + (i // 3) * 62 + (35 if i % 2 else 0), 36, GOLD)
    elif motif == "bamboo":
        for i in range(3):
            bamboo_shoot(c, 500 - 230 + i * 230, surface + 20, 210, 440 + 60 * (i % 2), shade(a, 1 + 0.1 * i))
    elif motif == "mushroom":
        for i in range(rng.randint(3, 4)):
            mushroom(c, 500 - 270 + i * 180, surface + 20 - (i % 2) * 30, 250 + 40 * (i % 2), shade(a, 0.9 + 0.08 * i))
    elif motif == "turmeric":
        bottle(c, x, surface + 20, 280, 560, shade(a, 1.1), d, WHITE)
        for i in range(5):  # capsules
            x0, y0 = side - 80 + i * 40, surface - 10 - i % 2 * 30
            c.line([(x0, y0), (x0 + 30, y0 - 40)], [a, b][i % 2], 34)
    elif motif == "liquor":
        bottle(c, x, surface + 20, 250, 620, shade(a, 1.5), d, CREAM)
        for dx in (-50, 50):
            c.draw.chord(c.box(side + dx - 45, surface - 90, side + dx + 45, surface + 10), 0, 180, fill=WHITE)
    else:
        village(c, rng, accents)


def still_life(c, rng, motif, accents):
    """What the product is made of, close up: leaves, grains, flowers, fruit, roots."""
    (a, b, _d), h = accents, c.height
    if motif in ("tea", "tea_bag"):
        for _ in range(rng.randint(4, 6)):
            tea_sprig(
                c,
                rng.uniform(150, 850),
                rng.uniform(h * 0.55, h * 0.9),
                rng.uniform(0.9, 1.4),
                -math.pi / 2 + rng.uniform(-0.9, 0.9),
                rng.choice([GREEN, LEAF, DARK_GREEN]),
            )
    elif motif == "herb":
        for _ in range(rng.randint(5, 8)):
            fx, fy, r = rng.uniform(150, 850), rng.uniform(150, h - 150), rng.uniform(50, 90)
            c.leaf(fx + r, fy + r, r * 2.4, r, rng.uniform(0, 3), LEAF)
            for k in range(6):
                c.ellipse(fx + r * 0.6 * math.cos(k), fy + r * 0.6 * math.sin(k), r * 0.55, r * 0.55, YELLOW)
            c.ellipse(fx, fy, r * 0.35, r * 0.35, GOLD)
    elif motif in ("rice", "noodle", "vermicelli"):
        c.ellipse(500, h * 0.55, 380, 150, shade(b, 1.2))
        c.ellipse(500, h * 0.53, 340, 120, CREAM if motif == "rice" else (232, 220, 196))
        for _ in range(120 if motif == "rice" else 0):
            c.leaf(500 + rng.gauss(0, 130), h * 0.53 + rng.gauss(0, 40), 30, 13, rng.uniform(0, math.pi), WHITE)
        if motif != "rice":
            colour = (214, 190, 160) if motif == "noodle" else rng.choice([RED, YELLOW, LEAF])
            bundle(c, rng, 500, h * 0.62, 360, 180, colour)
        for i in range(3):
            stalk = [(140 + i * 60 + 30 * t / 10, h * 0.9 - 45 * t) for t in range(11)]
            c.line(stalk, GOLD, 7)
            for x, y in stalk[4:]:
                c.leaf(x + 14, y, 34, 14, -0.6, GOLD)
    elif motif == "honey":
        for i in range(30):
            c.hexagon(
                120 + (i % 6) * 150 + (75 if i // 6 % 2 else 0),
                140 + (i // 6) * 130,
                72,
                rng.choice([HONEY, GOLD, shade(HONEY, 1.2)]),
                math.pi / 6,
            )
        bx, by = rng.uniform(300, 700), rng.uniform(300, 600)
        for wing in (-40, 40):
            c.ellipse(bx + wing, by - 50, 50, 30, (240, 248, 255))
        c.ellipse(bx, by, 80, 55, YELLOW)
        for dx in (-25, 15):
            c.rect(bx + dx, by - 52, bx + dx + 20, by + 52, (40, 30, 20))
    elif motif == "mushroom":
        for _ in range(rng.randint(5, 7)):
            mushroom(
                c,
                rng.uniform(150, 850),
                rng.uniform(h * 0.45, h * 0.95),
                rng.uniform(140, 220),
                shade(a, rng.uniform(0.8, 1.2)),
            )
    elif motif == "bamboo":
        for i in range(6):
            x = 120 + i * 150 + rng.uniform(-20, 20)
            c.rect(x - 30, -10, x + 30, h + 10, shade(LEAF, 0.8 + 0.05 * i))
            for y in range(80, round(h), 200):
                c.rect(x - 34, y, x + 34, y + 12, shade(LEAF, 0.6))
                c.leaf(x + 90, y - 30, 160, 40, -0.4, LIGHT_LEAF)
    elif motif == "turmeric":
        for _ in range(9):
            x, y = rng.uniform(150, 850), rng.uniform(200, h - 150)
            c.line([(x, y), (x + rng.uniform(-120, 120), y + rng.uniform(-60, 60))], (201, 120, 40), 60)
        for _ in range(12):
            x, y, ang = rng.uniform(150, 850), rng.uniform(150, h - 150), rng.uniform(0, math.pi)
            c.line([(x, y), (x + 70 * math.cos(ang), y + 70 * math.sin(ang))], rng.choice([a, b]), 40)
    elif motif == "liquor":
        for _ in range(rng.randint(6, 9)):
            x, y, r = rng.uniform(150, 850), rng.uniform(h * 0.35, h * 0.9), rng.uniform(50, 80)
            c.ellipse(x, y, r, r, HONEY if a[0] > 150 else (214, 190, 160))
            c.ellipse(x - r * 0.3, y - r * 0.3, r * 0.2, r * 0.2, shade(HONEY, 1.5))
            c.leaf(x + r * 0.6, y - r, 90, 36, -0.7, LEAF)
    else:
        village(c, rng, accents)


def landscape(c, rng, motif, accents):
    """Where it comes from: hills of tea rows, rice terraces, bee garden, bamboo forest."""
    h = c.height
    c.ellipse(rng.uniform(150, 850), h * 0.2, 70, 70, YELLOW)
    if motif == "village":
        return village(c, rng, accents)
    far = rng.choice([(150, 190, 160), (160, 180, 200), (190, 200, 170)])
    hills(c, rng, h * rng.uniform(0.15, 0.35), [far, shade(far, 0.85)])
    rows = motif in ("tea", "tea_bag", "herb")
    crop = {"rice": [GOLD, shade(GOLD, 1.2)], "honey": [LIGHT_LEAF, LEAF]}.get(motif, [LEAF, GREEN])
    crop = [shade(colour, rng.uniform(0.8, 1.2)) for colour in rng.sample(crop, 2)]
    hills(c, rng, h * rng.uniform(0.45, 0.62), crop, rows=rows or motif == "rice")
    if motif == "honey":
        for x in (200, 480, 760):  # beehives
            c.rect(x - 60, h * 0.72, x + 60, h * 0.86, CREAM, radius=6)
            c.rect(x - 70, h * 0.7, x + 70, h * 0.73, BROWN, radius=4)
    elif motif in ("bamboo", "mushroom", "turmeric", "liquor", "noodle", "vermicelli"):
        stilt_house(c, rng.uniform(250, 750), h * 0.8, 240, (176, 125, 80), shade(BROWN, 0.8))


def village(c, rng, accents):
    """A Tày village: mountains, stilt houses, terraced fields."""
    h = c.height
    hills(c, rng, h * 0.3, [(170, 200, 190), (120, 170, 140)])
    for i in range(rng.randint(2, 3)):
        x, base = 200 + i * 300 + rng.uniform(-40, 40), h * (0.66 + 0.04 * (i % 2))
        stilt_house(c, x, base, 200, (176, 125, 80), shade(accents[1], 0.7))
    hills(c, rng, h * 0.72, [LIGHT_LEAF, LEAF], rows=True)


COMPOSITIONS = (hero, still_life, landscape)
#: The composition producer covers use, drawn wide.
LANDSCAPE = 2


def illustrate(kind: str, seed: str, variant: int = 0, size: tuple[int, int] = (1200, 1200)) -> Image.Image:
    """Return an RGB illustration of a product kind; `variant` picks the composition, `seed` the rest."""
    motif, accents = KIND_STYLE.get(kind, ("village", [GREEN, TERRACOTTA, GOLD]))
    rng = random.Random(f"{seed}:{variant}")
    if rng.random() < 0.5:
        accents = [accents[1], accents[0], accents[2]]
    c = Canvas(size, rng.choice(TINTS))
    background(c, rng, accents[0])
    COMPOSITIONS[variant % len(COMPOSITIONS)](c, rng, motif, accents)
    return _label(c.image.reduce(SUPERSAMPLE))


def _label(image: Image.Image) -> Image.Image:
    """Put the "Ảnh minh hoạ" pill bottom right, inside the middle 4:3 band (cards may crop a square to 4:3)."""
    draw = ImageDraw.Draw(image, "RGBA")
    size = max(14, round(max(min(image.size) * 0.04, image.width * 0.028)))
    font = ImageFont.truetype(str(FONT_PATH), size)
    left, top, right, bottom = draw.textbbox((0, 0), LABEL, font=font)
    pad, margin = size * 0.45, size * 0.6
    x1, y1 = image.width - margin, image.height - margin - max(0, (image.height - image.width * 3 / 4) / 2)
    x0, y0 = x1 - (right - left) - 2 * pad, y1 - (bottom - top) - 2 * pad
    draw.rounded_rectangle([x0, y0, x1, y1], radius=size * 0.5, fill=(255, 255, 255, 215))
    draw.text((x0 + pad - left, y0 + pad - top), LABEL, font=font, fill=DARK_GREEN)
    return image
