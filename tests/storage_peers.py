"""Object storage for tests: moto's standalone S3 server on loopback, and the two storage backends.

moto's server is a stand-in for S3 (AWS, MinIO, a Vietnamese cloud's object storage), none of which
can run here: it speaks the real S3 wire protocol over HTTP, so boto3 signs, sends and parses real
requests and presigned URLs are fetched with a plain HTTP client. It does not check signatures or
ACLs, so tests here prove what the app asks of the store, not the store's access control.

Import the fixtures into a test module: `from tests.storage_peers import backend, s3_server  # noqa: F401`.
"""

import atexit
import os
import secrets
import socket

import pytest

#: Loopback port of the S3 stand-in (this work's range 8550-8559); scripts/test.sh gives each of its
#: concurrent legs its own.
S3_PORT = int(os.environ.get("TEST_S3_PORT", "8551"))


#: The one S3 stand-in of this test process: modules that import the fixture get distinct
#: session fixtures, so the server itself is kept here and started once.
_SERVER = {}


@pytest.fixture(scope="session")
def s3_server():
    """Start moto's S3 server on loopback (once per test process); return its endpoint URL."""
    pytest.importorskip("moto.server", reason="moto[server] is in requirements-dev.txt")
    from moto.server import ThreadedMotoServer

    if "server" not in _SERVER:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", S3_PORT)) == 0:
                pytest.fail(f"port {S3_PORT} is taken; the S3 stand-in needs it")
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=S3_PORT, verbose=False)
        server.start()
        _SERVER["server"] = server
        atexit.register(server.stop)
    return f"http://127.0.0.1:{S3_PORT}"


def s3_settings(endpoint: str) -> dict:
    """App settings for a fresh bucket of its own on the stand-in (created here)."""
    import boto3

    bucket = f"ocop-test-{secrets.token_hex(6)}"
    settings = {
        "STORAGE_BACKEND": "s3",
        "S3_BUCKET": bucket,
        "S3_ENDPOINT_URL": endpoint,
        "S3_REGION": "ap-southeast-1",
        "S3_ACCESS_KEY_ID": "test-key",
        "S3_SECRET_ACCESS_KEY": "test-secret",
        "S3_PREFIX": "tn/",
    }
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="ap-southeast-1",
        aws_access_key_id="test-key",
        aws_secret_access_key="test-secret",
    )
    client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "ap-southeast-1"})
    return settings


@pytest.fixture(params=["local", "s3"])
def backend(request):
    """Parametrise a test over both storage backends: returns the backend's name and app settings."""
    if request.param == "local":
        return "local", {"STORAGE_BACKEND": "local"}
    return "s3", s3_settings(request.getfixturevalue("s3_server"))
