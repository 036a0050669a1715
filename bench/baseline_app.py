"""The baseline: a bare Flask route returning short text, served like the shop."""
from flask import Flask

app = Flask(__name__)


@app.route("/")
def index():
    return "xin chào"
