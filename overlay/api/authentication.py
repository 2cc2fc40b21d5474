from django.conf import settings
from django.core.cache import cache
from rest_framework import authentication, exceptions

from overlay.models import ApiClient
from overlay.principal import ClientUser, CustomerUser
from overlay.services import CUSTOMER_TOKEN_PREFIX, customer_token_read, hash_token, token_cache_key


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <token>`` for channel applications.

    A verified token is remembered for ``API_TOKEN_CACHE_SECONDS`` so that a
    busy channel does not cost a query per request; revoking a client deletes
    that entry.
    """

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Malformed Authorization header; expected 'Bearer <token>'.")
        try:
            token = header[1].decode()
        except UnicodeError as error:
            raise exceptions.AuthenticationFailed("Malformed bearer token.") from error
        if token.startswith(CUSTOMER_TOKEN_PREFIX):
            return self._customer(token)
        user = self._client(token)
        return user, user

    def _client(self, token: str) -> ClientUser:
        digest = hash_token(token)
        key = token_cache_key(digest)
        user = cache.get(key)
        if user is None:
            client = ApiClient.objects.filter(token_hash=digest, is_active=True).first()
            if client is None:
                raise exceptions.AuthenticationFailed("Invalid or revoked token.")
            user = ClientUser(client.pk, client.name, client.channel, frozenset(client.scopes))
            cache.set(key, user, settings.API_TOKEN_CACHE_SECONDS)
        return user

    def _customer(self, token: str):
        claims = customer_token_read(token)
        if claims is None:
            raise exceptions.AuthenticationFailed("Invalid or expired customer token.")
        client = ApiClient.objects.filter(pk=claims["k"], is_active=True).values("name").first()
        if client is None:
            raise exceptions.AuthenticationFailed("The application that issued this token was revoked.")
        user = CustomerUser(claims["k"], client["name"], claims["ch"], frozenset(), customer_id=claims["c"])
        return user, user

    def authenticate_header(self, request):
        return f'{self.keyword} realm="overlay"'
