"""Django's Redis cache, with one client object per connection pool instead of one per cache call.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` around the pool on every call, and
redis-py's constructor copies its table of about 250 response callbacks into a case-insensitive dict each
time: about 150 µs of CPU per cache call, more than the round trip itself on loopback (measured with
``bench/catalog/inprocess.py``). A ``redis.Redis`` is safe to share between threads (each command takes a
connection from the pool), and the pool notices a fork, so one per pool serves the whole process.
"""

from django.core.cache.backends import redis


class RedisCacheClient(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            if index not in self._pools:
                self._pools[index] = self._pool_class.from_url(self._servers[index], **self._pool_options)
            client = self._clients[index] = self._client(connection_pool=self._pools[index])
        return client


class RedisCache(redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
