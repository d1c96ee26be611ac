"""The Japanese font of every PDF and of the membership card (issue 17).

IPAexGothic (`enrollment/fonts/ipaexg.ttf`, IPA Font License, see enrollment/fonts/README.md)
is a TrueType font with glyf outlines: registered as a reportlab `TTFont`, only the glyphs a
document uses are embedded in it (a subset named like `ABCDEF+IPAexGothic`), so a Japanese
PDF reads the same on a machine without any Japanese font. Pillow draws the card with the
same file. The font has no bold cut: Japanese headings are set larger instead.
"""

from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path(__file__).resolve().parent / "fonts"
JAPANESE_FONT = "IPAexGothic"
JAPANESE_FONT_FILE = FONT_DIR / "ipaexg.ttf"
# Languages whose text needs the Japanese font (the Latin fonts have no kana or kanji).
JAPANESE_LANGUAGES = frozenset({"ja"})


def register_truetype(name: str, path: Path) -> str:
    """Register the TrueType font at `path` with reportlab once, under `name`; returns it."""
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(name, str(path)))
    return name


def japanese_pdf_font() -> str:
    """The reportlab name of the embedded Japanese font, registered on first use."""
    return register_truetype(JAPANESE_FONT, JAPANESE_FONT_FILE)


def needs_japanese_font(language: str) -> bool:
    return language in JAPANESE_LANGUAGES
