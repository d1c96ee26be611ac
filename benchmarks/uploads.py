"""Oversized uploads against a real gunicorn (issue 14, point 4): refused before the body is read.

    .venv/bin/python benchmarks/uploads.py [--posts 20] [--megabytes 11]

Starts gunicorn (one sync worker, DEBUG off, `mct_portal.test_settings`: the real settings
with static files served from the finders, so no collectstatic is needed) on a free port,
with DATABASE_URL and REDIS_URL as set in the environment (none: SQLite and local memory in a
temporary folder). Then it posts an 11 MB multipart upload to the wizard's Requirements step
`--posts` times, once announced by Content-Length and once chunked, and prints:

- the worker's resident memory (VmRSS from /proc) before and after the posts;
- the median time from sending the request line to the answer's status line (to refusal),
  beside the baseline measured in the same run: the same number of GETs of the home page,
  a trivial page; and the ratio.

The body is sent by a second thread while the answer is awaited, as a browser does: a server
that refuses early answers before the upload is through. Figures only; tests assert.
"""

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from _http import free_port, start_gunicorn, stop_gunicorn  # noqa: E402

PATH = "/apply/new/requirements/"
MIB = 1024 * 1024
PIECE = 64 * 1024


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def worker_pid(master: int) -> int:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.1)
    raise RuntimeError("gunicorn started no worker")


def start_server(port: int, var_dir: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "mct_portal.test_settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "benchmark-only-secret-key-0123456789-abcdefghijklmnop",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "MCT_VAR_DIR": var_dir,
        "PRIVATE_MEDIA_ROOT": str(Path(var_dir) / "private"),
        "CELERY_TASK_ALWAYS_EAGER": "0",
    }
    return start_gunicorn(port, workers=1, env=env, stderr=subprocess.DEVNULL)


def multipart(size: int, boundary: str) -> tuple[bytes, bytes, int]:
    """(head, tail, total length) of a form with one file of `size` bytes."""
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'
        f"{'a' * 32}\r\n--{boundary}\r\nContent-Disposition: form-data; "
        f'name="requirements-proof_file"; filename="certificate.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    return head, tail, len(head) + size + len(tail)


def body_pieces(head: bytes, size: int, tail: bytes, chunked: bool):
    piece = b"%PDF-1.4\n" + b"0" * (PIECE - 9)
    yield head
    sent = 0
    while sent < size:
        data = piece[: size - sent]
        sent += len(data)
        yield data
    yield tail


def send_upload(port: int, size: int, chunked: bool) -> tuple[float, int, int]:
    """(seconds to the status line, status, bytes of the body sent before the answer)."""
    boundary = "benchmarkboundary0123456789"
    head, tail, total = multipart(size, boundary)
    headers = [
        f"POST {PATH} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        f"Content-Type: multipart/form-data; boundary={boundary}",
        "Cookie: csrftoken=" + "a" * 32,
        "Connection: close",
    ]
    headers.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {total}")
    connection = socket.create_connection(("127.0.0.1", port), timeout=120)
    sent = [0]

    def send_body():
        try:
            for data in body_pieces(head, size, tail, chunked):
                if chunked:
                    data = b"%x\r\n%s\r\n" % (len(data), data)
                connection.sendall(data)
                sent[0] += len(data)
            if chunked:
                connection.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server answered and closed: the rest of the body was never wanted

    started = time.perf_counter()
    connection.sendall(("\r\n".join(headers) + "\r\n\r\n").encode())
    sender = threading.Thread(target=send_body, daemon=True)
    sender.start()
    status_line = b""
    while b"\r\n" not in status_line:
        data = connection.recv(4096)
        if not data:
            break
        status_line += data
    elapsed = time.perf_counter() - started
    sent_at_answer = sent[0]
    try:
        while connection.recv(65536):
            pass
    except OSError:
        pass
    connection.close()
    sender.join(timeout=30)
    parts = status_line.split(b" ", 2)
    status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
    return elapsed, status, sent_at_answer


def get_page(port: int, path: str = "/") -> tuple[float, int]:
    started = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=60) as connection:
        connection.sendall(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode()
        )
        status_line = b""
        while b"\r\n" not in status_line:
            data = connection.recv(4096)
            if not data:
                break
            status_line += data
        elapsed = time.perf_counter() - started
        while connection.recv(65536):
            pass
    parts = status_line.split(b" ", 2)
    return elapsed, int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=20)
    parser.add_argument("--megabytes", type=float, default=11.0)
    args = parser.parse_args()
    size = int(args.megabytes * MIB)
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="mct-bench-uploads-") as var_dir:
        server = start_server(port, var_dir)
        try:
            worker = worker_pid(server.pid)
            for _ in range(3):
                get_page(port)  # warm-up: imports, templates
            send_upload(port, size, chunked=False)
            rss_start = rss_kib(worker)
            pages = [get_page(port) for _ in range(args.posts)]
            baseline = [page[0] for page in pages]
            rss_after_pages = rss_kib(worker)
            print(
                f"gunicorn, 1 sync worker, DEBUG off; {args.posts} requests each; "
                f"upload {args.megabytes:g} MB to {PATH}"
            )
            print(
                f"baseline: GET / (trivial page)    median "
                f"{statistics.median(baseline) * 1000:8.1f} ms   status "
                f"{sorted({page[1] for page in pages})}   worker RSS "
                f"{rss_start / 1024:6.1f} -> {rss_after_pages / 1024:6.1f} MB"
            )
            for chunked in (False, True):
                rss_before = rss_kib(worker)
                runs = [send_upload(port, size, chunked) for _ in range(args.posts)]
                rss_after = rss_kib(worker)
                times = [run[0] for run in runs]
                statuses = sorted({run[1] for run in runs})
                read_before = statistics.median(run[2] for run in runs) / MIB
                ratio = statistics.median(times) / statistics.median(baseline)
                label = "chunked body" if chunked else "Content-Length"
                print(
                    f"{label:<15} to refusal    median "
                    f"{statistics.median(times) * 1000:8.1f} ms   ratio {ratio:5.1f}x baseline   "
                    f"status {statuses}   sent before the answer {read_before:5.2f} MB   "
                    f"worker RSS {rss_before / 1024:6.1f} -> {rss_after / 1024:6.1f} MB"
                )
            stored = [p for p in (Path(var_dir) / "private").rglob("*") if p.is_file()]
            print(f"files stored by the portal: {len(stored)}")
        finally:
            stop_gunicorn(server)


if __name__ == "__main__":
    main()
