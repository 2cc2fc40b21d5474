import factory
from django.utils import timezone

from care.models import TroubleTicket
from knowledge.models import TicketCategory
from tests.factories.customers import HeldProductFactory


def category(code: str = "no-service") -> TicketCategory:
    """One of the categories the data migration seeds."""
    return TicketCategory.objects.get(code=code)


class TroubleTicketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TroubleTicket

    held_product = factory.SubFactory(HeldProductFactory)
    customer = factory.LazyAttribute(lambda t: t.held_product.customer)
    category = factory.LazyFunction(category)
    name = factory.Sequence(lambda n: f"No service {n:03d}")
    description = "The line has been dead since this morning."
    severity = TroubleTicket.Severity.MAJOR
    status_changed_at = factory.LazyFunction(timezone.now)
    channel = "web"
    created_by = "test"
    system = factory.LazyAttribute(lambda t: t.held_product.system)
