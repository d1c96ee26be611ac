"""The W3C Bitstring Status List encoding. Pure: no database, no settings.

A list is a string of bits, index 0 the left-most bit of the first byte, GZIP-compressed
and written as multibase base64url without padding (a leading "u"). The specification's
minimum length (131,072 bits, 16 KB) keeps one credential's index from standing out.
"""

import base64
import gzip
from collections.abc import Iterable

LIST_SIZE = 131_072  # bits in one status list


def encode_bitstring(set_indexes: Iterable[int], *, size: int = LIST_SIZE) -> str:
    bits = bytearray(size // 8)
    for index in set_indexes:
        if not 0 <= index < size:
            raise ValueError(f"status index {index} is outside a list of {size} bits")
        bits[index // 8] |= 0x80 >> (index % 8)
    # mtime=0: the same bits always give the same encoding.
    compressed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")


def decode_bitstring(encoded: str) -> bytes:
    if not encoded.startswith("u"):
        raise ValueError("an encoded status list starts with the multibase prefix 'u'")
    data = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))


def bit_is_set(bits: bytes, index: int) -> bool:
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def list_position(sequence_number: int) -> tuple[int, int]:
    """Where the credential numbered `sequence_number` (1, 2, …) sits: (list, index)."""
    if sequence_number < 1:
        raise ValueError("credentials are numbered from 1")
    return divmod(sequence_number - 1, LIST_SIZE)[0] + 1, (sequence_number - 1) % LIST_SIZE
