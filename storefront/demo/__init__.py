"""The demo catalogue: `flask seed-demo` fills an empty database with real Thái Nguyên OCOP
products (data/demo), fictional producers marked "(hư cấu)", demo accounts and illustrations.

Data loading sits on the app floor: it may use every package's services, and none imports it.
"""

from flask import Blueprint

bp = Blueprint("demo", __name__, cli_group=None)

from storefront.demo import commands  # noqa: E402,F401
