"""Inventory: stock and reservations; services only (no pages, no commands: checkout owns order expiry)."""
