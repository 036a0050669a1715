"""Render QR Code symbols (ISO/IEC 18004) as a module matrix, PNG or SVG bytes."""

from __future__ import annotations

import io

import qrcode
from PIL import Image

__all__ = ["ERROR_CORRECTION", "QUIET_ZONE", "dark_runs", "qr_matrix", "qr_png", "qr_svg"]

# Level M (~15% of codewords recoverable) rather than Q (~25%): our stamps are ~20 mm wide,
# so module size, not damage, limits scanning. A typical stamp URL (~67 characters, its
# upper-case /01/…/10/…/21/… tail packed in alphanumeric mode, ISO/IEC 18004 §7.4.4) fits
# version 4 (33 × 33 modules) at M but needs version 5 (37 × 37) at Q: at M each module is
# ~0.44 mm instead of ~0.41 mm in 20 mm including the quiet zone, and thermal-printed
# stamps on a flat box are rarely damaged enough to need more than 15% recovery.
ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_M

#: ISO/IEC 18004 §6.3.8: the symbol needs a light margin of at least 4 modules on every side.
QUIET_ZONE = 4


def qr_matrix(
    data: str, *, version: int | None = None, mask_pattern: int | None = None
) -> list[list[bool]]:
    """Return the symbol's modules (True = dark) row by row, without the quiet zone.

    ``version`` fixes the smallest version tried (a larger one is used if the data needs
    it); ``mask_pattern`` (0–7) skips the penalty search of ISO/IEC 18004 §7.8.3, which is
    ~85% of qrcode's time. Every mask decodes; the search only picks the symbol with the
    fewest finder-like patterns and large blocks, so leave it None unless measured.
    """
    code = qrcode.QRCode(
        version=version,
        error_correction=ERROR_CORRECTION,
        border=0,
        mask_pattern=mask_pattern,
    )
    code.add_data(data)
    code.make(fit=True)
    return [[bool(m) for m in row] for row in code.modules]


def qr_png(
    data: str, *, box_size: int = 8, border: int = QUIET_ZONE, mask_pattern: int | None = None
) -> bytes:
    """Return a black-on-white 1-bit PNG with box_size pixels per module."""
    if box_size < 1:
        raise ValueError("box_size must be at least 1")
    if border < 0:
        raise ValueError("border must not be negative")
    matrix = qr_matrix(data, mask_pattern=mask_pattern)
    size = len(matrix) + 2 * border
    light_row = b"\xff" * size
    margin = b"\xff" * border
    rows = [light_row] * border
    rows += [margin + bytes(0 if dark else 255 for dark in row) + margin for row in matrix]
    rows += [light_row] * border
    image = Image.frombytes("L", (size, size), b"".join(rows))
    # Nearest-neighbour keeps every module a sharp square of box_size pixels.
    image = image.resize((size * box_size, size * box_size), Image.Resampling.NEAREST)
    out = io.BytesIO()
    image.convert("1", dither=Image.Dither.NONE).save(out, format="PNG", optimize=True)
    return out.getvalue()


def dark_runs(row: list[bool]) -> list[tuple[int, int]]:
    """Return (start, length) of each horizontal run of dark modules in a row."""
    runs = []
    start = None
    for x, dark in enumerate(row):
        if dark and start is None:
            start = x
        elif not dark and start is not None:
            runs.append((start, x - start))
            start = None
    if start is not None:
        runs.append((start, len(row) - start))
    return runs


def qr_svg(data: str, *, border: int = QUIET_ZONE, mask_pattern: int | None = None) -> bytes:
    """Return a scalable SVG drawing the symbol as one path, one subpath per dark run."""
    matrix = qr_matrix(data, mask_pattern=mask_pattern)
    size = len(matrix) + 2 * border
    commands = [
        f"M{x + border} {y + border}h{length}v1h-{length}z"
        for y, row in enumerate(matrix)
        for x, length in dark_runs(row)
    ]
    svg = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        'shape-rendering="crispEdges">'
        f'<rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(commands)}"/>'
        "</svg>\n"
    )
    return svg.encode("utf-8")
