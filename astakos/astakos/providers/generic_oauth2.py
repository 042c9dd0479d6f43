"""A plain OAuth2 authorization-code backend whose URLs come from settings.

For any OAuth2 server with a user-info endpoint (Keycloak, Gitea, a campus
SSO) and for the tests, which run such a server on loopback.
"""

from __future__ import annotations

from typing import Any

from social_core.backends.oauth import BaseOAuth2


class GenericOAuth2(BaseOAuth2):
    name = "generic-oauth2"
    ACCESS_TOKEN_METHOD = "POST"
    STATE_PARAMETER = True
    REDIRECT_STATE = False
    DEFAULT_SCOPE = ["openid", "email", "profile"]
    EXTRA_DATA = [("sub", "id")]

    def authorization_url(self) -> str:
        return self.setting("AUTHORIZATION_URL")

    def access_token_url(self) -> str:
        return self.setting("ACCESS_TOKEN_URL")

    def get_user_id(self, details: dict[str, Any], response: dict[str, Any]) -> str:
        return str(response.get("sub") or response.get("id") or "")

    def get_user_details(self, response: dict[str, Any]) -> dict[str, Any]:
        return {"username": response.get("preferred_username") or response.get("email", ""),
                "email": response.get("email", ""),
                "first_name": response.get("given_name", ""),
                "last_name": response.get("family_name", ""),
                "fullname": response.get("name", "")}

    def user_data(self, access_token: str, *args, **kwargs) -> dict[str, Any]:
        return self.get_json(self.setting("USERINFO_URL"),
                             headers={"Authorization": f"Bearer {access_token}"})
