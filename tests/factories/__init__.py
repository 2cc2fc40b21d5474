"""Test data, made the way each app's tests need it: factory_boy factories per app and small builders.

Import from here (``tests.factories.catalog``, ``.customers``, ``.carts``, ``.orders``, ``.users``),
never from another test module or a conftest; fixtures that wire them together are in ``tests/fixtures``.
"""
