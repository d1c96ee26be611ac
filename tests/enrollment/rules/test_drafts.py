"""Merging a draft two requests wrote at once: each keeps what the other changed."""

from enrollment.rules.drafts import merge_draft

BASE = {
    "step": "profile",
    "step_data": {"profile": {"profile-employer_type": ["other"]}},
    "step_files": {},
    "extra_data": {"completed_steps": ["profile"], "sent": {}},
}


def test_changes_to_different_steps_are_both_kept():
    mine = {**BASE, "step_data": {**BASE["step_data"], "requirements": {"requirements-a": ["1"]}}}
    theirs = {**BASE, "step_data": {**BASE["step_data"], "terms": {"terms-b": ["on"]}}}
    merged = merge_draft(BASE, mine, theirs)
    assert set(merged["step_data"]) == {"profile", "requirements", "terms"}


def test_a_step_this_request_did_not_touch_keeps_the_other_requests_version():
    theirs = {
        **BASE,
        "step_data": {"profile": {"profile-employer_type": ["fte"]}},
        "extra_data": {**BASE["extra_data"], "sent": {"microsoft_alias": "ana@microsoft.com"}},
    }
    merged = merge_draft(BASE, BASE, theirs)
    assert merged == theirs


def test_this_requests_own_change_wins_on_the_same_step():
    mine = {**BASE, "step_data": {"profile": {"profile-employer_type": ["academic"]}}}
    theirs = {**BASE, "step_data": {"profile": {"profile-employer_type": ["fte"]}}}
    assert merge_draft(BASE, mine, theirs)["step_data"]["profile"] == {
        "profile-employer_type": ["academic"]
    }


def test_completed_steps_merge_by_what_each_request_added_and_removed():
    mine = {**BASE, "extra_data": {**BASE["extra_data"], "completed_steps": []}}
    theirs = {**BASE, "extra_data": {**BASE["extra_data"], "completed_steps": ["profile", "terms"]}}
    assert merge_draft(BASE, mine, theirs)["extra_data"]["completed_steps"] == ["terms"]

    mine = {**BASE, "extra_data": {**BASE["extra_data"], "completed_steps": ["profile", "req"]}}
    merged = merge_draft(BASE, mine, theirs)
    assert merged["extra_data"]["completed_steps"] == ["profile", "terms", "req"]


def test_an_empty_or_broken_row_takes_this_requests_draft():
    assert merge_draft({}, BASE, None) == BASE
