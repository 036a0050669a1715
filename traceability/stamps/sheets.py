"""Lay out traceability stamps (QR, product name, lot, expiry, serial, OCOP stars) on PDF sheets."""

from __future__ import annotations

import functools
import io
import itertools
import math
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import BinaryIO, NamedTuple

from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from traceability.stamps.qr import QUIET_ZONE, dark_runs, qr_matrix

__all__ = ["FONT_DIR", "Label", "SheetLayout", "render_sheet", "sheet_layout", "write_sheet"]

FONT_DIR = Path(__file__).resolve().parents[2] / "static" / "fonts"
FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"

# Printed captions. Stamps are for the Vietnamese market, so they are fixed Vietnamese,
# not translated per user: "Lô" = lot, "HSD" (hạn sử dụng) = use by, "Sê-ri" = serial.
CAPTION_LOT = "Lô"
CAPTION_EXPIRY = "HSD"
CAPTION_SERIAL = "Sê-ri"
OCOP_MARK = "OCOP"
_TITLE = "OCOP traceability stamps"

_PAD = 1 * mm
_NAME_SIZE = 6.0
_TEXT_SIZE = 5.5
_LEADING = 1.18
_STAR_ROW = 2.6 * mm
_ELLIPSIS = "…"
# Two name lines, lot, expiry and serial lines, then the star row.
_TEXT_BLOCK_H = (2 * _NAME_SIZE + 3 * _TEXT_SIZE) * _LEADING + _STAR_ROW


@dataclass(frozen=True, slots=True)
class Label:
    """What one stamp shows; the caller decides whether stars may still be shown."""

    url: str
    product_name: str
    lot: str
    expiry: date | None = None
    serial: str | None = None
    stars: int | None = None


class SheetLayout(NamedTuple):
    """How many labels fit on one page."""

    rows: int
    cols: int

    @property
    def per_page(self) -> int:
        return self.rows * self.cols


def sheet_layout(
    *,
    page_size: tuple[float, float] = A4,
    label_w_mm: float = 30,
    label_h_mm: float = 40,
    margin_mm: float = 6,
    gap_mm: float = 2,
) -> SheetLayout:
    """Return the rows and columns of labels that fit inside the page margins.

    :raises ValueError: if not even one label fits.
    """
    if label_w_mm <= 0 or label_h_mm <= 0 or margin_mm < 0 or gap_mm < 0:
        raise ValueError("label sizes must be positive, margin and gap not negative")
    page_w_mm, page_h_mm = page_size[0] / mm, page_size[1] / mm
    # n labels need n * size + (n - 1) * gap; the epsilon absorbs float error on exact fits.
    cols = math.floor((page_w_mm - 2 * margin_mm + gap_mm) / (label_w_mm + gap_mm) + 1e-9)
    rows = math.floor((page_h_mm - 2 * margin_mm + gap_mm) / (label_h_mm + gap_mm) + 1e-9)
    if rows < 1 or cols < 1:
        raise ValueError(
            f"a {label_w_mm}×{label_h_mm} mm label does not fit a "
            f"{page_w_mm:.0f}×{page_h_mm:.0f} mm page with {margin_mm} mm margins"
        )
    return SheetLayout(rows=rows, cols=cols)


@functools.cache
def _register_fonts() -> None:
    # Page streams compressed only, not also ASCII85-armoured: a quarter smaller, and reportlab's
    # pure-Python base-85 encoder was a sixth of a sheet's drawing time (bench/stamp_season.py).
    rl_config.useA85 = 0
    # The PDF base-14 fonts have no Vietnamese letters (ư, ơ, ạ…), so embed a Unicode TTF.
    pdfmetrics.registerFont(TTFont(FONT, FONT_DIR / "DejaVuSans.ttf"))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, FONT_DIR / "DejaVuSans-Bold.ttf"))


def _truncate(text: str, font: str, size: float, width: float) -> str:
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + _ELLIPSIS, font, size) > width:
        text = text[:-1]
    return text.rstrip() + _ELLIPSIS


def _wrap(text: str, font: str, size: float, width: float, max_lines: int) -> list[str]:
    lines: list[str] = []
    words = text.split()
    while words and len(lines) < max_lines:
        line = words.pop(0)
        while words and pdfmetrics.stringWidth(f"{line} {words[0]}", font, size) <= width:
            line = f"{line} {words.pop(0)}"
        lines.append(line)
    if words or (lines and pdfmetrics.stringWidth(lines[-1], font, size) > width):
        # Out of lines, or one word wider than the label: cut the last line visibly.
        lines[-1] = _truncate(" ".join([lines[-1], *words]), font, size, width)
    return [_truncate(line, font, size, width) for line in lines]


def _qr_literal(matrix: list[list[bool]], x: float, top: float, module: float) -> str:
    # One "re" per horizontal run, in module units under a y-flipped transform: integer
    # operands keep the content stream small and fast to write (10,000 stamps per batch).
    ops = [f"q 0 g {module:.4f} 0 0 {-module:.4f} {x:.3f} {top:.3f} cm"]
    for y, row in enumerate(matrix):
        ops.extend(f"{start} {y} {length} 1 re" for start, length in dark_runs(row))
    ops.append("f Q")
    return "\n".join(ops)


@functools.cache
def _star_ops(radius: float) -> str:
    # A five-pointed star around the origin as PDF path operators, built once: drawing it
    # with a translation beats a reportlab path object per star (4 per label, 10,000 labels).
    ops = []
    for i in range(10):
        r = radius if i % 2 == 0 else radius * 0.4
        angle = math.pi / 2 + i * math.pi / 5
        ops.append(f"{r * math.cos(angle):.4f} {r * math.sin(angle):.4f} {'m' if i == 0 else 'l'}")
    ops.append("h f*")
    return " ".join(ops)


@functools.lru_cache(maxsize=64)
def _name_lines(product_name: str, width: float) -> tuple[tuple[str, str, float], ...]:
    # The same for every label of an issue: wrapped once, not 100,000 times.
    name = unicodedata.normalize("NFC", product_name)
    return tuple((line, FONT_BOLD, _NAME_SIZE) for line in _wrap(name, FONT_BOLD, _NAME_SIZE, width, 2))


def _text_lines(label: Label, width: float) -> list[tuple[str, str, float]]:
    lines = list(_name_lines(label.product_name, width))
    details = [f"{CAPTION_LOT}: {label.lot}"]
    if label.expiry is not None:
        details.append(f"{CAPTION_EXPIRY}: {label.expiry:%d/%m/%Y}")
    if label.serial is not None:
        details.append(f"{CAPTION_SERIAL}: {label.serial}")
    lines += [(_truncate(unicodedata.normalize("NFC", d), FONT, _TEXT_SIZE, width), FONT, _TEXT_SIZE) for d in details]
    return lines


def _draw_label(canvas: Canvas, label: Label, x: float, y: float, w: float, h: float) -> None:
    inner_w = w - 2 * _PAD
    lines = _text_lines(label, inner_w)
    matrix = qr_matrix(label.url)
    # Room for the fullest label is always kept, so every QR on a sheet has the same size.
    side = min(inner_w, h - 2 * _PAD - _TEXT_BLOCK_H)
    if side <= 0:
        raise ValueError("label is too small for its text")
    # The quiet zone (ISO/IEC 18004 §6.3.8) is part of the drawn square, so text never
    # intrudes on it.
    module = side / (len(matrix) + 2 * QUIET_ZONE)
    qr_x = x + (w - side) / 2 + QUIET_ZONE * module
    qr_top = y + h - _PAD - QUIET_ZONE * module
    canvas.addLiteral(_qr_literal(matrix, qr_x, qr_top, module))

    baseline = y + h - _PAD - side
    for text, font, size in lines:
        baseline -= size * _LEADING
        canvas.setFont(font, size)
        canvas.drawCentredString(x + w / 2, baseline + size * 0.2, text)

    if label.stars is not None:
        _draw_stars(canvas, label.stars, x + w / 2, baseline - _STAR_ROW / 2)


def _draw_stars(canvas: Canvas, stars: int, cx: float, cy: float) -> None:
    radius = _STAR_ROW * 0.4
    mark_w = pdfmetrics.stringWidth(OCOP_MARK, FONT_BOLD, _NAME_SIZE)
    total_w = mark_w + 1 * mm + stars * radius * 2.1
    left = cx - total_w / 2
    canvas.setFont(FONT_BOLD, _NAME_SIZE)
    canvas.drawString(left, cy - _NAME_SIZE * 0.35, OCOP_MARK)
    step = radius * 2.1
    first_x = left + mark_w + 1 * mm + radius
    # Move the origin one step right, draw the star there, repeat.
    ops = [f"q 0 g 1 0 0 1 {first_x - step:.3f} {cy:.3f} cm"]
    ops += [f"1 0 0 1 {step:.3f} 0 cm {_star_ops(radius)}"] * stars
    ops.append("Q")
    canvas.addLiteral("\n".join(ops))


#: Pages drawn on one reportlab canvas before they are written out (write_sheet): about 1 MB of PDF.
PAGES_PER_PART = 50


def render_sheet(labels: Iterable[Label], **layout) -> bytes:
    """Return a PDF of the labels in a grid, row by row, on as many pages as needed (see write_sheet).

    :raises ValueError: if there are no labels or a label does not fit the page.
    """
    out = io.BytesIO()
    write_sheet(labels, out, **layout)
    return out.getvalue()


def write_sheet(
    labels: Iterable[Label],
    out: BinaryIO,
    *,
    page_size: tuple[float, float] = A4,
    label_w_mm: float = 30,
    label_h_mm: float = 40,
    margin_mm: float = 6,
    gap_mm: float = 2,
    pages_per_part: int | None = None,
) -> int:
    """Write a PDF of the labels to `out` as they come, holding at most one part's pages; return the page count.

    A sheet of up to `pages_per_part` pages is reportlab's own file; a longer one is drawn part by
    part and joined page by page (traceability.stamps.splice), so memory does not grow with it.

    :raises ValueError: if there are no labels or a label does not fit the page.
    """
    layout = sheet_layout(
        page_size=page_size,
        label_w_mm=label_w_mm,
        label_h_mm=label_h_mm,
        margin_mm=margin_mm,
        gap_mm=gap_mm,
    )
    _register_fonts()
    draw = functools.partial(_draw_part, layout=layout, page_size=page_size, size=(label_w_mm, label_h_mm, gap_mm))
    per_part = layout.per_page * (pages_per_part or PAGES_PER_PART)
    parts = _batched(labels, per_part)
    first = next(parts, None)
    if first is None:
        raise ValueError("no labels to print")
    second = next(parts, None)
    if second is None:  # one part: reportlab's file as it is
        out.write(draw(first))
        return -(-len(first) // layout.per_page)
    from traceability.stamps.splice import PdfSplicer

    splicer = PdfSplicer(out, title=_TITLE)
    for part in itertools.chain((first, second), parts):
        splicer.append(draw(part))
    splicer.close()
    return splicer.page_count


def _batched(items: Iterable[Label], size: int) -> Iterator[list[Label]]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def _draw_part(
    labels: list[Label], *, layout: SheetLayout, page_size: tuple[float, float], size: tuple[float, float, float]
) -> bytes:
    w, h, gap = (value * mm for value in size)
    # Centre the grid so the leftover space is shared by both margins, which keeps cutting
    # guides symmetric.
    grid_w = layout.cols * w + (layout.cols - 1) * gap
    grid_h = layout.rows * h + (layout.rows - 1) * gap
    left = (page_size[0] - grid_w) / 2
    top = (page_size[1] + grid_h) / 2

    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=page_size, pageCompression=1)
    canvas.setTitle(_TITLE)
    for count, label in enumerate(labels):
        slot = count % layout.per_page
        if slot == 0 and count:
            canvas.showPage()
        row, col = divmod(slot, layout.cols)
        x = left + col * (w + gap)
        y = top - row * (h + gap) - h
        _draw_label(canvas, label, x, y, w, h)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
