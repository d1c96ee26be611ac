"""Reading an uploaded file as CSV rows, streaming: encoding, delimiter and header checks."""

import codecs
import csv
import hashlib
import io
from collections.abc import Iterator

SAMPLE_BYTES = 64 * 1024

ENCODINGS = {
    "auto": "Detect",
    "utf-8": "UTF-8 (with or without BOM)",
    "utf-16": "UTF-16 (with BOM)",
    "windows-1252": "Windows-1252 (Western European, older Excel)",
}
SAVE_AS = "In Excel: File › Save As › “CSV UTF-8 (Comma delimited)”."


class FileProblem(Exception):
    """A problem with the whole file; its message tells the operator what to do."""


class DecodeProblem(FileProblem):
    """The text cannot be decoded with the codec; the engine finds the line."""


def detect_encoding(sample: bytes) -> str:
    """The codec of a file from its first bytes: a BOM decides, else UTF-8 if it decodes."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in sample:
        raise FileProblem(
            "The file looks like UTF-16 without a byte-order mark, or is not a text file. "
            f"Save it as CSV UTF-8. {SAVE_AS}"
        )
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return "windows-1252"
    return "utf-8"


def codec_for(choice: str, sample: bytes) -> str:
    if choice == "auto":
        return detect_encoding(sample)
    if choice == "utf-8":
        return "utf-8-sig"  # reads a file with or without the BOM
    if choice == "utf-16" and not sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileProblem(
            "The file is not UTF-16 (it has no byte-order mark). Choose “Detect” or UTF-8."
        )
    return choice


class HashingReader(io.RawIOBase):
    """Passes bytes through, counting them and feeding them to SHA-256."""

    def __init__(self, raw, limit: int):
        self.raw = raw
        self.limit = limit
        self.sha256 = hashlib.sha256()
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.raw.read(len(buffer))
        self.count += len(data)
        if self.count > self.limit:
            raise FileProblem(too_big_message(self.count, self.limit))
        self.sha256.update(data)
        buffer[: len(data)] = data
        return len(data)


def too_big_message(size: int, limit: int) -> str:
    return (
        f"The file is larger than {human_size(limit)}"
        + (f" ({human_size(size)})" if size > limit else "")
        + ". Split it into smaller files, or import it with `manage.py import` on the server."
    )


def human_size(size: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size} bytes"


_DELIMITERS = {";": "semicolons", "\t": "tabs", "|": "vertical bars"}


def normalise_header(name: str) -> str:
    return "_".join(name.strip().lower().replace("-", " ").split())


def check_delimiter(header_line: str) -> None:
    if "," in header_line:
        return
    for delimiter, name in _DELIMITERS.items():
        if delimiter in header_line:
            raise FileProblem(
                f"The columns are separated by {name}; they must be separated by commas. " + SAVE_AS
            )


def check_header(header: list[str], *, required: list[str], optional: list[str]) -> list[str]:
    """The normalised column names, or FileProblem naming what is missing or extra."""
    names = [normalise_header(h) for h in header]
    known = set(required) | set(optional)
    missing = [c for c in required if c not in names]
    extra = [h for h, n in zip(header, names, strict=True) if n not in known]
    repeated = sorted({n for n in names if names.count(n) > 1})
    problems = []
    if missing:
        problems.append("Missing columns: " + ", ".join(missing) + ".")
    if extra:
        problems.append("Unknown columns: " + ", ".join(e or "(empty name)" for e in extra) + ".")
    if repeated:
        problems.append("Columns given twice: " + ", ".join(repeated) + ".")
    if problems:
        expected = ", ".join(required + [f"{c} (optional)" for c in optional])
        raise FileProblem(" ".join(problems) + f" The columns are: {expected}.")
    return names


def csv_rows(binary, *, encoding: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) for each non-blank line after the header; the header comes first
    with line number 1. Decoding errors become FileProblem naming the line."""
    text = io.TextIOWrapper(binary, encoding=encoding, newline="")
    reader = csv.reader(text, strict=True)
    shown = {"utf-8-sig": "UTF-8", "utf-8": "UTF-8", "utf-16": "UTF-16"}.get(encoding, encoding)
    try:
        for cells in reader:
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue
            yield reader.line_num, cells
    except UnicodeDecodeError:
        raise DecodeProblem(shown) from None
    except csv.Error as error:
        raise FileProblem(
            f"Line {reader.line_num} cannot be read as CSV ({error}): check the quotes."
        ) from None


def undecodable_line(binary, encoding: str) -> int:
    """The line holding the first bytes `encoding` cannot decode (the reader decodes ahead
    in chunks, so its own line count is not where the problem is)."""
    binary.seek(0)
    decoder = codecs.getincrementaldecoder(encoding)()
    line = 1
    while chunk := binary.read(SAMPLE_BYTES):
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError as error:
            return line + chunk.count(b"\n", 0, error.start)
        line += chunk.count(b"\n")
    return line


def decode_problem_message(line: int, shown: str) -> str:
    return (
        f"Line {line} is not valid {shown}. Save the file as CSV UTF-8, or choose the "
        "encoding it was saved in (for example Windows-1252). " + SAVE_AS
    )
