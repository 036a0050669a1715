"""Time QR and stamp-sheet rendering for a 10,000-stamp batch (a probe, not a test)."""

import argparse
import functools
import sys
import time
from datetime import date
from pathlib import Path

import qrcode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from traceability.identifiers.codes import new_serial
from traceability.identifiers.digital_link import DigitalLink
from traceability.stamps.qr import ERROR_CORRECTION, qr_matrix, qr_png
from traceability.stamps.sheets import Label, render_sheet, sheet_layout

BASE_URL = "https://ocop.example.vn"


def timed(name, func):
    """Run func once; print its wall and CPU seconds and return the CPU seconds.

    CPU time of this process is the figure to compare when other work shares the machine:
    wall time then grows with the load, CPU time hardly does.
    """
    start, start_cpu = time.perf_counter(), time.process_time()
    result = func()
    seconds, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    print(f"{name:<40} {seconds:8.2f} s wall {cpu:8.2f} s CPU", flush=True)
    return cpu, result


def raw_make(urls, mask_pattern=None):
    """Build every symbol with qrcode alone, as the baseline."""
    for url in urls:
        code = qrcode.QRCode(error_correction=ERROR_CORRECTION, mask_pattern=mask_pattern)
        code.add_data(url)
        code.make()


def main():
    """Render the batch three ways and print the timings."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=10_000, help="number of stamps")
    parser.add_argument("--fixed-mask", action="store_true", help="also time mask_pattern=0")
    args = parser.parse_args()

    # The GTIN in the brief's sample URL (…0128) fails the mod-10 check; …0120 passes.
    links = [DigitalLink("08934567890120", lot="L2026-01", serial=new_serial()) for _ in range(args.n)]
    urls = [link.uri(BASE_URL) for link in links]
    labels = [
        Label(
            url=url, product_name="Chè Tân Cương", lot=link.lot, expiry=date(2027, 12, 31), serial=link.serial, stars=4
        )
        for url, link in zip(urls, links)
    ]
    print(f"{args.n} URLs like {urls[0]} ({len(urls[0])} chars)")

    a, _ = timed("(a) qrcode make() alone", lambda: raw_make(urls))
    b, _ = timed("(b) qr_matrix", lambda: [qr_matrix(url) for url in urls])
    timed("(b2) qr_png(box_size=8)", lambda: [qr_png(url) for url in urls])
    c, pdf = timed("(c) render_sheet, all labels", lambda: render_sheet(labels))
    layout = sheet_layout()
    pages = -(-args.n // layout.per_page)
    print(f"    PDF: {len(pdf) / 1e6:.1f} MB, {pages} pages of {layout.per_page}")
    print(f"CPU: a/b = {a / b:.1f}x; c - b (drawing, no QR) = {c - b:.2f} s; c/a = {c / a:.2f}")
    if args.fixed_mask:
        f, _ = timed("(a') qrcode make(), mask_pattern=0", lambda: raw_make(urls, 0))
        print(f"mask search share of (a): {(a - f) / a:.0%}")
        fixed = functools.partial(qr_matrix, mask_pattern=0)
        timed("(b') qr_matrix, mask_pattern=0", lambda: [fixed(url) for url in urls])


if __name__ == "__main__":
    main()
