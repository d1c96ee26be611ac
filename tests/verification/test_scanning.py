import io
import socket
import socketserver
import struct
import threading

import pytest

from verification.scanning import (
    MAX_VERDICT_LENGTH,
    ClamdScanner,
    NoScanner,
    ScanResult,
    get_scanner,
)

PAYLOAD = bytes(range(256)) * 20  # 5120 bytes: several chunks at chunk=1024


class FakeClamd(socketserver.ThreadingTCPServer):
    """Just enough of clamd's INSTREAM protocol to answer as told."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, behaviour: str, size_limit: int = 2048):
        super().__init__(("127.0.0.1", 0), FakeClamdHandler)
        self.behaviour = behaviour
        self.size_limit = size_limit
        self.commands: list[bytes] = []
        self.chunks: list[bytes] = []
        self.release = threading.Event()

    @property
    def port(self) -> int:
        return self.server_address[1]


class FakeClamdHandler(socketserver.BaseRequestHandler):
    server: FakeClamd

    def recv_exactly(self, count: int) -> bytes:
        data = b""
        while len(data) < count:
            more = self.request.recv(count - len(data))
            if not more:
                raise ConnectionError("client went away")
            data += more
        return data

    def handle(self):
        server = self.server
        command = b""
        while not command.endswith(b"\0"):
            command += self.recv_exactly(1)
        server.commands.append(command)
        received = 0
        while length := struct.unpack("!L", self.recv_exactly(4))[0]:
            chunk = self.recv_exactly(length)
            server.chunks.append(chunk)
            received += length
            if server.behaviour.startswith("limit") and received > server.size_limit:
                self.request.sendall(b"INSTREAM size limit exceeded. ERROR\0")
                if server.behaviour == "limit_abrupt":
                    return
                # Stop writing, but keep reading until the client is done, as a polite server.
                self.request.shutdown(socket.SHUT_WR)
                while self.request.recv(65536):
                    pass
                return
        replies = {
            "ok": b"stream: OK\0",
            "found": b"stream: Eicar-Test-Signature FOUND\0",
            "found_long": b"stream: " + b"X" * 500 + b" FOUND\0",
            "error": b"INSTREAM: Can't write to temporary file. ERROR\0",
            "garbage": b"PONG\0",
        }
        if server.behaviour in replies:
            self.request.sendall(replies[server.behaviour])
        elif server.behaviour == "silent":
            server.release.wait(10)
        # "close": say nothing and hang up.


@pytest.fixture
def clamd():
    servers: list[FakeClamd] = []

    def start(behaviour: str) -> FakeClamd:
        server = FakeClamd(behaviour)
        threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.release.set()
        server.shutdown()
        server.server_close()


def scan_with(server: FakeClamd, data: bytes = PAYLOAD, **options) -> ScanResult:
    scanner = ClamdScanner("127.0.0.1", server.port, **{"timeout": 5, "chunk": 1024, **options})
    fileobj = io.BytesIO(data)
    result = scanner.scan(fileobj)
    assert fileobj.tell() == 0
    return result


def test_a_clean_answer_is_clean_and_the_file_went_over_in_framed_chunks(clamd):
    server = clamd("ok")

    assert scan_with(server) == ScanResult(True, "OK")

    assert server.commands == [b"zINSTREAM\0"]
    assert b"".join(server.chunks) == PAYLOAD
    assert [len(chunk) for chunk in server.chunks] == [1024] * 5


def test_a_found_virus_is_not_clean_and_named(clamd):
    assert scan_with(clamd("found")) == ScanResult(False, "FOUND Eicar-Test-Signature")


def test_verdicts_fit_the_document_column(clamd):
    result = scan_with(clamd("found_long"))
    assert not result.clean
    assert result.verdict.startswith("FOUND XXX")
    assert len(result.verdict) == MAX_VERDICT_LENGTH


@pytest.mark.parametrize("behaviour", ["error", "garbage", "close", "limit", "limit_abrupt"])
def test_anything_but_a_clean_answer_is_an_error(clamd, behaviour):
    result = scan_with(clamd(behaviour), data=PAYLOAD * 4)
    assert result.clean is False
    assert result.verdict.startswith("ERROR ")


def test_the_size_limit_answer_is_reported(clamd):
    result = scan_with(clamd("limit"), data=PAYLOAD * 4)
    assert result == ScanResult(False, "ERROR INSTREAM size limit exceeded. ERROR")


def test_a_scanner_that_never_answers_times_out_as_an_error(clamd):
    result = scan_with(clamd("silent"), timeout=0.3)
    assert result.clean is False
    assert result.verdict.startswith("ERROR TimeoutError")


def test_a_scanner_that_is_not_running_is_an_error():
    with socket.socket() as placeholder:
        placeholder.bind(("127.0.0.1", 0))
        port = placeholder.getsockname()[1]
    result = ClamdScanner("127.0.0.1", port, timeout=2).scan(io.BytesIO(PAYLOAD))
    assert result.clean is False
    assert result.verdict.startswith("ERROR ConnectionRefusedError")


def test_an_empty_file_is_scanned_too(clamd):
    server = clamd("ok")
    assert scan_with(server, data=b"") == ScanResult(True, "OK")
    assert server.chunks == []


def test_no_scanner_lets_files_through_and_says_so():
    assert NoScanner().scan(io.BytesIO(PAYLOAD)) == ScanResult(True, "not scanned")


@pytest.mark.parametrize("url", [None, ""])
def test_no_url_means_no_scanner(url):
    assert isinstance(get_scanner(url), NoScanner)


def test_a_tcp_url_gives_a_clamd_scanner():
    scanner = get_scanner("tcp://127.0.0.1:3311")
    assert isinstance(scanner, ClamdScanner)
    assert (scanner.host, scanner.port) == ("127.0.0.1", 3311)
    assert get_scanner("tcp://clamav").port == 3310


@pytest.mark.parametrize("url", ["http://clamav:3310", "unix:///run/clamd.sock", "clamav:3310"])
def test_an_unknown_url_fails_loudly(url):
    with pytest.raises(ValueError, match="tcp://"):
        get_scanner(url)
