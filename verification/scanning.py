"""Virus scanning of uploads, through clamd when one is configured.

Only a clean answer from the scanner counts as clean: errors, size limits, timeouts and
refused connections all come back as not clean, so the file stays in quarantine.
"""

import re
import socket
import struct
from typing import BinaryIO, NamedTuple, Protocol
from urllib.parse import urlsplit

# Document.scan_verdict holds at most this many characters.
MAX_VERDICT_LENGTH = 200
# clamd answers in one short line; anything longer is not an answer we understand.
MAX_REPLY = 4096
DEFAULT_CLAMD_PORT = 3310

_FOUND = re.compile(r"^stream: (?P<signature>.+) FOUND$")


class ScanResult(NamedTuple):
    clean: bool
    verdict: str


class Scanner(Protocol):
    def scan(self, fileobj: BinaryIO) -> ScanResult: ...


class NoScanner:
    """The scanner when none is configured: says so in the verdict, and lets files through."""

    def scan(self, fileobj: BinaryIO) -> ScanResult:
        return ScanResult(True, "not scanned")


class ClamdScanner:
    """Streams a file to clamd over TCP with the INSTREAM command."""

    def __init__(self, host: str, port: int, timeout: float = 30, chunk: int = 64 * 1024):
        self.host = host
        self.port = port
        self.timeout = timeout
        self.chunk = chunk

    def __repr__(self) -> str:
        return f"ClamdScanner({self.host!r}, {self.port})"

    def scan(self, fileobj: BinaryIO) -> ScanResult:
        try:
            reply = self._instream(fileobj)
        except OSError as error:
            # Refused, reset, timed out: the file was not scanned, so it is not clean.
            return _error(f"{type(error).__name__}: {error}")
        finally:
            fileobj.seek(0)
        return _verdict(reply)

    def _instream(self, fileobj: BinaryIO) -> str:
        fileobj.seek(0)
        with socket.create_connection((self.host, self.port), timeout=self.timeout) as connection:
            try:
                connection.sendall(b"zINSTREAM\0")
                while chunk := fileobj.read(self.chunk):
                    connection.sendall(struct.pack("!L", len(chunk)) + chunk)
                connection.sendall(struct.pack("!L", 0))
            except OSError:
                # clamd closes the connection mid-stream when a size limit is hit, after saying why.
                reply = _read_reply(connection)
                if reply:
                    return reply
                raise
            return _read_reply(connection)


def _read_reply(connection: socket.socket) -> str:
    received = b""
    try:
        while b"\0" not in received and len(received) < MAX_REPLY:
            data = connection.recv(MAX_REPLY)
            if not data:
                break
            received += data
    except OSError:
        if not received:
            raise
    return received.split(b"\0", 1)[0].decode("utf-8", "replace").strip()


def _verdict(reply: str) -> ScanResult:
    if reply == "stream: OK":
        return ScanResult(True, "OK")
    found = _FOUND.match(reply)
    if found:
        return ScanResult(False, _clip(f"FOUND {found.group('signature')}"))
    return _error(reply or "no answer from clamd")


def _error(detail: str) -> ScanResult:
    return ScanResult(False, _clip(f"ERROR {detail}"))


def _clip(verdict: str) -> str:
    return verdict[:MAX_VERDICT_LENGTH]


def get_scanner(url: str | None) -> Scanner:
    """NoScanner for None or '', a ClamdScanner for 'tcp://host:port'."""
    if not url:
        return NoScanner()
    parts = urlsplit(url)
    if parts.scheme != "tcp" or not parts.hostname:
        raise ValueError(f"Virus scanner URL must look like tcp://host:3310, not {url!r}")
    return ClamdScanner(parts.hostname, parts.port or DEFAULT_CLAMD_PORT)
