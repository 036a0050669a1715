"""Stamps: issuing them (serials, PINs), where their QR points, QR PNG/SVG and printable PDF sheets."""
