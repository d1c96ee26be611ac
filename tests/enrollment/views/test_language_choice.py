"""The trainer's language (issue 17): the footer's menu on every page sets the language cookie
and, for a signed-in trainer, their saved `Trainer.language` (audited); without a choice the
browser's Accept-Language decides; a saved choice beats Accept-Language; `<html lang>`
follows; staff pages stay English; the accessibility statement is linked from every page
and shown in all three languages."""

import re

import pytest
from django.conf import settings
from django.utils import translation

from enrollment.models import Trainer
from enrollment.selectors.memberships import verification_membership
from tests.enrollment.wizard.walk import text_of
from verification.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _default_language_afterwards():
    """A request activates its language in the test's thread; later tests expect English."""
    yield
    translation.deactivate()


MENU = re.compile(
    r'<form class="language-menu" method="post" action="/i18n/setlang/".*?</form>', re.S
)


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.content.decode()).group(1)


def test_every_page_has_the_language_menu_in_its_own_names(client):
    for url in ("/", "/help/", "/accounts/login/", "/accessibility/"):
        page = client.get(url)
        menu = MENU.search(page.content.decode())
        assert menu, url
        options = re.findall(r'<option value="(\w+)"[^>]*>([^<]+)</option>', menu.group(0))
        assert options == [("en", "English"), ("de", "Deutsch"), ("ja", "日本語")]
        assert 'type="submit"' in menu.group(0)  # works without JavaScript


def test_the_menu_sets_the_cookie_for_a_visitor(client):
    response = client.post("/i18n/setlang/", {"language": "de", "next": "/help/"})
    assert response.status_code == 302 and response["Location"] == "/help/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "de"
    page = client.get("/help/")
    assert html_lang(page) == "de"
    assert "Hilfe" in text_of(page)


def test_the_menu_saves_a_signed_in_trainers_choice_with_an_audit_row(trainer_client, trainer):
    response = trainer_client.post("/i18n/setlang/", {"language": "ja", "next": "/profile/"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ja"
    trainer.refresh_from_db()
    assert trainer.language == "ja"
    event = AuditEvent.objects.get(action="trainer.language_changed")
    assert event.object_id == str(trainer.pk)
    assert (event.before, event.after) == ({"language": ""}, {"language": "ja"})
    details = trainer_client.get("/profile/details/")
    assert "ポータルはどのデバイスでも日本語で表示されます。" in text_of(details)
    # The same choice again changes nothing and writes no second row.
    trainer_client.post("/i18n/setlang/", {"language": "ja", "next": "/profile/"})
    assert AuditEvent.objects.filter(action="trainer.language_changed").count() == 1


def test_an_unknown_language_changes_nothing(trainer_client, trainer):
    response = trainer_client.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    assert response.status_code == 302
    trainer.refresh_from_db()
    assert trainer.language == ""
    assert not AuditEvent.objects.filter(action="trainer.language_changed").exists()


def test_the_menu_is_post_only(client):
    assert client.get("/i18n/setlang/?language=de").status_code == 405


def test_accept_language_gives_japanese_to_a_visitor(client):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="ja,en;q=0.5")
    assert html_lang(page) == "ja"
    assert "MCT メンバーシップのすべてを 1 か所で" in text_of(page)
    english = client.get("/", HTTP_ACCEPT_LANGUAGE="fr")  # not offered: the default
    assert html_lang(english) == "en"
    assert "Your MCT membership, in one place" in text_of(english)


def test_the_saved_choice_beats_accept_language_and_the_cookie(trainer_client, trainer):
    Trainer.objects.filter(pk=trainer.pk).update(language="de")
    trainer_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = trainer_client.get("/help/", HTTP_ACCEPT_LANGUAGE="ja")
    assert html_lang(page) == "de"
    assert "Fragen zu den Anträgen" in text_of(page)


def test_staff_pages_stay_english(client, support_user):
    client.force_login(support_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ja"
    page = client.get("/support/", follow=True)
    assert page.status_code == 200
    assert html_lang(page) == "en"


def test_dates_follow_the_language(client, demo):
    renewing = demo.trainer("renew@demo.mct")
    year = verification_membership(trainer=renewing)
    url = f"/verify/{renewing.verification_code}/"
    day = year.anniversary_on
    english = text_of(client.get(url))
    assert f"{day.day} {day.strftime('%B')} {day.year}" in english
    japanese = text_of(client.get(url, HTTP_ACCEPT_LANGUAGE="ja"))
    assert f"{day.year}年{day.month}月{day.day}日" in japanese
    german = text_of(client.get(url, HTTP_ACCEPT_LANGUAGE="de"))
    assert f"{day.day}. " in german and str(day.year) in german


# ---------------------------------------------------------------- the accessibility statement


def test_every_page_links_the_accessibility_statement(client, trainer_client):
    for page in (client.get("/"), client.get("/help/"), trainer_client.get("/profile/")):
        footer = page.content.decode().split('<footer class="site-footer">')[1]
        assert 'href="/accessibility/"' in footer


@pytest.mark.parametrize(
    ("language", "heading", "standard"),
    [
        ("en", "Accessibility statement", "(WCAG) 2.2 at level AA"),
        ("de", "Erklärung zur Barrierefreiheit", "(WCAG) 2.2 auf Stufe AA"),
        ("ja", "アクセシビリティに関する声明", "2.2 のレベル AA"),
    ],
)
def test_the_accessibility_statement_in_each_language(
    client, settings, language, heading, standard
):
    settings.SUPPORT_EMAIL = "mct-support@example.com"
    page = client.get("/accessibility/", HTTP_ACCEPT_LANGUAGE=language)
    assert page.status_code == 200 and html_lang(page) == language
    text = text_of(page)
    assert heading in text and standard in text
    assert "mct-support@example.com" in text  # how to report a problem
    assert 'href="/help/#feedback"' in page.content.decode()
