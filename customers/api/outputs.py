"""TMF629 Customer, TMF632 Individual and Organization, TMF637 Product output shapes, for the OpenAPI schema only.

``representations.py`` builds the bodies; the statuses are those it answers (TMF629's customer
statuses are Overlay's own, ``deceased`` included; TMF632's spell ``deceaded``).
"""

from rest_framework import serializers

from customers.models import Consent as ConsentRow
from customers.models import Customer, HeldProduct
from overlay.api.outputs import Money, Ref, number, one_of, shape, text, timestamp

MediumCharacteristic = shape(
    "ContactMediumCharacteristic",
    {
        "emailAddress": text(False),
        "phoneNumber": text(False),
        "street1": text(False),
        "postCode": text(False),
        "city": text(False),
    },
)
ContactMedium = shape(
    "ContactMedium",
    {
        "mediumType": one_of("email", "mobile", "postalAddress"),
        "preferred": serializers.BooleanField(required=False),
        "characteristic": MediumCharacteristic(),
    },
)
Characteristic = shape("Characteristic", {"name": text(), "valueType": text(), "value": text()})
ExternalReference = shape("ExternalReference", {"externalReferenceType": text(), "name": text()})
CUSTOMER_STATUSES = [s for s in Customer.Status.values if s != Customer.Status.PROSPECT]  # prospects are no customers

CustomerOutput = shape(
    "Customer",
    {
        "id": text(),
        "href": text(),
        "name": text(),
        "status": serializers.ChoiceField(choices=CUSTOMER_STATUSES),
        "engagedParty": Ref(),
        "contactMedium": ContactMedium(many=True, required=False),
        "account": Ref(many=True, required=False),
        "characteristic": Characteristic(many=True, required=False),
        "@type": text(),
    },
)
IndividualOutput = shape(
    "Individual",
    {
        "id": text(),
        "href": text(),
        "givenName": text(False),
        "familyName": text(False),
        "fullName": text(),
        "birthDate": text(False),  # a date, or (masked) only its year
        "status": one_of("initialized", "validated", "deceaded"),
        "contactMedium": ContactMedium(many=True, required=False),
        "externalReference": ExternalReference(many=True, required=False),
        "@type": text(),
    },
)
OrganizationOutput = shape(
    "Organization",
    {
        "id": text(),
        "href": text(),
        "tradingName": text(),
        "name": text(),
        "status": one_of("initialized", "validated", "closed"),
        "contactMedium": ContactMedium(many=True, required=False),
        "externalReference": ExternalReference(many=True, required=False),
        "@type": text(),
    },
)
Price = shape(
    "Price",
    {"dutyFreeAmount": Money(required=False), "taxIncludedAmount": Money(required=False), "taxRate": number(False)},
)
ProductPrice = shape(
    "ProductPrice",
    {
        "name": text(),
        "priceType": text(),  # recurring, oneTime or usage
        "recurringChargePeriod": text(False),
        "unitOfMeasure": text(False),
        "price": Price(),
        "productOfferingPrice": Ref(),
        "productPriceAlteration": shape(
            "PriceAlteration", {"name": text(), "description": text(False), "priceType": text(), "price": Price()}
        )(many=True, required=False),
        "@type": text(),
    },
)
ProductOutput = shape(
    "Product",
    {
        "id": text(),
        "href": text(),
        "name": text(),
        "status": serializers.ChoiceField(choices=HeldProduct.Status.values),
        "isCustomerVisible": serializers.BooleanField(),
        "productSerialNumber": text(False),
        "startDate": timestamp(False),
        "terminationDate": timestamp(False),
        "productOffering": Ref(required=False),  # unknown for a product whose code no tariff names
        "productPrice": ProductPrice(many=True),
        "productCharacteristic": Characteristic(many=True),
        "billingAccount": Ref(required=False),
        "relatedParty": shape("RelatedParty", {**Ref._declared_fields, "role": text(False)})(many=True),
        "@type": text(),
    },
)


# --- Overlay extensions ------------------------------------------------------------------
CustomerToken = shape(
    "CustomerToken",
    {
        "token": text(),
        "expiresAt": timestamp(),
        "customer": Ref(),
        "signIn": one_of("known", "linked", "registered", required=False),
    },
)
Consent = shape(
    "Consent",
    {
        "purpose": serializers.ChoiceField(choices=ConsentRow.Purpose.values),
        "granted": serializers.BooleanField(),
        "recordedAt": timestamp(),
        "source": text(),
    },
)
SearchHit = shape(
    "CustomerSearchHit",
    {
        "id": text(),
        "href": text(),
        "name": text(),
        "postcode": text(False),
        "city": text(False),
        "email": text(False),
        "phone": text(False),
        "birthDate": text(False),  # a date, or (masked) only its year
        "segment": text(False),
        "systems": serializers.ListField(child=text()),
        "matchedBy": text(),
        "score": serializers.FloatField(),
    },
)
SearchResult = shape("CustomerSearchResult", {"stage": text(), "result": SearchHit(many=True)})
