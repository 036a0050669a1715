"""Producer-side records that belong to no other feature."""
