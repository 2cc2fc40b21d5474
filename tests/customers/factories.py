import factory

from customers.models import BillingAccount, Customer, CustomerLink, HeldProduct


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    given_name = factory.Sequence(lambda n: f"Given{n:03d}")
    family_name = factory.Sequence(lambda n: f"Family{n:03d}")
    email = factory.Sequence(lambda n: f"person{n}@example.com")
    phone = factory.Sequence(lambda n: f"+316{n:08d}")
    postcode = "1011AB"
    segment = "consumer"


class LinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerLink

    customer = factory.SubFactory(CustomerFactory)
    system = "crm"
    external_id = factory.Sequence(lambda n: f"C{n:08d}")
    linked_by = "new"
    source_hash = "x"


class BillingAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BillingAccount

    customer = factory.SubFactory(CustomerFactory)
    system = "crm"
    external_id = factory.Sequence(lambda n: f"A{n:08d}")
    source_hash = "x"


class HeldProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HeldProduct

    customer = factory.SubFactory(CustomerFactory)
    system = "mobile"
    external_id = factory.Sequence(lambda n: f"SUB-{n}")
    name = factory.Sequence(lambda n: f"Mobile plan {n:03d}")
    characteristics = factory.Sequence(lambda n: {"MSISDN": f"+316{n:08d}"})
    source_hash = "x"
