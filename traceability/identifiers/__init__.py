"""Identifiers a stamp carries: GS1 Digital Link URIs, GTIN check digits, serials and short codes (pure, no Flask)."""
