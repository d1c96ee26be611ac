"""The support search finds a person by every key, tolerates typos and flags duplicates."""

import pytest

from enrollment.support.selectors import (
    KIND_EMAIL,
    KIND_IDENTIFIER,
    KIND_NAME,
    MATCHED_ON_EMAIL,
    MATCHED_ON_EXAM,
    MATCHED_ON_MCP_ID,
    MATCHED_ON_MTM,
    MATCHED_ON_NAME,
    MATCHED_ON_PARTNER,
    mask_email,
    possible_duplicates,
    query_kinds,
    search_rows,
    trainer_search,
)
from tests import factories
from tests.conftest import needs_postgres

pytestmark = pytest.mark.django_db


@pytest.fixture
def cheever():
    trainer = factories.TrainerFactory(
        first_name="Benjamin",
        last_name="Cheever",
        email="ben.cheever@example.org",
        phone="801-373-0874",
        postal_code="84601",
        mtm_id="mtm-cheever",
    )
    factories.McpIdFactory(trainer=trainer, value="98765432", is_primary=True)
    return trainer


@pytest.fixture
def bystanders():
    return [
        factories.TrainerFactory(first_name="Grace", last_name="Hopper"),
        factories.TrainerFactory(first_name="Ada", last_name="Lovelace"),
        factories.TrainerFactory(first_name="Oliver", last_name="Chen"),
    ]


def _ids(outcome) -> list[int]:
    return [hit.trainer_id for hit in outcome.hits]


def test_finds_a_person_by_exact_name(cheever, bystanders):
    outcome = trainer_search(query="Benjamin Cheever")
    assert _ids(outcome)[0] == cheever.pk
    assert outcome.hits[0].matched_on == MATCHED_ON_NAME


def test_finds_a_person_by_last_name_alone(cheever, bystanders):
    assert _ids(trainer_search(query="cheever"))[0] == cheever.pk


def test_finds_a_person_by_a_misspelt_name(cheever, bystanders):
    outcome = trainer_search(query="Chever")
    assert _ids(outcome)[0] == cheever.pk
    assert not {b.pk for b in bystanders if b.last_name != "Chen"} & set(_ids(outcome))


def test_an_exact_spelling_ranks_above_a_misspelling(cheever, bystanders):
    chever = factories.TrainerFactory(first_name="Anna", last_name="Chever")
    outcome = trainer_search(query="Chever")
    assert _ids(outcome)[:2] == [chever.pk, cheever.pk]
    assert outcome.hits[0].score > outcome.hits[1].score


def test_finds_a_person_by_a_misspelt_full_name(cheever, bystanders):
    assert _ids(trainer_search(query="Benjamn Cheevr"))[0] == cheever.pk


@needs_postgres()
def test_trigram_search_finds_misspelt_names_through_the_gin_index(cheever, bystanders):
    from django.db import connection

    from enrollment.support.selectors import SEARCH_NAME_SQL

    assert _ids(trainer_search(query="Benjamn Chever"))[0] == cheever.pk
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            f"EXPLAIN SELECT id FROM enrollment_trainer WHERE 'chever' <<% {SEARCH_NAME_SQL}"  # noqa: S608
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "trainer_search_name_trgm" in plan


def test_finds_a_person_by_exact_email_case_insensitively(cheever, bystanders):
    outcome = trainer_search(query="Ben.Cheever@Example.org")
    assert _ids(outcome) == [cheever.pk]
    assert outcome.hits[0].matched_on == MATCHED_ON_EMAIL
    assert outcome.hits[0].score == 1.0


def test_finds_people_by_email_prefix_with_the_exact_address_first(cheever):
    longer = factories.TrainerFactory(email="ben.cheever@example.org.uk")
    outcome = trainer_search(query="ben.cheever@example.org")
    assert _ids(outcome) == [cheever.pk, longer.pk]
    assert [h.score for h in outcome.hits] == [1.0, 0.9]


def test_finds_a_person_by_the_start_of_an_email_address(cheever, bystanders):
    assert _ids(trainer_search(query="ben.chee")) == [cheever.pk]


def test_finds_a_person_by_their_sign_in_email_when_registration_email_differs():
    trainer = factories.TrainerFactory(email="registration@example.org")
    trainer.user.email = "sign-in@example.net"
    trainer.user.save()
    assert _ids(trainer_search(query="sign-in@example.net")) == [trainer.pk]


def test_finds_a_person_by_any_of_their_mcp_ids(cheever):
    factories.McpIdFactory(trainer=cheever, value="11223344")
    for value in ("98765432", "11223344"):
        outcome = trainer_search(query=value)
        assert _ids(outcome) == [cheever.pk]
        assert outcome.hits[0].matched_on == MATCHED_ON_MCP_ID


def test_finds_a_person_by_exam_reference_number(cheever):
    mcp_id = cheever.mcp_ids.get()
    factories.ExamResultFactory(reference_number="ER-2026-000777", mcp_id=mcp_id)
    outcome = trainer_search(query="er-2026-000777")
    assert _ids(outcome) == [cheever.pk]
    assert outcome.hits[0].matched_on == MATCHED_ON_EXAM


def test_an_exam_reference_without_mcp_id_is_reported_for_generation():
    exam = factories.ExamResultFactory(
        reference_number="ER-2026-000101", candidate_first_name="Benjamin"
    )
    outcome = trainer_search(query="ER-2026-000101")
    assert outcome.hits == []
    assert outcome.unlinked_exam_results == [exam]


def test_finds_a_person_by_mtm_id(cheever, bystanders):
    outcome = trainer_search(query="MTM-CHEEVER")
    assert _ids(outcome) == [cheever.pk]
    assert outcome.hits[0].matched_on == MATCHED_ON_MTM


def test_finds_every_trainer_of_a_partner_by_partner_id(cheever, bystanders):
    partner = factories.PartnerOrganizationFactory(partner_id="4100001")
    factories.ApplicationFactory(trainer=cheever, partner=partner)
    factories.ApplicationFactory(trainer=bystanders[0], partner=partner, status="approved")
    outcome = trainer_search(query="4100001")
    assert set(_ids(outcome)) == {cheever.pk, bystanders[0].pk}
    assert {h.matched_on for h in outcome.hits} == {MATCHED_ON_PARTNER}


def test_a_person_matched_by_several_keys_is_listed_once(cheever):
    factories.McpIdFactory(trainer=factories.TrainerFactory(), value="12121212")
    cheever.mtm_id = "12121212"
    cheever.save()
    assert len(trainer_search(query="12121212").hits) == 2


def test_a_too_short_query_finds_nothing(cheever):
    assert trainer_search(query=" c ").hits == []


def test_query_kinds_send_each_query_only_to_plausible_lookups():
    assert query_kinds("a@b.org") == {KIND_EMAIL}
    assert query_kinds("Cheever") == {KIND_NAME, KIND_IDENTIFIER}
    assert query_kinds("O'Brien") == {KIND_NAME, KIND_IDENTIFIER}
    assert query_kinds("Benjamin Cheever") == {KIND_NAME}
    assert query_kinds("98765432") == {KIND_IDENTIFIER}
    assert query_kinds("ER-2026-000101") == {KIND_IDENTIFIER}
    assert query_kinds("ben.cheever") == {KIND_IDENTIFIER, KIND_EMAIL}


def test_a_planted_duplicate_account_is_flagged(cheever, bystanders):
    second = factories.TrainerFactory(
        first_name="benjamin", last_name="CHEEVER", email="bjc@other.example", phone="801-373-0874"
    )
    rows = search_rows(hits=trainer_search(query="Cheever").hits)
    by_id = {row.trainer.pk: row for row in rows}
    assert by_id[cheever.pk].duplicate_ids == [second.pk]
    assert by_id[second.pk].duplicate_ids == [cheever.pk]
    assert by_id[cheever.pk].possible_duplicate


def test_accounts_sharing_an_email_address_are_flagged():
    first = factories.TrainerFactory(email="same@example.org")
    second = factories.TrainerFactory(email="SAME@example.org")
    assert possible_duplicates(trainers=[first]) == {first.pk: [second.pk]}


def test_records_without_an_email_address_are_not_alike_through_it():
    first = factories.TrainerFactory(email="", phone="", postal_code="")
    factories.TrainerFactory(email="", phone="", postal_code="")
    assert possible_duplicates(trainers=[first]) == {}


def test_namesakes_living_elsewhere_are_not_flagged(cheever):
    factories.TrainerFactory(
        first_name="Benjamin", last_name="Cheever", phone="+44 20 0000", postal_code="EC1A"
    )
    assert possible_duplicates(trainers=[cheever]) == {}


def test_a_person_with_several_mcp_ids_is_flagged(cheever, bystanders):
    factories.McpIdFactory(trainer=cheever, value="55554444")
    row = search_rows(hits=trainer_search(query="98765432").hits)[0]
    assert row.mcp_id_count == 2
    assert row.primary_mcp_id == "98765432"
    assert row.has_several_mcp_ids and row.possible_duplicate


def test_result_rows_mask_the_email_address():
    assert mask_email("ben.cheever@example.org") == "b••••••@example.org"
    assert mask_email("b@example.org") == "b•@example.org"


@needs_postgres()
def test_name_vocabulary_follows_new_and_renamed_trainers():
    from django.db import connection

    from enrollment.support.selectors import NAME_WORD_TABLE

    trainer = factories.TrainerFactory(first_name="Zbigniew", last_name="Wojciechowski")
    trainer.last_name = "Brzezinski"
    trainer.save()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT word FROM {NAME_WORD_TABLE} WHERE word IN "  # noqa: S608
            "('zbigniew', 'wojciechowski', 'brzezinski')"
        )
        assert {row[0] for row in cursor.fetchall()} == {
            "zbigniew",
            "wojciechowski",
            "brzezinski",
        }
    # A one-word typo goes through the vocabulary, then the btree name index.
    assert _ids(trainer_search(query="Brzezisnki")) == [trainer.pk]
