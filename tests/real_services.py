"""Real services the tests start for themselves: Debian's clamd with a local signature
database holding only the EICAR test signature (no download), and moto's S3 server.

Outside CI a missing service skips its tests with the reason; `.ci/run` sets
MCT_REQUIRE_SERVICES=1, and there a missing service fails them instead."""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

# Built from parts so that this source file is not itself the EICAR test file.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def unavailable(reason: str):
    if os.environ.get("MCT_REQUIRE_SERVICES"):
        pytest.fail(f"{reason} (MCT_REQUIRE_SERVICES is set: CI must run these tests)")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _clamd_binary() -> str | None:
    return shutil.which("clamd") or next(
        (p for p in ("/usr/sbin/clamd", "/usr/bin/clamd") if Path(p).exists()), None
    )


def _ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as connection:
            connection.sendall(b"zPING\0")
            return connection.recv(16).startswith(b"PONG")
    except OSError:
        return False


class Clamd:
    """A clamd process on a free loopback port, with an EICAR-only database."""

    def __init__(self):
        binary, sigtool = _clamd_binary(), shutil.which("sigtool")
        if not binary or not sigtool:
            unavailable("clamd is not installed: apt-get install clamav-daemon")
        self.folder = Path(tempfile.mkdtemp(prefix="mct-clamd-"))
        database = self.folder / "db"
        database.mkdir()
        sample = self.folder / "eicar.com"
        sample.write_bytes(EICAR)
        signature = subprocess.run(
            [sigtool, "--md5", str(sample)], check=True, capture_output=True, text=True
        ).stdout
        (database / "eicar.hdb").write_text(signature)
        self.port = free_port()
        config = self.folder / "clamd.conf"
        lines = [
            f"DatabaseDirectory {database}",
            f"TCPSocket {self.port}",
            "TCPAddr 127.0.0.1",
            "Foreground yes",
            f"TemporaryDirectory {self.folder}",
            f"LogFile {self.folder / 'clamd.log'}",
        ]
        if os.geteuid() == 0:
            lines.append("User root")
        config.write_text("\n".join(lines) + "\n")
        self.process = subprocess.Popen(
            [binary, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 90
        while not _ping(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                log = (self.folder / "clamd.log").read_text() if config.exists() else ""
                self.stop()
                unavailable(f"clamd did not start: {log[-500:]}")
            time.sleep(0.3)

    @property
    def url(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.folder, ignore_errors=True)


class S3Server:
    """moto's S3-compatible server on a free loopback port."""

    def __init__(self):
        try:
            from moto.server import ThreadedMotoServer
        except ImportError:
            unavailable("moto[server] is not installed: pip install -r requirements-dev.txt")
        self.port = free_port()
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self.server.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.stop()
