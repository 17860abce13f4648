"""`Authorization: Bearer <token>`, looked up by the token's SHA-256 digest in one query; one not
used for `token_idle_days` is refused (accounts.services.token_in_use)."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from accounts.conf import conf
from accounts.models import AuthToken, token_digest
from accounts.selectors import token_owner
from accounts.services import TokenExpired, token_in_use


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Any) -> tuple[Any, AuthToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Send the header as 'Authorization: Bearer <token>'.")
        try:
            token = header[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed("The token is not valid.") from exc
        found = token_owner(token_digest(token))
        if found is None:
            raise exceptions.AuthenticationFailed("The token is not valid; sign in again.")
        try:
            token_in_use(token=found[1])
        except TokenExpired as exc:
            days = conf().token_idle_days
            raise exceptions.AuthenticationFailed(
                f"This sign-in was not used for {days} days and has expired; sign in again."
            ) from exc
        return found

    def authenticate_header(self, request: Any) -> str:
        return f'{self.keyword} realm="api"'


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.BearerTokenAuthentication"
    name = "bearer"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer"}
