"""CSV downloads for the office, safe to open in a spreadsheet."""

import csv
import io

from flask import Response

from storefront.text import spreadsheet_cell


def csv_text(header: list[str], rows) -> str:
    """Return CSV text with a header row; formula-looking cells are neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([spreadsheet_cell(value) for value in row])
    return buffer.getvalue()


def csv_response(filename: str, header: list[str], rows) -> Response:
    """Return a CSV download with a UTF-8 BOM so spreadsheets read Vietnamese correctly."""
    return Response(
        "\ufeff" + csv_text(header, rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
