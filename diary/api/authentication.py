"""API token authentication: django-rest-knox's, with a header that is not text
refused as any bad token is (401 in the API's error format), not a 500."""

from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from rest_framework.exceptions import AuthenticationFailed


class TokenAuthentication(KnoxTokenAuthentication):
    def authenticate(self, request):
        try:
            return super().authenticate(request)
        except UnicodeError:
            raise AuthenticationFailed(
                "Invalid token header: the token holds characters that are not text."
            ) from None


class TokenScheme(KnoxTokenScheme):
    """The OpenAPI security scheme of the tokens, as drf-spectacular gives knox's."""

    target_class = "diary.api.authentication.TokenAuthentication"
