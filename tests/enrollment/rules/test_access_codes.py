from enrollment.rules.access_codes import (
    ALPHABET,
    access_code_generate,
    access_code_hash,
    access_code_matches,
    access_code_normalise,
)


def test_a_generated_code_has_ten_characters_from_the_alphabet_in_two_groups():
    code = access_code_generate()
    left, right = code.split("-")
    assert len(left) == len(right) == 5
    assert all(ch in ALPHABET for ch in left + right)


def test_case_spaces_and_dashes_do_not_count():
    assert access_code_normalise(" abcde-fghjk ") == "ABCDEFGHJK"
    assert access_code_matches("abcde fghjk", access_code_hash("ABCDE-FGHJK"))


def test_a_wrong_or_empty_code_never_matches():
    stored = access_code_hash("ABCDE-FGHJK")
    assert not access_code_matches("ABCDE-FGHJM", stored)
    assert not access_code_matches("", stored)
    assert not access_code_matches("ABCDE-FGHJK", "")
    assert access_code_hash("") == ""


def test_the_stored_hash_is_not_the_code():
    assert "ABCDEFGHJK" not in access_code_hash("ABCDE-FGHJK")
