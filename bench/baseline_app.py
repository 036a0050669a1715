"""The baseline: a bare Flask route returning short text, served like the shop.

`/page` returns a fixed page the size of an origin page (no template, no database): measured
against `/` it shows how much of a page's cost is only the bytes on the wire and in wrk.
"""
from flask import Flask

app = Flask(__name__)

#: About 7 KB of UTF-8 HTML, like an origin page of the bench dataset.
PAGE = ("<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>Nguồn gốc</title></head><body>"
        + "<p>Chè Tân Cương đặc biệt · HTX Chè Hảo Đạt · Xã Tân Cương, Thái Nguyên · Lô L2026-01</p>" * 60
        + "</body></html>")


@app.route("/")
def index():
    return "xin chào"


@app.route("/page")
def page():
    return PAGE
