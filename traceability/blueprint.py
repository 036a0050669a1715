"""The traceability blueprint. Its route and command modules register on it; traceability/__init__.py imports them.

Kept out of the package's __init__ so that a route module importing bp does not import every other
route module with it (the layers in .importlinter).
"""

from flask import Blueprint

bp = Blueprint("traceability", "traceability", cli_group="traceability")
