from customers.models import Customer, HeldProduct
from overlay.api.filters import TMFFilterSet


class CustomerFilterSet(TMFFilterSet):
    tmf_attributes = {
        "id": ("id", "text"),
        "status": ("status", "text"),
        "engagedParty.id": ("id", "text"),
        "contactMedium.characteristic.emailAddress": ("email", "text"),
        "contactMedium.characteristic.phoneNumber": ("phone", "text"),
        "contactMedium.characteristic.postCode": ("postcode", "text"),
        "account.name": ("billing_accounts__external_id", "text"),
    }

    class Meta:
        model = Customer
        fields = []


class IndividualFilterSet(TMFFilterSet):
    tmf_attributes = {
        "id": ("id", "text"),
        "givenName": ("given_name", "text"),
        "familyName": ("family_name", "text"),
        "birthDate": ("birth_date", "text"),
        "externalReference.name": ("links__external_id", "text"),
    }

    class Meta:
        model = Customer
        fields = []


class ProductFilterSet(TMFFilterSet):
    tmf_attributes = {
        "id": ("id", "text"),
        "name": ("name", "text"),
        "status": ("status", "text"),
        "productSerialNumber": ("external_id", "text"),
        "relatedParty.id": ("customer_id", "text"),
        "billingAccount.id": ("billing_account_ref", "text"),
        "productOffering.id": ("offering_id", "text"),
        "startDate": ("start_date", "datetime"),
    }

    class Meta:
        model = HeldProduct
        fields = []


class OrganizationFilterSet(TMFFilterSet):
    tmf_attributes = {
        "id": ("id", "text"),
        "tradingName": ("organization_name", "text"),
        "externalReference.name": ("links__external_id", "text"),
    }

    class Meta:
        model = Customer
        fields = []
