"""The S3 backend (boto3): AWS S3, MinIO or any S3-compatible object storage via S3_ENDPOINT_URL."""

from urllib.parse import quote

from storefront.storage import PUBLIC_CACHE_CONTROL, Storage, StorageError, check_name, content_type


def client_for(config):
    import boto3
    from botocore.config import Config as BotoConfig

    options = {
        "region_name": config.get("S3_REGION") or "us-east-1",
        "config": BotoConfig(
            signature_version="s3v4",
            s3={"addressing_style": config.get("S3_ADDRESSING_STYLE") or "path"},
            retries={"max_attempts": 3, "mode": "standard"},
            connect_timeout=5,
            read_timeout=30,
        ),
    }
    if config.get("S3_ENDPOINT_URL"):
        options["endpoint_url"] = config["S3_ENDPOINT_URL"]
    if config.get("S3_ACCESS_KEY_ID"):  # else boto3's own chain (environment, instance role…)
        options["aws_access_key_id"] = config["S3_ACCESS_KEY_ID"]
        options["aws_secret_access_key"] = config.get("S3_SECRET_ACCESS_KEY", "")
    return boto3.client("s3", **options)


class S3Storage(Storage):
    def __init__(self, area: str, *, public: bool, config):
        super().__init__(area, public=public)
        self.bucket = config.get("S3_BUCKET") or ""
        if not self.bucket:
            raise ValueError("STORAGE_BACKEND=s3 needs S3_BUCKET")
        self.prefix = f"{config.get('S3_PREFIX') or ''}{area}/"
        self.client = client_for(config)
        self.presign_seconds = int(config.get("S3_PRESIGN_SECONDS") or 300)
        self.public_acl = config.get("S3_PUBLIC_ACL", "public-read")
        base = config.get("MEDIA_PUBLIC_URL") or ""
        if not base:
            endpoint = (
                config.get("S3_ENDPOINT_URL") or f"https://s3.{config.get('S3_REGION') or 'us-east-1'}.amazonaws.com"
            )
            base = f"{endpoint.rstrip('/')}/{self.bucket}/{config.get('S3_PREFIX') or ''}"
        #: Public media: MEDIA_PUBLIC_URL + "<area>/<name>" (a CDN in front of the bucket, or the bucket itself).
        self.public_base = base.rstrip("/") + "/" if base else ""

    def key(self, name: str) -> str:
        return self.prefix + check_name(name)

    def _extra(self, name: str) -> dict:
        extra = {"ContentType": content_type(name)}
        if self.public:
            extra["CacheControl"] = PUBLIC_CACHE_CONTROL
            if self.public_acl:
                extra["ACL"] = self.public_acl
        else:
            extra["CacheControl"] = "private, no-store"
        return extra

    def put(self, name: str, data: bytes) -> None:
        key = self.key(name)
        try:
            self.client.put_object(Bucket=self.bucket, Key=key, Body=data, **self._extra(name))
        except Exception as error:
            raise StorageError(f"could not store {self.area}/{name}: {error}") from error

    def put_file(self, name: str, path) -> None:
        # boto3's managed transfer: multipart in 8 MB pieces, never the whole file in memory.
        key = self.key(name)
        try:
            self.client.upload_file(str(path), self.bucket, key, ExtraArgs=self._extra(name))
        except Exception as error:
            raise StorageError(f"could not store {self.area}/{name}: {error}") from error

    def get(self, name: str) -> bytes | None:
        from botocore.exceptions import ClientError

        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.key(name))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
                return None
            raise StorageError(f"could not read {self.area}/{name}: {error}") from error
        with answer["Body"] as body:
            return body.read()

    def exists(self, name: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self.key(name))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
                return False
            raise StorageError(f"could not look up {self.area}/{name}: {error}") from error
        return True

    def delete(self, name: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.key(name))

    def url(self, name: str, *, download_name: str | None = None) -> str:
        if self.public and download_name is None:
            return f"{self.public_base}{self.area}/{quote(check_name(name))}"
        params = {"Bucket": self.bucket, "Key": self.key(name)}
        if download_name is not None:
            params["ResponseContentDisposition"] = f"attachment; filename*=UTF-8''{quote(download_name)}"
            params["ResponseContentType"] = content_type(name)
        return self.client.generate_presigned_url("get_object", Params=params, ExpiresIn=self.presign_seconds)
