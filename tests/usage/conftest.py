import pytest

from tests.usage.statement_data import november_estate, partner_offerings


@pytest.fixture
def partner_services(db):
    """Two partners' services and one of the operator's own (``statement_data.partner_offerings``)."""
    return partner_offerings()


@pytest.fixture
def partner_estate(partner_services):
    """A November of partner products in and out of service, with their rated periods."""
    return november_estate(partner_services)
