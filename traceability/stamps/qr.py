"""Render QR Code symbols (ISO/IEC 18004) as a module matrix, PNG or SVG bytes.

qrcode (the library) segments the data and supplies the standard's tables and function
patterns; the bit stream, Reed-Solomon codewords, module placement and the mask penalty
search (§7.8.3) are done here with whole-symbol Python ints, one bit per module, because
qrcode's pure-Python versions of them cost ~5 ms a symbol and a batch prints 10,000. The
result is the symbol qrcode's own ``make(fit=True)`` builds, module for module
(tests/unit/test_qr.py checks thousands of URLs and every version).
"""

from __future__ import annotations

import bisect
import functools
import io
import operator
from typing import NamedTuple

import qrcode
from PIL import Image
from qrcode import base, exceptions, util

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


def qr_matrix(data: str, *, version: int | None = None, mask_pattern: int | None = None) -> list[list[bool]]:
    """Return the symbol's modules (True = dark) row by row, without the quiet zone.

    ``version`` fixes the smallest version tried (a larger one is used if the data needs
    it); ``mask_pattern`` (0–7) skips the penalty search of ISO/IEC 18004 §7.8.3. Every
    mask decodes; the search only picks the symbol with the fewest long runs, blocks and
    finder-like patterns, so leave it None unless measured.
    """
    size, modules = _symbol(data, version, mask_pattern)
    bits = format(modules, f"0{size * size}b")
    return [[bit == "1" for bit in bits[i : i + size]] for i in range(0, len(bits), size)]


def qr_png(data: str, *, box_size: int = 8, border: int = QUIET_ZONE, mask_pattern: int | None = None) -> bytes:
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


# A symbol is held as one int with one bit per module: module (row, col) is bit
# size² - 1 - (row * size + col). So the top-left module is the most significant bit,
# format(modules, f"0{size * size}b") spells the rows in order, and shifting right by 1
# (or by size) brings every module's left (or upper) neighbour onto it.


class _Layout(NamedTuple):
    size: int
    functions: int  # dark function-pattern modules; format and version areas left light
    gather: operator.itemgetter  # codeword bits + "0" → every module's bit, in row order
    masks: tuple[int, ...]  # per mask pattern, the data modules it darkens
    after_1: tuple[int, int]  # modules with 1 module before them in their row, column
    after_10: tuple[int, int]  # modules with 10 before them: where an 11-module pattern ends


def _symbol(data: str, version: int | None, mask_pattern: int | None) -> tuple[int, int]:
    # qrcode checks the arguments and splits the data into numeric, alphanumeric and byte
    # segments exactly as its own make() would.
    code = qrcode.QRCode(version=version, error_correction=ERROR_CORRECTION, border=0, mask_pattern=mask_pattern)
    code.add_data(data)
    version, stream = _fit(code.data_list, 1 if version is None else version, ERROR_CORRECTION)
    layout = _layout(version)
    codewords = _codewords(stream, version, ERROR_CORRECTION)
    bits = format(int.from_bytes(codewords, "big"), f"0{8 * len(codewords)}b") + "0"
    unmasked = int("".join(layout.gather(bits)), 2) | layout.functions
    if mask_pattern is None:
        # ISO/IEC 18004 §7.8.3: the mask with the lowest penalty; on a tie the lowest
        # number, as qrcode's best_mask_pattern keeps the first minimum.
        scores = [_penalty(unmasked ^ mask, layout) for mask in layout.masks]
        mask_pattern = scores.index(min(scores))
    masked = unmasked ^ layout.masks[mask_pattern]
    return layout.size, masked | _format_modules(version, ERROR_CORRECTION, mask_pattern)


def _penalty(modules: int, layout: _Layout) -> int:
    """Return qrcode's util.lost_point of the symbol, computed on whole-symbol ints.

    qrcode, like most encoders, scores each mask with the format and version areas and the
    dark module left light, and looks for finder-like patterns only inside the symbol (not
    running into the quiet zone): ISO/IEC 18004 §7.8.3 scores the finished symbol. We follow
    qrcode so that our symbols are the ones it would make.
    """
    size = layout.size
    light = ~modules
    score = 0
    same = []
    for step, after_1, after_10 in zip((1, size), layout.after_1, layout.after_10):
        # N1: a run of L ≥ 5 same-colour modules in a row or column costs 3 + (L - 5). The
        # run ends L - 4 windows of five equal modules and starts one: (L - 4) + 2 = L - 2.
        equal = ~(modules ^ (modules >> step)) & after_1  # same colour as the one before
        five = equal & (equal >> step) & (equal >> 2 * step) & (equal >> 3 * step)
        score += five.bit_count() + 2 * (five & ~(five >> step)).bit_count()
        same.append(equal)
        # N3: 40 for each 1:1:3:1:1 dark-light pattern with four light modules on either
        # side: 0000 1011101 or 1011101 0000 (the core reads the same both ways).
        core = (
            modules
            & (light >> step)
            & (modules >> 2 * step)
            & (modules >> 3 * step)
            & (modules >> 4 * step)
            & (light >> 5 * step)
            & (modules >> 6 * step)
        )
        four_light = light & (light >> step) & (light >> 2 * step) & (light >> 3 * step)
        finders = (core & (four_light >> 7 * step)) | ((core >> 4 * step) & four_light)
        score += 40 * (finders & after_10).bit_count()
    # N2: 3 for each 2 × 2 block of one colour, overlapping blocks counted separately.
    in_row, in_column = same
    score += 3 * (in_row & in_column & (in_column >> 1)).bit_count()
    # N4: 10 for every whole 5% the dark share departs from 50%, in qrcode's float steps.
    percent = float(modules.bit_count()) / (size**2)
    return score + int(abs(percent * 100 - 50) / 5) * 10


@functools.cache
def _layout(version: int) -> _Layout:
    size = version * 4 + 17
    grid = _function_patterns(version)
    order = _placement_order(grid)
    bit_count = 8 * sum(block.total_count for block in base.rs_blocks(version, ERROR_CORRECTION))
    # Modules past the last codeword (remainder bits) and function modules read the "0".
    source = [bit_count] * (size * size)
    for bit, index in enumerate(order[:bit_count]):
        source[index] = bit
    masks = []
    for pattern in range(8):
        is_dark = util.mask_func(pattern)
        masks.append(_bits(size, (i for i in order if is_dark(*divmod(i, size)))))
    dark = (r * size + c for r, row in enumerate(grid) for c, module in enumerate(row) if module)
    cells = [divmod(i, size) for i in range(size * size)]
    return _Layout(
        size=size,
        functions=_bits(size, dark),
        gather=operator.itemgetter(*source),
        masks=tuple(masks),
        after_1=tuple(_bits(size, (i for i, rc in enumerate(cells) if rc[a] >= 1)) for a in (1, 0)),
        after_10=tuple(_bits(size, (i for i, rc in enumerate(cells) if rc[a] >= 10)) for a in (1, 0)),
    )


def _bits(size: int, indices) -> int:
    """Return the symbol int with the modules at these row-major indices dark."""
    digits = bytearray(b"0" * (size * size))
    for index in indices:
        digits[index] = ord("1")
    return int(digits, 2)


def _function_patterns(version: int) -> list[list[bool | None]]:
    """Return qrcode's function patterns for the version; None marks the data modules."""
    code = qrcode.QRCode(version=version, error_correction=ERROR_CORRECTION, border=0)
    size = code.modules_count = version * 4 + 17
    code.modules = [[None] * size for _ in range(size)]
    for row, col in ((0, 0), (size - 7, 0), (0, size - 7)):
        code.setup_position_probe_pattern(row, col)
    code.setup_position_adjust_pattern()
    code.setup_timing_pattern()
    # test=True reserves the format and version areas and the dark module, all light.
    code.setup_type_info(True, 0)
    if version >= 7:
        code.setup_type_number(True)
    return code.modules


def _placement_order(grid: list[list[bool | None]]) -> list[int]:
    """Return the data modules' indices in the order codeword bits fill them (§7.7.3).

    As qrcode's QRCode.map_data: two-module-wide columns from the right, up then down, the
    right module before the left, the vertical timing pattern's column skipped.
    """
    size = len(grid)
    order = []
    rows = range(size - 1, -1, -1)
    for right in range(size - 1, 0, -2):
        if right <= 6:
            right -= 1
        for row in rows:
            order.extend(row * size + c for c in (right, right - 1) if grid[row][c] is None)
        rows = rows[::-1]
    return order


@functools.cache
def _format_modules(version: int, error_correction: int, mask_pattern: int) -> int:
    """Return the dark modules of the format information, version information and the
    dark module, placed by qrcode."""
    code = qrcode.QRCode(version=version, error_correction=error_correction, border=0)
    size = code.modules_count = version * 4 + 17
    code.modules = [[False] * size for _ in range(size)]
    code.setup_type_info(False, mask_pattern)
    if version >= 7:
        code.setup_type_number(False)
    dark = (r * size + c for r, row in enumerate(code.modules) for c, m in enumerate(row) if m)
    return _bits(size, dark)


class _BitStream:
    """The part of qrcode's BitBuffer that QRData.write uses, kept as one int."""

    __slots__ = ("length", "value")

    def __init__(self) -> None:
        self.value = 0
        self.length = 0

    def put(self, num: int, length: int) -> None:
        self.value = (self.value << length) | (num & ((1 << length) - 1))
        self.length += length


def _fit(chunks: list[util.QRData], start: int, error_correction: int) -> tuple[int, _BitStream]:
    """Return the smallest version from start that holds the segments, and their bits.

    As qrcode's QRCode.best_fit: try the character-count sizes of start's version range,
    and again from the version found if that is in a range with other sizes.
    """
    util.check_version(start)
    while True:
        sizes = util.mode_sizes_for_version(start)
        stream = _BitStream()
        for chunk in chunks:
            stream.put(chunk.mode, 4)
            stream.put(len(chunk), sizes[chunk.mode])
            chunk.write(stream)
        version = bisect.bisect_left(util.BIT_LIMIT_TABLE[error_correction], stream.length, start)
        if version == 41:
            raise exceptions.DataOverflowError()
        if util.mode_sizes_for_version(version) is sizes:
            return version, stream
        start = version


def _codewords(stream: _BitStream, version: int, error_correction: int) -> bytes:
    """Return the final codeword sequence, as qrcode's util.create_data (§7.4.9–§7.6)."""
    blocks = base.rs_blocks(version, error_correction)
    capacity = sum(block.data_count for block in blocks)
    if stream.length > 8 * capacity:
        raise exceptions.DataOverflowError()
    # Up to four terminator 0 bits, then 0 bits to the byte boundary, then pad codewords.
    pad = min(8 * capacity - stream.length, 4)
    pad += -(stream.length + pad) % 8
    data = (stream.value << pad).to_bytes((stream.length + pad) // 8, "big")
    data += bytes((util.PAD0, util.PAD1)) * (capacity // 2 + 1)
    data_blocks, ec_blocks = [], []
    offset = 0
    for block in blocks:
        chunk = data[offset : offset + block.data_count]
        offset += block.data_count
        data_blocks.append(chunk)
        ec_blocks.append(_reed_solomon(chunk, block.total_count - block.data_count))
    return _interleave(data_blocks) + _interleave(ec_blocks)


def _interleave(blocks: list[bytes]) -> bytes:
    """Return the first byte of each block, then the second of each, and so on (§7.6)."""
    shortest = min(map(len, blocks))
    # Blocks of the second group, if any, are one codeword longer (Table 9).
    tail = bytes(block[shortest] for block in blocks if len(block) > shortest)
    return b"".join(map(bytes, zip(*blocks))) + tail


def _reed_solomon(data: bytes, ec_count: int) -> bytes:
    """Return the error correction codewords: data(x)·x^ec_count mod the generator."""
    products = _generator_products(ec_count)
    top = 8 * (ec_count - 1)
    keep = (1 << 8 * ec_count) - 1
    remainder = 0
    for byte in data:
        remainder = ((remainder << 8) & keep) ^ products[byte ^ (remainder >> top)]
    return remainder.to_bytes(ec_count, "big")


@functools.cache
def _generator_products(ec_count: int) -> tuple[int, ...]:
    """Return, for each byte f, f × the generator polynomial's lower coefficients as one int.

    The generator is (x - α⁰)(x - α¹)…(x - α^(ec_count-1)) over GF(256) with qrcode's tables.
    """
    generator = [1]  # highest power first
    for i in range(ec_count):
        root = base.EXP_TABLE[i]
        generator = [high ^ _gf_multiply(low, root) for high, low in zip([*generator, 0], [0, *generator])]
    return tuple(int.from_bytes(bytes(_gf_multiply(f, c) for c in generator[1:]), "big") for f in range(256))


def _gf_multiply(a: int, b: int) -> int:
    if a == 0 or b == 0:
        return 0
    return base.EXP_TABLE[(base.LOG_TABLE[a] + base.LOG_TABLE[b]) % 255]
