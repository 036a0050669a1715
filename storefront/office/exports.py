"""CSV downloads for the office, safe to open in a spreadsheet."""

import csv
import io

from flask import Response

#: Cells starting with these run as formulas in spreadsheets (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_text(header: list[str], rows) -> str:
    """Return CSV text with a header row; formula-looking cells are neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return buffer.getvalue()


def csv_response(filename: str, header: list[str], rows) -> Response:
    """Return a CSV download with a UTF-8 BOM so spreadsheets read Vietnamese correctly."""
    return Response(
        "\ufeff" + csv_text(header, rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
