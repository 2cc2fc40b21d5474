import factory
from django.utils import timezone

from care.models import TroubleTicket
from knowledge.models import TicketCategory
from tests.factories.customers import HeldProductFactory

CODES = ("no-service", "slow-connection", "damaged-device", "billing-question", "other")


def categories() -> None:
    """The categories the data migration seeds, again: a transactional test before may have emptied the tables."""
    for code in CODES:
        TicketCategory.objects.get_or_create(code=code, defaults={"name": code.replace("-", " ").capitalize()})


def category(code: str = "no-service") -> TicketCategory:
    categories()
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
