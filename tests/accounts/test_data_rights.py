"""A person's data rights, as they use them: DELETE /me (and DELETE /cameo) refuse a query they
cannot read rather than guess, and GET /me/export holds what the service keeps of them."""

import pytest

from accounts.models import User
from cameos.models import Cameo

pytestmark = pytest.mark.django_db
ME = "/api/v1/me"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("appearance=delete", "appearance"),  # misspelt: erasing with `keep` would keep every video of me
        ("appearances=delete&appearances=keep", "appearances"),  # which one?
        ("appearances=keep&appearances=keep", "appearances"),
    ],
)
@pytest.mark.parametrize("path", [ME, "/api/v1/cameo"])
def test_an_erasure_with_a_query_it_cannot_read_is_a_400_and_erases_nothing(
    api, me, activate_cameo, path, query, field
):
    activate_cameo(me)
    response = api.delete(f"{path}?{query}")
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid"
    assert list(body["fields"]) == [field]
    assert User.objects.filter(pk=me.pk).exists()
    assert Cameo.objects.filter(owner=me).exists()
    assert api.get(ME).status_code == 200


def test_anonymous_has_no_export(anon):
    response = anon.get(f"{ME}/export")
    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"
