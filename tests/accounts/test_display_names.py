"""A display name shows something and reads as written: one made only of invisible characters (a blank
that passes for a name), holding a bidi control (a name shown reversed) or a control character (a
line break, a tab, a terminal escape) is refused wherever it is set, and nothing is stored. Empty
stays allowed: no display name."""

import pytest
from django.test import Client

from accounts.models import User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register"
ME = "/api/v1/me"
INVISIBLE = "Use at least one visible character, or leave the display name empty."
CONTROL = "Remove the line breaks, tabs and other control characters: a name is one line of text."
BIDI = "Remove the characters that change the direction of text: they can make a name read as another."

NOTHING_VISIBLE = [
    "\u200b",  # ZERO WIDTH SPACE
    "\u200b\u200c\u200d\u2060",  # zero-width space, non-joiner, joiner, word joiner
    "\ufeff",  # ZERO WIDTH NO-BREAK SPACE (a BOM)
    "\u2800\u2800",  # BRAILLE PATTERN BLANK, drawn as a space
    " \u2800 ",
    "\u00ad\u00ad",  # SOFT HYPHEN
    "\u202e",  # RIGHT-TO-LEFT OVERRIDE alone
    "\u2066\u2069",  # an empty isolate
    "\u200e\u200f",  # LRM, RLM
    "\u3164",  # HANGUL FILLER (a letter by category, shown as nothing)
    "\U000e0041\U000e0042",  # tag characters
    " \u200b \u3000\u180e ",  # whitespace around format characters
]
DIRECTION_CONTROLS = [
    "\u202eAna Lima",  # RLO: shown "amiL anA"
    "Ana \u202dLima\u202c",  # LRO … PDF
    "Ana \u202bLima",  # RLE, unpaired
    "Ana \u2067Lima\u2069",  # RLI … PDI
    "Ana Lima\u2069",  # an unpaired PDI closes the isolate a client puts around the name
]
CONTROL_CHARACTERS = [
    "Ana\nLima",  # a line break: the name takes two lines wherever it is shown
    "Ana\r\nLima",
    "Ana\tLima",
    "\x1b[31mAna Lima",  # an ANSI escape: colours a terminal or a log that shows it
    "Ana\x07",  # BEL
    "Ana\x7fLima",  # DEL
    "Ana\x85Lima",  # NEXT LINE (C1)
    "Ana\x9b31mLima",  # CSI (C1)
    "Ana\u2028Lima",  # LINE SEPARATOR
    "Ana\u2029Lima",  # PARAGRAPH SEPARATOR
]
ACCEPTED = [
    ("Zoë 👩\u200d👩\u200d👧", "Zoë 👩\u200d👩\u200d👧"),  # ZWJ joins an emoji sequence
    ("Mehr\u200cnoosh", "Mehr\u200cnoosh"),
    ("می\u200cخواهم", "می\u200cخواهم"),  # ZWNJ: Persian spelling
    ("\u200fשרה כהן (Sara)", "\u200fשרה כהן (Sara)"),  # a mark places the brackets; it reverses nothing
    ("  Ana Lima  ", "Ana Lima"),
    ("", ""),
    ("   ", ""),  # blank: no display name, as before
]


def register(anon, display_name):  # type: ignore[no-untyped-def]
    body = {"handle": "new.person", "password": PASSWORD, "display_name": display_name, "birthdate": "1995-03-01"}
    return anon.post(REGISTER, body, format="json")


def refused(message: str) -> dict[str, object]:
    return {"error": "invalid", "detail": message, "fields": {"display_name": [message]}}


@pytest.mark.parametrize("name", NOTHING_VISIBLE)
def test_registering_with_an_invisible_display_name_is_refused_and_stores_nothing(anon, name):
    response = register(anon, name)

    assert response.status_code == 400
    assert response.json() == refused(INVISIBLE)
    assert not User.objects.exists()


@pytest.mark.parametrize("name", DIRECTION_CONTROLS)
def test_registering_with_a_bidi_control_in_the_display_name_is_refused_and_stores_nothing(anon, name):
    response = register(anon, name)

    assert response.status_code == 400
    assert response.json() == refused(BIDI)
    assert not User.objects.exists()


@pytest.mark.parametrize("name", CONTROL_CHARACTERS)
def test_registering_with_a_control_character_in_the_display_name_is_refused_and_stores_nothing(anon, name):
    response = register(anon, name)

    assert response.status_code == 400
    assert response.json() == refused(CONTROL)
    assert not User.objects.exists()


@pytest.mark.parametrize(("name", "stored"), ACCEPTED)
def test_visible_names_in_any_script_and_no_name_are_registered(anon, name, stored):
    response = register(anon, name)

    assert response.status_code == 201, response.json()
    assert response.json()["user"]["display_name"] == stored
    assert User.objects.get().display_name == stored


@pytest.mark.parametrize(
    ("name", "message"),
    [
        *((n, INVISIBLE) for n in NOTHING_VISIBLE),
        *((n, BIDI) for n in DIRECTION_CONTROLS),
        *((n, CONTROL) for n in CONTROL_CHARACTERS),
    ],
)
def test_changing_my_display_name_to_an_invisible_or_reversed_one_is_refused_and_keeps_mine(api, me, name, message):
    response = api.patch(ME, {"display_name": name}, format="json")

    assert response.status_code == 400
    assert response.json() == refused(message)
    me.refresh_from_db()
    assert me.display_name == "Me Myself"
    assert api.get(ME).json()["display_name"] == "Me Myself"


@pytest.mark.parametrize(("name", "stored"), ACCEPTED)
def test_changing_my_display_name_to_a_visible_one_or_none(api, me, name, stored):
    response = api.patch(ME, {"display_name": name}, format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["display_name"] == stored
    me.refresh_from_db()
    assert me.display_name == stored


def test_support_cannot_save_an_invisible_display_name_in_the_admin(make_user, me):
    staff = make_user("support.one")
    staff.is_staff = staff.is_superuser = True
    staff.save()
    support = Client()
    support.force_login(staff)
    form = {
        "handle": me.handle,
        "birthdate": me.birthdate.isoformat(),
        "is_active": "on",
        "date_joined_0": me.date_joined.date().isoformat(),
        "date_joined_1": me.date_joined.time().strftime("%H:%M:%S"),
    }

    for name in ("\u200b\u3164", "\u202eAna Lima"):
        page = support.post(f"/admin/accounts/user/{me.pk}/change/", {**form, "display_name": name})
        assert page.status_code == 200  # the form again, with the error
        assert "errorlist" in page.content.decode()
    me.refresh_from_db()
    assert me.display_name == "Me Myself"

    page = support.post(f"/admin/accounts/user/{me.pk}/change/", {**form, "display_name": "Ana Lima"})
    assert page.status_code == 302
    me.refresh_from_db()
    assert me.display_name == "Ana Lima"
