"""`manage.py handles_check`: support finds the accounts whose handle the policy refuses, taken before
handles were checked (every prompt that mentions such a person is refused)."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from moderation import consent

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("handles_check", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_it_lists_the_active_handles_the_policy_refuses_and_changes_nothing(make_user):
    make_user("dana.k")
    make_user("kill.bill.fan")  # a film title is fine
    # Taken before handles were checked: written as the database held them.
    old = User.objects.create(handle="slit.my.wrists")
    User.objects.create(handle="naked.teen.pics", is_active=False)  # support closed it already
    assert not consent.check(make_user("author"), "@slit.my.wrists surfing").allowed  # why it matters

    out, err = run()

    assert out.splitlines() == [f"slit.my.wrists\t{old.pk}\tself-harm or suicide"]
    assert err.strip() == "1 handle the policy refuses."
    assert User.objects.filter(handle="slit.my.wrists", is_active=True).exists()


def test_with_none_to_list_it_says_so_and_refuses_arguments_it_does_not_take(make_user):
    make_user("dana.k")
    assert run() == ("", "0 handles the policy refuses.\n")
    with pytest.raises(CommandError):
        call_command("handles_check", "--delete")
