"""Demo artwork: flat illustrations of each kind of product (and producer covers), drawn with Pillow.

Each kind has a motif (tea sprig and cup, noodle bundle, honey jar, rice sack, village…) in the
brand palette; a string seed varies background, pattern, colours and layout, so a catalogue page
is not a colour chart. No product name or label is drawn: the pages say "Ảnh minh hoạ" over drawn
artwork in their own language (templates/catalog/_images.html).
"""

import math
import random

from PIL import Image

from storefront.demo.drawing import (
    BROWN,
    CREAM,
    DARK_GREEN,
    GOLD,
    GREEN,
    HONEY,
    KIND_STYLE,
    LEAF,
    LIGHT_LEAF,
    RED,
    SUPERSAMPLE,
    TERRACOTTA,
    TINTS,
    WHITE,
    YELLOW,
    Canvas,
    background,
    bamboo_shoot,
    bottle,
    bundle,
    cup,
    hills,
    jar,
    mushroom,
    pouch,
    sack,
    shade,
    stilt_house,
    table,
    tea_sprig,
)


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
    return c.image.reduce(SUPERSAMPLE)
