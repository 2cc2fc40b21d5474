from django.conf import settings
from django.core.cache import cache
from rest_framework import authentication, exceptions

from overlay.api.principal import ClientUser
from overlay.models import ApiClient
from overlay.services import hash_token, token_cache_key


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
        digest = hash_token(token)
        key = token_cache_key(digest)
        user = cache.get(key)
        if user is None:
            client = ApiClient.objects.filter(token_hash=digest, is_active=True).first()
            if client is None:
                raise exceptions.AuthenticationFailed("Invalid or revoked token.")
            user = ClientUser(client.pk, client.name, client.channel, frozenset(client.scopes))
            cache.set(key, user, settings.API_TOKEN_CACHE_SECONDS)
        return user, user

    def authenticate_header(self, request):
        return f'{self.keyword} realm="overlay"'
