"""The path registry: every ApplicationPath has exactly one definition, read by everyone."""

import pytest

from enrollment.enums import ApplicationPath, Program
from enrollment.paths import (
    all_paths,
    by_slug,
    path_definition,
    paths_of,
    program_for_path,
    register,
    rejoin_path,
    renew_path,
    start_url,
    step_url,
)


def test_every_path_choice_has_one_definition():
    assert sorted(d.path for d in all_paths()) == sorted(ApplicationPath.values)


def test_the_profile_page_order_and_labels():
    assert [d.path for d in all_paths()] == [
        "renew",
        "new",
        "rejoin",
        "upgrade",
        "alumni_renew",
        "alumni",
    ]
    assert path_definition("alumni_renew").action_label == "Renew Alumni"
    assert path_definition("new").label == "Enroll as a new MCT"


def test_programs_successors_and_urls():
    assert paths_of(Program.ALUMNI) == ("alumni_renew", "alumni")
    assert program_for_path("upgrade") == Program.MCT
    assert renew_path(Program.MCT).path == "renew"
    assert rejoin_path(Program.ALUMNI).path == "alumni"
    assert by_slug("alumni-renew").path == "alumni_renew"
    assert start_url("alumni_renew") == "/apply/alumni-renew/"
    assert step_url("rejoin", "terms") == "/apply/rejoin/terms/"


def test_fees_and_memberships():
    assert [d.path for d in all_paths() if not d.has_fee] == ["alumni_renew", "alumni"]
    assert [d.path for d in all_paths() if d.extends_membership] == ["renew", "alumni_renew"]


def test_an_unknown_path_or_a_clashing_definition_is_refused():
    with pytest.raises(ValueError, match="Unknown application path"):
        path_definition("nope")
    new = path_definition("new")
    register(new)  # the same definition again: no-op
    with pytest.raises(ValueError):
        register(type(new)(**{**new.__dict__, "slug": "other"}))
