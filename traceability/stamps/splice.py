"""Join whole PDFs into one, written to a file as it goes: a season's stamp sheet is never held whole.

reportlab keeps every page of a canvas in memory until it saves, so a 100,000-stamp sheet (2,800
pages) drawn on one canvas peaks at several hundred MB. The sheet is drawn instead in parts of
a few dozen pages, each a complete small PDF, and each part's pages are copied here into the
output with their objects renumbered (pypdf parses the part; its streams are copied still
compressed). Only the object offsets and the page numbers stay in memory until the end.
"""

from __future__ import annotations

import io
import re
from typing import BinaryIO

from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
)

#: A font subset's tag ("AAAAAA+DejaVuSans"): every part names its subsets alike, so each part's get their own.
_SUBSET_TAG = re.compile(r"^/[A-Z]{6}\+")
_CATALOG, _PAGES = 1, 2


def _tag(part: int) -> str:
    letters = []
    for _ in range(6):
        part, digit = divmod(part, 26)
        letters.append(chr(ord("A") + digit))
    return "".join(reversed(letters))


class PdfSplicer:
    """Write one PDF to `out` (a binary file) from parts appended in order; call close() once at the end."""

    def __init__(self, out: BinaryIO, *, title: str | None = None):
        self.out = out
        self.title = title
        self._position = 0
        # Index = object number; 1 (catalog) and 2 (page tree) are written last, by close().
        self._offsets: list[int | None] = [0, None, None]
        self._pages: list[int] = []
        self._parts = 0
        self._write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")

    @property
    def page_count(self) -> int:
        return len(self._pages)

    def append(self, pdf: bytes) -> None:
        """Copy every page of a whole PDF (and what its pages use) to the output."""
        reader = PdfReader(io.BytesIO(pdf))
        self._parts += 1
        tag = _tag(self._parts)
        numbers: dict[int, int] = {}
        pending: list[int] = []

        def remap(value):
            if isinstance(value, IndirectObject):
                number = numbers.get(value.idnum)
                if number is None:
                    number = numbers[value.idnum] = self._allocate()
                    pending.append(value.idnum)
                return IndirectObject(number, 0, None)
            if isinstance(value, DictionaryObject):  # streams too: their dictionary, data kept as is
                for key, item in list(value.items()):
                    if key in ("/BaseFont", "/FontName") and isinstance(item, str) and _SUBSET_TAG.match(item):
                        item = NameObject(f"/{tag}+{item[8:]}")
                    dict.__setitem__(value, key, remap(item))
            elif isinstance(value, ArrayObject):
                for i, item in enumerate(value):
                    list.__setitem__(value, i, remap(item))
            return value

        for page in reader.pages:
            number = self._allocate()
            self._pages.append(number)
            page = DictionaryObject({key: value for key, value in page.items() if key != "/Parent"})
            page = remap(page)
            dict.__setitem__(page, NameObject("/Parent"), IndirectObject(_PAGES, 0, None))
            self._write_object(number, page)
            while pending:
                old = pending.pop()
                self._write_object(numbers[old], remap(reader.get_object(old)))

    def close(self) -> None:
        """Write the page tree, catalogue, document information and cross-reference table."""
        if not self._pages:
            raise ValueError("no pages")
        kids = " ".join(f"{n} 0 R" for n in self._pages)
        self._write_raw(_PAGES, f"<< /Type /Pages /Count {len(self._pages)} /Kids [ {kids} ] >>".encode())
        self._write_raw(_CATALOG, f"<< /Type /Catalog /Pages {_PAGES} 0 R >>".encode())
        info = None
        if self.title:
            info = self._allocate()
            title = self.title.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            self._write_raw(info, f"<< /Title ({title}) /Producer (OCOP Market) >>".encode("latin-1"))
        xref = self._position
        lines = [f"xref\n0 {len(self._offsets)}\n", "0000000000 65535 f \n"]
        lines += [f"{offset:010d} 00000 n \n" for offset in self._offsets[1:]]
        trailer = f"trailer\n<< /Size {len(self._offsets)} /Root {_CATALOG} 0 R"
        trailer += f" /Info {info} 0 R" if info else ""
        lines.append(trailer + f" >>\nstartxref\n{xref}\n%%EOF\n")
        self._write("".join(lines).encode("ascii"))

    def _allocate(self) -> int:
        self._offsets.append(None)
        return len(self._offsets) - 1

    def _write_object(self, number: int, value) -> None:
        body = io.BytesIO()
        value.write_to_stream(body)
        self._write_raw(number, body.getvalue())

    def _write_raw(self, number: int, body: bytes) -> None:
        self._offsets[number] = self._position
        self._write(b"%d 0 obj\n%s\nendobj\n" % (number, body))

    def _write(self, data: bytes) -> None:
        self.out.write(data)
        self._position += len(data)
