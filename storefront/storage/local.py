"""The local-folder backend: today's instance/uploads and instance/stamps, written atomically."""

import os
import shutil
import tempfile
from pathlib import Path

from flask import abort, send_from_directory

from storefront.storage import Storage, check_name


def local_folder(config, area: str) -> Path:
    uploads = Path(config.get("UPLOAD_DIR") or "instance/uploads")
    if area == "media":
        return uploads
    if area == "documents":
        return uploads / "decisions"
    return Path(config.get("STAMP_DIR") or "instance/stamps")


class LocalStorage(Storage):
    def __init__(self, area: str, folder, *, public: bool):
        super().__init__(area, public=public)
        self.folder = Path(folder)

    def path(self, name: str) -> Path:
        return self.folder / check_name(name)

    def put(self, name: str, data: bytes) -> None:
        self._put(name, lambda out: out.write(data))

    def put_file(self, name: str, path) -> None:
        with open(path, "rb") as source:
            self._put(name, lambda out: shutil.copyfileobj(source, out, 1 << 20))

    def _put(self, name: str, write) -> None:
        target = self.path(name)
        self.folder.mkdir(parents=True, exist_ok=True)
        # A temporary file renamed into place: a reader never sees half a file.
        handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".part-")
        try:
            with os.fdopen(handle, "wb") as out:
                write(out)
            if not self.public:
                os.chmod(temporary, 0o600)
            else:
                os.chmod(temporary, 0o644)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def get(self, name: str) -> bytes | None:
        try:
            return self.path(name).read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None

    def exists(self, name: str) -> bool:
        return self.path(name).is_file()

    def delete(self, name: str) -> None:
        self.path(name).unlink(missing_ok=True)

    def send(self, name: str, *, max_age: int, download_name: str | None = None):
        if not self.exists(name):
            abort(404)
        return send_from_directory(
            self.folder,
            check_name(name),
            max_age=max_age,
            as_attachment=download_name is not None,
            download_name=download_name,
        )
