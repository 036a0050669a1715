"""The upload pipeline: accepted types, size and pixel limits, EXIF orientation and stripping, derivatives."""

import io

import pytest
from PIL import Image

from storefront.catalog.images import (
    ImageRejected,
    delete_files,
    derivative_box,
    derivative_name,
    ensure_derivatives,
    process_upload,
    srcset_sizes,
    store_image,
)


def encode(fmt="JPEG", size=(640, 480), mode="RGB", colour=(200, 30, 30), **save_kw) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, colour).save(out, fmt, **save_kw)
    return out.getvalue()


def exif_with(orientation=None, gps=False) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"  # Make
    if orientation:
        exif[0x0112] = orientation
    if gps:
        exif[0x8825] = {1: "N", 2: (21.0, 35.0, 0.0)}
    return exif.tobytes()


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_accepted_formats_are_stored_with_thumb_and_large_in_webp_and_jpeg(tmp_path, fmt):
    mode = "RGBA" if fmt == "PNG" else "RGB"
    stored = process_upload(io.BytesIO(encode(fmt, size=(2000, 1500), mode=mode)), tmp_path)
    assert (stored.width, stored.height) == (2000, 1500)
    assert (tmp_path / stored.filename).is_file()
    for size, width in (("thumb", 480), ("large", 1200)):
        for ext, pil_format in (("webp", "WEBP"), ("jpg", "JPEG")):
            with Image.open(tmp_path / derivative_name(stored.filename, size, ext)) as image:
                assert image.format == pil_format
                assert image.size == (width, width * 3 // 4)


def test_filenames_are_random(tmp_path):
    data = encode()
    first = process_upload(io.BytesIO(data), tmp_path).filename
    second = process_upload(io.BytesIO(data), tmp_path).filename
    assert first != second and len(first) >= 20


def test_small_images_are_not_upscaled(tmp_path):
    stored = process_upload(io.BytesIO(encode(size=(300, 200))), tmp_path)
    with Image.open(tmp_path / derivative_name(stored.filename, "large", "jpg")) as image:
        assert image.size == (300, 200)


def test_exif_orientation_is_applied_and_metadata_stripped(tmp_path):
    # Orientation 6: the camera was turned; the stored pixels are landscape, shown portrait.
    data = encode(size=(400, 200), exif=exif_with(orientation=6, gps=True))
    stored = process_upload(io.BytesIO(data), tmp_path)
    assert (stored.width, stored.height) == (200, 400)
    for name in (
        stored.filename,
        derivative_name(stored.filename, "thumb", "jpg"),
        derivative_name(stored.filename, "large", "webp"),
    ):
        with Image.open(tmp_path / name) as image:
            assert not image.getexif()
            assert "exif" not in image.info and "icc_profile" not in image.info
            assert image.size[0] < image.size[1]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (encode("GIF", mode="P"), "not a JPEG"),
        (encode("BMP"), "not a JPEG"),
        (encode("TIFF"), "not a JPEG"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "not a readable image"),
        (b"%PDF-1.4 hello", "not a readable image"),
        (b"", "empty"),
        (encode()[:200], "not a readable image"),  # truncated JPEG
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "not a readable image"),  # PNG header, garbage body
    ],
)
def test_wrong_types_and_corrupt_files_are_rejected(tmp_path, data, reason):
    with pytest.raises(ImageRejected, match=reason):
        process_upload(io.BytesIO(data), tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_oversize_upload_is_rejected_before_decoding(tmp_path):
    with pytest.raises(ImageRejected, match="too large"):
        process_upload(io.BytesIO(encode(size=(2000, 2000))), tmp_path, max_bytes=10_000)


def test_too_many_pixels_is_rejected(tmp_path):
    with pytest.raises(ImageRejected, match="too many pixels"):
        process_upload(io.BytesIO(encode("PNG", size=(3000, 3000))), tmp_path, max_pixels=1_000_000)


def test_decompression_bomb_is_rejected(tmp_path):
    # A tiny PNG that claims 30000×30000 pixels (900 MP): Pillow's own bomb check refuses it.
    bomb = encode("PNG", size=(30000, 30000), mode="1", colour=0)
    assert len(bomb) < 5_000_000
    with pytest.raises(ImageRejected, match="too many pixels"):
        process_upload(io.BytesIO(bomb), tmp_path, max_pixels=10**10)


def test_ensure_derivatives_builds_missing_sizes_for_seeded_files(tmp_path):
    (tmp_path / "che-tan-cuong.jpg").write_bytes(encode(size=(800, 600)))
    assert ensure_derivatives(tmp_path, "che-tan-cuong.jpg")
    assert (tmp_path / "che-tan-cuong.thumb.webp").is_file()
    assert (tmp_path / "che-tan-cuong.large.jpg").is_file()


@pytest.mark.parametrize("name", ["missing.jpg", "../etc/passwd", "a/b.jpg", ".hidden.jpg", "x.gif", ""])
def test_ensure_derivatives_refuses_missing_or_unsafe_names(tmp_path, name):
    assert ensure_derivatives(tmp_path, name) is False


@pytest.mark.parametrize(
    ("width", "expected"),
    [
        (2000, [("tiny", 160), ("small", 320), ("thumb", 480), ("medium", 800), ("large", 1200)]),
        (1200, [("tiny", 160), ("small", 320), ("thumb", 480), ("medium", 800), ("large", 1200)]),
        (1000, [("tiny", 160), ("small", 320), ("thumb", 480), ("medium", 800), ("large", 1000)]),
        (500, [("tiny", 160), ("small", 320), ("thumb", 480), ("medium", 500)]),
        (480, [("tiny", 160), ("small", 320), ("thumb", 480)]),
        (100, [("tiny", 100)]),
    ],
)
def test_srcset_lists_each_distinct_derivative_at_its_real_width_never_wider_than_the_source(width, expected):
    assert list(srcset_sizes(width)) == expected


def test_every_srcset_width_is_the_width_of_the_file_the_pipeline_wrote(tmp_path):
    stored = process_upload(io.BytesIO(encode(size=(700, 350))), tmp_path)
    for size, width in srcset_sizes(stored.width):
        for ext in ("webp", "jpg"):
            with Image.open(tmp_path / derivative_name(stored.filename, size, ext)) as image:
                assert image.size == (width, width // 2) == derivative_box(700, 350, size)
    # Sizes wider than the source hold the source's pixels, not an upscaled copy.
    with Image.open(tmp_path / derivative_name(stored.filename, "large", "webp")) as image:
        assert image.size == (700, 350)


def test_store_image_refuses_names_that_are_not_plain_jpg_names(tmp_path):
    for name in ("../x.jpg", "x.png", "a/b.jpg"):
        with pytest.raises(ValueError):
            store_image(Image.new("RGB", (10, 10)), tmp_path, filename=name)


def test_delete_files_removes_the_original_and_every_derivative(tmp_path):
    stored = process_upload(io.BytesIO(encode(size=(300, 200))), tmp_path)
    (tmp_path / "other.jpg").write_bytes(b"x")
    delete_files(tmp_path, stored.filename)
    assert [p.name for p in tmp_path.iterdir()] == ["other.jpg"]
