"""Decide whether an uploaded file is one we accept, from its content alone.

Pure: no models, no database, no settings. Limits come in as parameters. The browser's
Content-Type is never consulted: python-magic names the type, the extension must agree,
then a parser for that type looks inside (zipfile, olefile/oletools, a PDF name scan, Pillow).
Files are read in chunks; only a legacy DOC is held whole, because oletools needs it so,
and the size check has bounded it by then.
"""

import hashlib
import io
import re
import struct
import unicodedata
import warnings
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO
from xml.etree import ElementTree

import magic
import olefile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image

with warnings.catch_warnings():
    # oletools still calls pyparsing by its old, deprecated names when imported.
    warnings.simplefilter("ignore", DeprecationWarning)
    from oletools.olevba import VBA_Parser

ALLOWED_KINDS = ("pdf", "jpeg", "png", "doc", "docx")
EXTENSIONS = {
    "pdf": {".pdf"},
    "jpeg": {".jpg", ".jpeg"},
    "png": {".png"},
    "doc": {".doc"},
    "docx": {".docx"},
}
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}

CHUNK_SIZE = 64 * 1024
HEAD_SIZE = 8 * 1024
MAX_NAME_LENGTH = 200
# Bytes we are willing to inflate from a PDF's object streams before calling it a bomb.
MAX_PDF_INFLATED = 100 * 1024 * 1024
MAX_PDF_OBJECT_STREAMS = 5000
# [Content_Types].xml and .rels parts are a few KB; anything far bigger is not a real DOCX.
MAX_PACKAGE_XML = 1024 * 1024

# The extension to suggest when a name has the wrong one.
USUAL_EXTENSIONS = {"pdf": ".pdf", "jpeg": ".jpg", "png": ".png", "doc": ".doc", "docx": ".docx"}
KIND_LABELS = {"pdf": "PDF", "jpeg": "JPEG", "png": "PNG", "doc": "Word (DOC)", "docx": "Word"}
ACCEPTED = gettext_lazy("We accept PDF, JPEG, PNG, DOC and DOCX files.")
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class FileRefused(Exception):
    """A file we will not accept.

    .code is a short stable slug for logs and tests; .message a sentence a trainer
    understands, saying what is wrong and what to do.
    """

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message

    def __reduce__(self):
        # Keep both arguments when the error crosses a process boundary (Celery, pickling).
        return (type(self), (self.code, self.message))

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Inspection:
    kind: str
    content_type: str
    size: int
    sha256: str
    extension: str


# --- File names ------------------------------------------------------------------------

# Characters that reorder text on screen: 'invoice\u202efdp.exe' displays as 'invoiceexe.pdf'.
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)

# Extensions that something (Windows, a web server, a browser) would run or render.
ACTIVE_EXTENSIONS = frozenset(
    """
    exe com bat cmd scr pif msi msp mst dll cpl ocx sys drv lnk url scf reg inf ins isp
    vb vbs vbe js jse mjs ws wsf wsc wsh ps1 ps1xml ps2 psc1 psm1 msh msc hta gadget
    application appref-ms jar war ear class apk app dmg pkg deb rpm sh bash zsh csh ksh
    command run bin elf so dylib py pyc pyw pl pm cgi rb php php3 php4 php5 php7 php8 phtml
    pht phar phps inc asp aspx asa asax ascx ashx asmx cer cshtml jsp jspx jsf do action
    html htm xhtml shtml shtm xht mht mhtml svg svgz xml xsl xslt swf docm dotm xlsm xltm
    xlam pptm potm ppam ppsm sldm iso img vhd vhdx
    """.split()  # noqa: SIM905 -- a word list reads better than 130 quoted strings
)


def _bad_name(message: str) -> FileRefused:
    return FileRefused("bad_name", message)


def clean_filename(name: str) -> str:
    """A safe display name for an upload, or FileRefused('bad_name') for a hostile one."""
    if "\x00" in name:
        raise _bad_name(
            _(
                "The file name contains a hidden null character. Rename the file (for example "
                "certificate.pdf) and upload it again."
            )
        )
    if any(character in BIDI_CONTROLS for character in name):
        raise _bad_name(
            _(
                "The file name contains hidden characters that change how it is displayed. "
                "Rename the file (for example certificate.pdf) and upload it again."
            )
        )
    # NFKC first, so look-alikes such as a full-width slash or dot are judged as what they become.
    normalised = unicodedata.normalize("NFKC", name)
    if "/" in normalised or "\\" in normalised:
        raise _bad_name(
            _(
                "The file name contains a folder path. Upload the file itself, named for example "
                "certificate.pdf."
            )
        )
    visible = "".join(_visible(character) for character in normalised)
    # Windows drops trailing dots and spaces, so 'cv.exe.' would open as cv.exe.
    visible = " ".join(visible.split()).rstrip(". ")
    if visible.startswith("."):
        raise _bad_name(
            _(
                "The file name starts with a dot, which makes it a hidden file. Rename it (for "
                "example certificate.pdf) and upload it again."
            )
        )
    stem, dot, extension = visible.rpartition(".")
    # 'Report.final version' has no real extension: one is short and has no spaces.
    if not dot or not stem.strip() or not 0 < len(extension) <= 10 or " " in extension:
        raise _bad_name(
            _(
                "The file name has no extension such as .pdf or .jpg. Rename it (for example "
                "certificate.pdf) and upload it again."
            )
        )
    extensions = visible.lower().split(".")[1:]
    active = [part for part in extensions if part in ACTIVE_EXTENSIONS]
    if active and len(extensions) > 1:
        raise _bad_name(
            _(
                "The file name has more than one extension, including .%(extension)s, a kind "
                "of file that can run code. Rename it to a simple name such as certificate.pdf "
                "and upload it again."
            )
            % {"extension": active[0]}
        )
    if active:
        raise _bad_name(
            _("We do not accept .%(extension)s files. %(accepted)s")
            % {"extension": active[0], "accepted": ACCEPTED}
        )
    if len(visible) > MAX_NAME_LENGTH:
        visible = visible[: MAX_NAME_LENGTH - len(extension) - 1].rstrip(". ") + "." + extension
    return visible


def _visible(character: str) -> str:
    category = unicodedata.category(character)
    if category in ("Cc", "Zl", "Zp"):
        return " "
    # Zero-width and other invisible format characters only serve to disguise a name.
    if category == "Cf":
        return ""
    return character


def _extension(display_name: str) -> str:
    return "." + display_name.rsplit(".", 1)[1].lower()


# --- The inspection --------------------------------------------------------------------


def inspect_upload(
    fileobj: BinaryIO,
    name: str,
    *,
    max_bytes: int = 10 * 1024 * 1024,
    max_pixels: int = 40_000_000,
    max_zip_entries: int = 1000,
    max_zip_uncompressed: int = 100 * 1024 * 1024,
    decode_images: bool = True,
) -> Inspection:
    """Inspect an upload and return what it is, or raise FileRefused saying why not.

    fileobj is any seekable binary file; it is left at position 0 either way. With
    decode_images=False a JPEG or PNG is checked up to its header: for a caller that decodes
    the pixels next anyway (the worker's preview), which then refuses a damaged image.
    """
    extension = _extension(clean_filename(name))
    declared_size = getattr(fileobj, "size", None)
    # A declared size over the limit is reason enough; one under it is checked by counting.
    if isinstance(declared_size, int) and declared_size > max_bytes:
        raise too_large_refusal(max_bytes)
    try:
        size, sha256, head = _measure(fileobj, max_bytes)
        if size == 0:
            raise FileRefused(
                "empty",
                _("This file is empty. Check that you picked the right file and upload it again."),
            )
        mime = magic.from_buffer(head, mime=True)
        kind = _kind_for(mime, extension)
        if extension not in EXTENSIONS[kind]:
            raise FileRefused(
                "extension_mismatch",
                _(
                    "This file is a %(kind)s file, but its name ends in %(extension)s. Rename it "
                    "to end in %(usual)s and upload it again."
                )
                % {
                    "kind": KIND_LABELS[kind],
                    "extension": extension,
                    "usual": USUAL_EXTENSIONS[kind],
                },
            )
        try:
            if kind == "pdf":
                _check_pdf(fileobj, size=size, head=head)
            elif kind in ("jpeg", "png"):
                _check_image(fileobj, kind=kind, max_pixels=max_pixels, decode=decode_images)
            elif kind == "docx":
                _check_docx(
                    fileobj,
                    size=size,
                    named_by_magic=mime == CONTENT_TYPES["docx"],
                    max_entries=max_zip_entries,
                    max_uncompressed=max_zip_uncompressed,
                    max_embedded=max_bytes,
                )
            else:
                _check_doc(fileobj, size=size, named_by_magic=mime == CONTENT_TYPES["doc"])
        except FileRefused:
            raise
        except Exception as error:
            # Parsers fail in many ways on hostile input; every one of them means "not accepted".
            raise _damaged(kind) from error
    finally:
        fileobj.seek(0)
    return Inspection(
        kind=kind,
        content_type=CONTENT_TYPES[kind],
        size=size,
        sha256=sha256,
        extension=extension,
    )


def _measure(fileobj: BinaryIO, max_bytes: int) -> tuple[int, str, bytes]:
    """Size, SHA-256 and the first HEAD_SIZE bytes, stopping as soon as max_bytes is passed."""
    fileobj.seek(0)
    digest = hashlib.sha256()
    head = b""
    size = 0
    while chunk := fileobj.read(CHUNK_SIZE):
        size += len(chunk)
        if size > max_bytes:
            raise too_large_refusal(max_bytes)
        if len(head) < HEAD_SIZE:
            head += chunk[: HEAD_SIZE - len(head)]
        digest.update(chunk)
    return size, digest.hexdigest(), head


def too_large_refusal(max_bytes: int) -> FileRefused:
    """What a trainer reads about a file over the size limit (the upload guard says it too)."""
    megabytes = f"{max_bytes / (1024 * 1024):g}"
    return FileRefused(
        "too_large",
        _(
            "This file is larger than %(megabytes)s MB. Upload a smaller copy (a PDF or a photo "
            "of the document)."
        )
        % {"megabytes": megabytes},
    )


def _damaged(kind: str) -> FileRefused:
    return FileRefused(
        "damaged",
        _(
            "This %(kind)s file seems damaged or incomplete, so we could not check it. Open it "
            "to make sure it works, save a fresh copy (or a PDF) and upload that."
        )
        % {"kind": KIND_LABELS[kind]},
    )


# --- What the content says it is -------------------------------------------------------

KIND_BY_MIME = {mime: kind for kind, mime in CONTENT_TYPES.items()}
# libmagic names a DOCX whose first zip entry is not [Content_Types].xml as a plain zip.
ZIP_MIMES = frozenset({"application/zip"})
# libmagic needs a Compound File's directory, usually beyond the head, to name it a Word file.
OLE_MIMES = frozenset(
    {"application/x-ole-storage", "application/CDFV2", "application/vnd.ms-office"}
)

DESCRIPTIONS = {
    "application/zip": gettext_lazy("a ZIP archive"),
    "application/x-rar": gettext_lazy("a RAR archive"),
    "application/x-7z-compressed": gettext_lazy("a 7-Zip archive"),
    "application/gzip": gettext_lazy("a compressed archive"),
    "application/x-executable": gettext_lazy("a program"),
    "application/x-pie-executable": gettext_lazy("a program"),
    "application/x-sharedlib": gettext_lazy("a program library"),
    "application/x-dosexec": gettext_lazy("a Windows program"),
    "application/vnd.microsoft.portable-executable": gettext_lazy("a Windows program"),
    "application/x-mach-binary": gettext_lazy("a Mac program"),
    "text/html": gettext_lazy("a web page"),
    "text/xml": gettext_lazy("an XML file"),
    "text/plain": gettext_lazy("a text file"),
    "text/rtf": gettext_lazy("an RTF document"),
    "image/gif": gettext_lazy("a GIF image"),
    "image/svg+xml": gettext_lazy("an SVG image"),
    "image/webp": gettext_lazy("a WebP image"),
    "image/tiff": gettext_lazy("a TIFF image"),
    "image/bmp": gettext_lazy("a BMP image"),
    "image/heic": gettext_lazy("an HEIC photo (the iPhone camera format)"),
    "image/heif": gettext_lazy("an HEIF photo"),
    "application/vnd.ms-excel": gettext_lazy("an Excel workbook"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": gettext_lazy(
        "an Excel workbook"
    ),
    "application/vnd.ms-powerpoint": gettext_lazy("a PowerPoint presentation"),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (
        gettext_lazy("a PowerPoint presentation")
    ),
    "application/vnd.oasis.opendocument.text": gettext_lazy("an OpenDocument text file"),
    "application/encrypted": gettext_lazy("an encrypted file"),
}


def _kind_for(mime: str, extension: str) -> str:
    kind = KIND_BY_MIME.get(mime)
    if kind is not None:
        return kind
    # Only a zip or Compound File that claims to be a Word file gets the deeper look that decides.
    if mime in ZIP_MIMES and extension == ".docx":
        return "docx"
    if mime in OLE_MIMES and extension == ".doc":
        return "doc"
    description = DESCRIPTIONS.get(mime)
    if description is None and mime.startswith("image/"):
        description = _("an image format we cannot use")
    what = (
        _("This file is %(description)s.") % {"description": description}
        if description
        else _("We could not recognise this file.")
    )
    raise FileRefused(
        "type_not_allowed",
        _("%(what)s %(accepted)s Save or scan your document as a PDF and upload that.")
        % {"what": what, "accepted": ACCEPTED},
    )


def _not_a_word_file() -> FileRefused:
    return FileRefused(
        "type_not_allowed",
        _(
            "This file is not a Word document, although its name says so. %(accepted)s Save or "
            "scan your document as a PDF and upload that."
        )
        % {"accepted": ACCEPTED},
    )


def _chunks(fileobj: BinaryIO, start: int = 0) -> Iterator[bytes]:
    fileobj.seek(start)
    while chunk := fileobj.read(CHUNK_SIZE):
        yield chunk


def _windows(chunks: Iterable[bytes], overlap: int) -> Iterator[tuple[int, bytes]]:
    """(offset, bytes) windows that overlap, so a pattern split across two reads is still seen.

    The last window ends with a newline, so patterns that need a delimiter after them match at
    the very end too.
    """
    tail = b""
    offset = 0
    for chunk in chunks:
        window = tail + chunk
        yield offset, window
        keep = min(overlap, len(window))
        tail = window[len(window) - keep :]
        offset += len(window) - keep
    yield offset, tail + b"\n"


# Markup that makes a browser treat the file as a page, or PHP run it.
MARKUP_MARKERS = (
    b"<html",
    b"<script",
    b"<?php",
    b"<iframe",
    b"<!doctype",
    b"<body",
    b"javascript:",
)


def _contains_markup(data: bytes) -> bool:
    lowered = data.lower()
    return any(marker in lowered for marker in MARKUP_MARKERS)


def _polyglot(kind: str) -> FileRefused:
    return FileRefused(
        "polyglot",
        _(
            "This %(kind)s file also contains web page or script code, which we do not accept. "
            "Upload a fresh scan or photo of the document."
        )
        % {"kind": KIND_LABELS[kind]},
    )


# --- PDF -------------------------------------------------------------------------------

# PDF delimiters and white space: what may follow a name that must match whole.
_PDF_NAME_END = rb"(?=[\x00\t\n\f\r /%()<>\[\]{}])"


def _pdf_name(name: str, *, whole: bool) -> bytes:
    """A pattern for /Name that also matches #xx escapes of any of its characters."""
    pattern = b"/"
    for character in name:
        escaped = "#" + "".join(
            f"[{digit}{digit.lower()}]" if digit.isalpha() else digit
            for digit in f"{ord(character):02X}"
        )
        pattern += f"(?:{character}|{escaped})".encode()
    return pattern + (_PDF_NAME_END if whole else b"")


# Scripts, automatic actions, launched programs, attached files, Flash and XFA forms.
_ACTIVE_PDF_NAMES = re.compile(
    b"|".join(
        [
            _pdf_name("JavaScript", whole=False),
            _pdf_name("JS", whole=True),
            _pdf_name("OpenAction", whole=True),
            # Whole only: /AAPL:Keywords is what macOS writes into every printed PDF.
            _pdf_name("AA", whole=True),
            _pdf_name("Launch", whole=True),
            _pdf_name("EmbeddedFile", whole=False),
            _pdf_name("RichMedia", whole=False),
            _pdf_name("XFA", whole=True),
        ]
    )
)
_OBJECT_STREAM = re.compile(_pdf_name("ObjStm", whole=True))
_ENCRYPT = re.compile(_pdf_name("Encrypt", whole=True))
_STREAM_START = re.compile(rb"(?<!end)stream(?:\r\n|\n|\r)")
_PDF_OVERLAP = 256


def _refuse_active_pdf() -> FileRefused:
    return FileRefused(
        "pdf_active_content",
        _(
            "This PDF contains scripts, automatic actions or attached files, which we do not "
            "accept. Print it to a new PDF (or scan the paper document) and upload that."
        ),
    )


def _check_pdf(fileobj: BinaryIO, *, size: int, head: bytes) -> None:
    if b"%PDF-" not in head[:1024]:
        raise _damaged("pdf")
    if _contains_markup(head):
        raise _polyglot("pdf")
    fileobj.seek(max(0, size - 1024))
    if b"%%EOF" not in fileobj.read(1024):
        raise _damaged("pdf")

    object_streams: set[int] = set()
    encrypted = False
    for offset, window in _windows(_chunks(fileobj), _PDF_OVERLAP):
        if _ACTIVE_PDF_NAMES.search(window):
            raise _refuse_active_pdf()
        object_streams.update(offset + match.start() for match in _OBJECT_STREAM.finditer(window))
        encrypted = encrypted or _ENCRYPT.search(window) is not None
        if len(object_streams) > MAX_PDF_OBJECT_STREAMS:
            raise _damaged("pdf")

    # Objects packed in compressed object streams are invisible to the scan above.
    budget = MAX_PDF_INFLATED
    for offset in sorted(object_streams):
        budget = _check_object_stream(fileobj, offset, budget=budget, encrypted=encrypted)


def _check_object_stream(fileobj: BinaryIO, offset: int, *, budget: int, encrypted: bool) -> int:
    """Inflate the object stream whose dictionary names /ObjStm at offset and scan it.

    Returns the inflation budget left.
    """
    fileobj.seek(offset)
    start = _STREAM_START.search(fileobj.read(4096))
    if start is None:
        raise _damaged("pdf")
    inflater = _Inflater(fileobj, offset + start.end(), budget)
    try:
        for _offset, window in _windows(inflater, _PDF_OVERLAP):
            if _ACTIVE_PDF_NAMES.search(window):
                raise _refuse_active_pdf()
    except _Inflater.Unreadable:
        if encrypted:
            raise FileRefused(
                "encrypted",
                _(
                    "This PDF is encrypted or password-protected, so we cannot check it. Print "
                    "it to a new PDF (or scan the paper document) and upload that."
                ),
            ) from None
        raise _damaged("pdf") from None
    except _Inflater.TooMuch:
        raise FileRefused(
            "zip_bomb",
            _(
                "This PDF unpacks to far more data than a document needs, so we cannot check "
                "it. Print it to a new PDF (or scan the paper document) and upload that."
            ),
        ) from None
    return budget - inflater.produced


class _Inflater:
    """Iterates over the Flate-decoded bytes of a stream, within a byte budget."""

    class Unreadable(Exception):
        pass

    class TooMuch(Exception):
        pass

    def __init__(self, fileobj: BinaryIO, start: int, budget: int):
        self.fileobj = fileobj
        self.start = start
        self.budget = budget
        self.produced = 0

    def __iter__(self) -> Iterator[bytes]:
        decompressor = zlib.decompressobj()
        for chunk in _chunks(self.fileobj, self.start):
            data = chunk
            while True:
                try:
                    out = decompressor.decompress(data, CHUNK_SIZE)
                except zlib.error:
                    raise self.Unreadable from None
                self.produced += len(out)
                if self.produced > self.budget:
                    raise self.TooMuch
                yield out
                data = decompressor.unconsumed_tail
                # A full buffer may leave output pending even when all input was taken.
                if decompressor.eof or (not data and len(out) < CHUNK_SIZE):
                    break
            if decompressor.eof:
                return


# --- JPEG and PNG ----------------------------------------------------------------------

PILLOW_FORMATS = {"jpeg": "JPEG", "png": "PNG"}


def _image_too_large(max_pixels: int, size: tuple[int, int] | None = None) -> FileRefused:
    limit = f"{max_pixels / 1_000_000:g}"
    if size:
        message = _(
            "This image is too large (%(width)s x %(height)s pixels): we accept up to "
            "%(limit)s megapixels. Upload a smaller photo or a PDF scan of the document."
        ) % {"width": size[0], "height": size[1], "limit": limit}
    else:
        message = _(
            "This image is too large: we accept up to %(limit)s megapixels. Upload a smaller "
            "photo or a PDF scan of the document."
        ) % {"limit": limit}
    return FileRefused("image_too_large", message)


def _check_image(fileobj: BinaryIO, *, kind: str, max_pixels: int, decode: bool = True) -> None:
    for _offset, window in _windows(_chunks(fileobj), 16):
        if _contains_markup(window):
            raise _polyglot(kind)
    pillow_format = PILLOW_FORMATS[kind]
    fileobj.seek(0)
    with warnings.catch_warnings():
        # Pillow only warns between its limit and twice that: make the warning an error too.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(fileobj, formats=[pillow_format]) as image:
                width, height = image.size
                if width * height > max_pixels:
                    raise _image_too_large(max_pixels, image.size)
                if image.format != pillow_format:
                    raise _damaged(kind)
                if not decode:
                    return
                if pillow_format == "JPEG":
                    # Every block is still decoded (a damaged or cut-short file fails), but at
                    # 1/8 scale: the check needs to know the pixels decode, not to see them.
                    image.draft(None, (max(1, width // 8), max(1, height // 8)))
                image.load()
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            raise _image_too_large(max_pixels) from None


# --- DOCX ------------------------------------------------------------------------------

MACRO_CONTENT_TYPE_MARKS = ("macroenabled", "vbaproject", "vbadata")
MACRO_PART_NAMES = frozenset({"vbaproject.bin", "vbadata.xml"})
MACRO_RELATIONSHIP_ENDINGS = ("/vbaproject", "/vbadata", "/wordvbadata", "/keymapcustomizations")
ACTIVEX_RELATIONSHIP_ENDINGS = ("/control", "/activexcontrol", "/activexcontrolbinary")


def _macros(kind: str) -> FileRefused:
    return FileRefused(
        "macros",
        _(
            "This %(kind)s document contains macros (program code), which we do not accept. "
            "Save it as a PDF (File, Save As, PDF) and upload that."
        )
        % {"kind": KIND_LABELS[kind]},
    )


# What a Word document may contain that we refuse, for "This Word document contains …".
ACTIVEX = gettext_lazy("ActiveX controls")
OBJECT_TOO_LARGE = gettext_lazy("an embedded object too large to check")
REMOTE_CONTENT = gettext_lazy("content loaded from the internet when it is opened")
EMBEDDED_PROGRAM = gettext_lazy("an embedded file or program")


def _active_content(detail: str) -> FileRefused:
    return FileRefused(
        "active_content",
        _(
            "This Word document contains %(detail)s, which we do not accept. Save it as a PDF "
            "(File, Save As, PDF) and upload that."
        )
        % {"detail": detail},
    )


def _zip_bomb_parts(count: int) -> FileRefused:
    return FileRefused(
        "zip_bomb",
        _(
            "This Word document has %(count)s parts, more than any certificate needs, so we "
            "cannot check it. Save it as a PDF (File, Save As, PDF) and upload that."
        )
        % {"count": count},
    )


def _zip_bomb_size(max_uncompressed: int) -> FileRefused:
    return FileRefused(
        "zip_bomb",
        _(
            "This Word document unpacks to more than %(size)s, more than any certificate "
            "needs, so we cannot check it. Save it as a PDF (File, Save As, PDF) and upload "
            "that."
        )
        % {"size": _mb(max_uncompressed)},
    )


def _declared_zip_entries(fileobj: BinaryIO, size: int) -> int | None:
    """The entry count in the zip's end record, read before zipfile parses every entry."""
    tail_size = min(size, 22 + 0xFFFF)
    fileobj.seek(size - tail_size)
    tail = fileobj.read(tail_size)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(tail):
        return None
    (entries,) = struct.unpack_from("<H", tail, at + 10)
    # 0xFFFF means ZIP64: zipfile reads the real count, bounded by the file size anyway.
    return None if entries == 0xFFFF else entries


def _check_docx(
    fileobj: BinaryIO,
    *,
    size: int,
    named_by_magic: bool,
    max_entries: int,
    max_uncompressed: int,
    max_embedded: int,
) -> None:
    declared = _declared_zip_entries(fileobj, size)
    if declared is not None and declared > max_entries:
        raise _zip_bomb_parts(declared)
    fileobj.seek(0)
    try:
        archive = zipfile.ZipFile(fileobj)
    except zipfile.BadZipFile:
        if named_by_magic:
            raise
        raise _not_a_word_file() from None
    with archive:
        entries = archive.infolist()
        if len(entries) > max_entries:
            raise _zip_bomb_parts(len(entries))
        if sum(entry.file_size for entry in entries) > max_uncompressed:
            raise _zip_bomb_size(max_uncompressed)
        names = {entry.filename.lower() for entry in entries}
        if not {"[content_types].xml", "word/document.xml"} <= names:
            if named_by_magic:
                raise _damaged("docx")
            raise _not_a_word_file()

        unpacked = 0
        for entry in entries:
            lowered = entry.filename.lower()
            if lowered.rsplit("/", 1)[-1] in MACRO_PART_NAMES:
                raise _macros("docx")
            if "activex" in lowered:
                raise _active_content(ACTIVEX)
            is_package_xml = lowered == "[content_types].xml" or lowered.endswith(".rels")
            kept = bytearray()
            is_ole = False
            with archive.open(entry) as member:
                first = True
                while chunk := member.read(CHUNK_SIZE):
                    # The central directory can lie about sizes: count what really comes out.
                    unpacked += len(chunk)
                    if unpacked > max_uncompressed:
                        raise _zip_bomb_size(max_uncompressed)
                    if first:
                        is_ole = chunk.startswith(OLE_SIGNATURE)
                        first = False
                    if is_package_xml or is_ole:
                        kept += chunk
                    if is_package_xml and len(kept) > MAX_PACKAGE_XML:
                        raise _damaged("docx")
                    if is_ole and len(kept) > max_embedded:
                        raise _active_content(OBJECT_TOO_LARGE)
            if is_package_xml:
                _check_package_xml(lowered, bytes(kept))
            if is_ole:
                _check_embedded_ole(bytes(kept))


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


def _check_package_xml(name: str, data: bytes) -> None:
    # OOXML parts are UTF-8 without a DTD; insisting keeps entity expansion out of the parser.
    lowered = data.lower()
    if b"\0" in data or b"<!doctype" in lowered or b"<!entity" in lowered:
        raise _damaged("docx")
    root = ElementTree.fromstring(data)  # noqa: S314 -- DTDs refused above, nothing to expand
    if name == "[content_types].xml":
        for element in root.iter():
            content_type = element.get("ContentType", "").lower()
            if any(mark in content_type for mark in MACRO_CONTENT_TYPE_MARKS):
                raise _macros("docx")
            if "activex" in content_type:
                raise _active_content(ACTIVEX)
        return
    for element in root.iter():
        if not element.tag.endswith("Relationship"):
            continue
        relationship = element.get("Type", "").lower()
        if relationship.endswith(MACRO_RELATIONSHIP_ENDINGS):
            raise _macros("docx")
        if relationship.endswith(ACTIVEX_RELATIONSHIP_ENDINGS):
            raise _active_content(ACTIVEX)
        # Hyperlinks are fine; a template, object or picture fetched from the internet is not.
        external = element.get("TargetMode", "").lower() == "external"
        if external and not relationship.endswith("/hyperlink"):
            raise _active_content(REMOTE_CONTENT)


def _check_embedded_ole(data: bytes) -> None:
    with olefile.OleFileIO(io.BytesIO(data)) as ole:
        _refuse_packaged_files(ole)
    if _has_vba(data, "embedded.bin"):
        raise _macros("docx")


# --- DOC -------------------------------------------------------------------------------


def _has_vba(data: bytes, label: str) -> bool:
    parser = VBA_Parser(label, data=data, relaxed=False)
    try:
        return bool(parser.detect_vba_macros())
    finally:
        parser.close()


def _refuse_packaged_files(ole: olefile.OleFileIO) -> None:
    # An Ole10Native stream is a whole file (often a program) behind an icon in the document.
    for path in ole.listdir(streams=True, storages=False):
        if path[-1].lower() == "\x01ole10native":
            raise _active_content(EMBEDDED_PROGRAM)


def _check_doc(fileobj: BinaryIO, *, size: int, named_by_magic: bool) -> None:
    # oletools reads the whole file whatever it is given; size was bounded by max_bytes.
    data = b"".join(_chunks(fileobj))
    if len(data) != size or not data.startswith(OLE_SIGNATURE):
        raise _damaged("doc")
    with olefile.OleFileIO(io.BytesIO(data)) as ole:
        if not ole.exists("WordDocument"):
            if named_by_magic:
                raise _damaged("doc")
            raise _not_a_word_file()
        _refuse_packaged_files(ole)
    if _has_vba(data, "upload.doc"):
        raise _macros("doc")
