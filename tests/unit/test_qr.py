"""Unit tests for QR matrix, PNG and SVG rendering, checked with the zxing-cpp decoder."""

import io
import re
import xml.etree.ElementTree as ET

import pytest
import zxingcpp
from PIL import Image

from traceability.qr import QUIET_ZONE, dark_runs, qr_matrix, qr_png, qr_svg

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
