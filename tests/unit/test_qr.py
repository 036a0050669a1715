"""Unit tests for QR matrix, PNG and SVG rendering, checked with the zxing-cpp decoder."""

import collections
import io
import random
import re
import string
import xml.etree.ElementTree as ET

import pytest
import qrcode
import zxingcpp
from PIL import Image
from qrcode import util

from traceability.stamps.qr import (
    ERROR_CORRECTION,
    QUIET_ZONE,
    _layout,
    _penalty,
    dark_runs,
    qr_matrix,
    qr_png,
    qr_svg,
)

URLS = [
    "https://ocop.example.vn/01/08934567890120/10/L2026-01/21/ABCDEFGHJK",
    "https://ocop.example.vn/01/08934567890120/10/A%2FB%25C/21/x(1)?17=271231",
    "https://ocop.example.vn/t/7KMZQBQBSP",
]
SVG_NS = "{http://www.w3.org/2000/svg}"


def decode(image):
    return [result.text for result in zxingcpp.read_barcodes(image)]


def test_matrix_is_square_and_sized_for_a_qr_version():
    matrix = qr_matrix(URLS[0])
    size = len(matrix)
    assert all(len(row) == size for row in matrix)
    assert (size - 17) % 4 == 0
    assert all(isinstance(m, bool) for row in matrix for m in row)


def test_stamp_url_fits_version_4_at_level_m():
    # The choice of level M in qr.py rests on this: 33 modules fit a ~20 mm stamp.
    assert len(qr_matrix(URLS[0])) == 33


def test_matrix_has_finder_pattern_in_the_top_left_corner():
    matrix = qr_matrix(URLS[0])
    assert matrix[0][:7] == [True] * 7
    assert matrix[1][:7] == [True] + [False] * 5 + [True]
    assert matrix[3][2:5] == [True, True, True]
    assert matrix[7][7] is False  # separator


@pytest.mark.parametrize("url", URLS)
def test_png_decodes_to_the_exact_url(url):
    image = Image.open(io.BytesIO(qr_png(url)))
    assert image.format == "PNG"
    assert decode(image) == [url]


def test_png_has_quiet_zone_and_box_size():
    url = URLS[0]
    size = len(qr_matrix(url))
    image = Image.open(io.BytesIO(qr_png(url, box_size=3, border=4))).convert("L")
    assert image.size == ((size + 8) * 3, (size + 8) * 3)
    quiet = image.crop((0, 0, image.width, 4 * 3))
    assert quiet.getextrema() == (255, 255)
    assert image.getpixel((4 * 3, 4 * 3)) == 0  # first finder module is dark


@pytest.mark.parametrize("mask", range(8))
def test_every_fixed_mask_still_decodes(mask):
    url = URLS[0]
    image = Image.open(io.BytesIO(qr_png(url, box_size=2, mask_pattern=mask)))
    assert decode(image) == [url]


@pytest.mark.parametrize("kwargs", [{"box_size": 0}, {"border": -1}])
def test_png_rejects_bad_sizes(kwargs):
    with pytest.raises(ValueError):
        qr_png(URLS[0], **kwargs)


@pytest.mark.parametrize(
    ("row", "runs"),
    [
        ([], []),
        ([False, False], []),
        ([True, True, False, True], [(0, 2), (3, 1)]),
        ([False, True, True, True], [(1, 3)]),
    ],
)
def test_dark_runs_merge_neighbouring_modules(row, runs):
    assert dark_runs(row) == runs


def test_svg_is_one_path_with_one_subpath_per_run():
    url = URLS[0]
    matrix = qr_matrix(url)
    root = ET.fromstring(qr_svg(url))
    assert root.tag == f"{SVG_NS}svg"
    size = len(matrix) + 2 * QUIET_ZONE
    assert root.get("viewBox") == f"0 0 {size} {size}"
    paths = root.findall(f"{SVG_NS}path")
    assert len(paths) == 1
    subpaths = re.findall(r"M(\d+) (\d+)h(\d+)v1h-(\d+)z", paths[0].get("d"))
    assert len(subpaths) == sum(len(dark_runs(row)) for row in matrix)


def test_svg_draws_the_same_modules_as_the_matrix():
    url = URLS[1]
    matrix = qr_matrix(url)
    d = ET.fromstring(qr_svg(url)).find(f"{SVG_NS}path").get("d")
    drawn = [[False] * len(matrix) for _ in matrix]
    for x, y, w, _ in re.findall(r"M(\d+) (\d+)h(\d+)v1h-(\d+)z", d):
        for dx in range(int(w)):
            drawn[int(y) - QUIET_ZONE][int(x) - QUIET_ZONE + dx] = True
    assert drawn == matrix


# The fast encoder and mask search in qr.py must build exactly the symbol qrcode's own
# make(fit=True) builds: same version, same mask, same modules.

BASE = "https://ocop.example.vn"
LOT_CHARS = string.ascii_letters + string.digits + "-_.%"
CODE_CHARS = string.ascii_uppercase + string.digits


def qrcode_matrix(data, *, version=None, mask_pattern=None, error_correction=ERROR_CORRECTION):
    code = qrcode.QRCode(version=version, error_correction=error_correction, border=0, mask_pattern=mask_pattern)
    code.add_data(data)
    code.make(fit=True)
    return [[bool(m) for m in row] for row in code.modules]


def stamp_urls(count, seed):
    rng = random.Random(seed)
    urls = []
    for _ in range(count):
        if rng.random() < 0.5:
            code = "".join(rng.choices(CODE_CHARS, k=rng.randint(1, 100)))
            urls.append(f"{BASE}/t/{code}")
        else:
            lot = "".join(rng.choices(LOT_CHARS, k=rng.randint(1, 20)))
            serial = "".join(rng.choices(CODE_CHARS, k=rng.randint(1, 20)))
            urls.append(f"{BASE}/01/08934567890120/10/{lot}/21/{serial}")
    return urls


def test_matrices_equal_qrcode_make_for_2000_random_stamp_urls():
    urls = stamp_urls(2000, seed=18004)
    sizes = collections.Counter()
    for url in urls:
        expected = qrcode_matrix(url)
        assert qr_matrix(url) == expected, url
        sizes[len(expected)] += 1
    # Short /t/ codes and long Digital Links together span several versions.
    assert len(sizes) >= 4, sizes


@pytest.mark.parametrize("version", range(1, 41))
def test_every_version_places_modules_as_qrcode_does(version):
    # Lower-case text is one byte-mode segment: 4 mode bits, an 8-bit count (16 from
    # version 10) and 8 bits a character, filled to the version's last data codeword.
    count_bits = 8 if version < 10 else 16
    length = (util.BIT_LIMIT_TABLE[ERROR_CORRECTION][version] - 4 - count_bits) // 8
    data = ("ocop che tan cuong, thai nguyen; " * 100)[:length]
    mask = version % 8
    expected = qrcode_matrix(data, mask_pattern=mask)
    assert len(expected) == version * 4 + 17
    assert qr_matrix(data, mask_pattern=mask) == expected


@pytest.mark.parametrize(
    ("data", "version"),
    [("", None), ("8934567890120" * 50, 7), ("A" * 400, 9), ("é" * 300, 12), ("x", 27), ("x", 40)],
)
def test_chosen_mask_matches_qrcode_across_version_ranges(data, version):
    assert qr_matrix(data, version=version) == qrcode_matrix(data, version=version)


@pytest.mark.parametrize("dark_share", [0.1, 0.3, 0.5, 0.7, 0.9])
@pytest.mark.parametrize("version", [1, 4, 7])
def test_penalty_equals_qrcode_lost_point_on_random_matrices(version, dark_share):
    rng = random.Random(version * 100 + int(dark_share * 10))
    layout = _layout(version)
    size = layout.size
    for _ in range(40):
        # Runs of random length make long same-colour runs and finder-like patterns common.
        cells = []
        while len(cells) < size * size:
            cells += [rng.random() < dark_share] * rng.choice((1, 1, 1, 2, 3, 5))
        cells = cells[: size * size]
        modules = int("".join("1" if dark else "0" for dark in cells), 2)
        rows = [cells[i : i + size] for i in range(0, size * size, size)]
        assert _penalty(modules, layout) == util.lost_point(rows)


def test_penalty_counts_a_finder_like_pattern_in_a_row_and_a_column_alike():
    layout = _layout(1)
    size = layout.size
    rows = [[False] * size for _ in range(size)]
    rows[10][3:14] = [True, False, True, True, True, False, True, False, False, False, False]
    columns = [list(column) for column in zip(*rows)]
    scores = []
    for matrix in (rows, columns):
        modules = int("".join("1" if m else "0" for row in matrix for m in row), 2)
        scores.append(_penalty(modules, layout))
        assert scores[-1] == util.lost_point(matrix)
    assert scores[0] == scores[1]


def test_data_qrcode_cannot_encode_still_decodes():
    # qrcode 8.2 raises ValueError("glog(0)") when a Reed-Solomon block is all zero bytes,
    # as numeric "000…" makes; the table-driven encoder here has no such case.
    data = "0" * 700
    with pytest.raises(ValueError, match="glog"):
        qrcode_matrix(data)
    assert decode(Image.open(io.BytesIO(qr_png(data, box_size=2)))) == [data]


def test_random_stamp_urls_decode_with_zxing():
    for url in stamp_urls(40, seed=7):
        image = Image.open(io.BytesIO(qr_png(url, box_size=2)))
        assert decode(image) == [url]


@pytest.mark.parametrize("kwargs", [{"mask_pattern": 8}, {"version": 0}, {"version": 41}])
def test_bad_arguments_are_refused_like_qrcode(kwargs):
    with pytest.raises(ValueError):
        qr_matrix(URLS[0], **kwargs)


def test_data_too_long_for_version_40_overflows():
    with pytest.raises(qrcode.exceptions.DataOverflowError):
        qr_matrix("x" * 3000)
