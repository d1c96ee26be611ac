import datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from enrollment.credentials.bitstring import (
    LIST_SIZE,
    bit_is_set,
    decode_bitstring,
    encode_bitstring,
    list_position,
)
from enrollment.credentials.linkedin import linkedin_add_url


def test_an_empty_list_is_all_zeros_of_the_minimum_size():
    bits = decode_bitstring(encode_bitstring([]))
    assert len(bits) * 8 == LIST_SIZE == 131_072
    assert not any(bits)


def test_index_zero_is_the_left_most_bit():
    bits = decode_bitstring(encode_bitstring([0, 9, LIST_SIZE - 1]))
    assert bits[0] == 0b1000_0000 and bits[1] == 0b0100_0000 and bits[-1] == 1
    assert [i for i in range(16) if bit_is_set(bits, i)] == [0, 9]


def test_the_encoding_is_multibase_base64url_and_repeatable():
    encoded = encode_bitstring([5])
    assert encoded.startswith("u") and "=" not in encoded and "+" not in encoded
    assert encoded == encode_bitstring([5])


def test_an_index_outside_the_list_is_refused():
    with pytest.raises(ValueError):
        encode_bitstring([LIST_SIZE])


def test_credentials_fill_one_list_then_the_next():
    assert list_position(1) == (1, 0)
    assert list_position(LIST_SIZE) == (1, LIST_SIZE - 1)
    assert list_position(LIST_SIZE + 1) == (2, 0)


def test_the_linkedin_link_carries_the_certification_fields():
    url = linkedin_add_url(
        name="Microsoft Certified Trainer",
        organization="Microsoft",
        issued_on=datetime.date(2026, 12, 20),
        expires_on=datetime.date(2027, 12, 20),
        credential_id="abc",
        credential_url="https://portal.example/verify/x/",
    )
    parts = urlsplit(url)
    assert (parts.netloc, parts.path) == ("www.linkedin.com", "/profile/add")
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query == {
        "startTask": "CERTIFICATION_NAME",
        "name": "Microsoft Certified Trainer",
        "organizationName": "Microsoft",
        "issueYear": "2026",
        "issueMonth": "12",
        "expirationYear": "2027",
        "expirationMonth": "12",
        "certId": "abc",
        "certUrl": "https://portal.example/verify/x/",
    }
