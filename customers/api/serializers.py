"""TMF629 / TMF632 input: contact media normalised and checked, then domain dicts for the services."""

from rest_framework import serializers

from customers.models import HeldProduct
from customers.normalise import normalise_email, normalise_phone, normalise_postcode
from overlay.api.serializers import CharacteristicValueInput


class MediumCharacteristicInput(serializers.Serializer):
    emailAddress = serializers.CharField(required=False, max_length=254)
    phoneNumber = serializers.CharField(required=False, max_length=40)
    street1 = serializers.CharField(required=False, max_length=200, allow_blank=True)
    postCode = serializers.CharField(required=False, max_length=20, allow_blank=True)
    city = serializers.CharField(required=False, max_length=100, allow_blank=True)


class ContactMediumInput(serializers.Serializer):
    mediumType = serializers.CharField(max_length=30)
    preferred = serializers.BooleanField(required=False)
    characteristic = MediumCharacteristicInput()


def contact_fields(media: list[dict]) -> dict:
    """e-mail, phone and postal address from TMF contact media, normalised; bad values are a 400."""
    values: dict = {}
    for medium in media:
        found = medium["characteristic"]
        if "emailAddress" in found:
            email = normalise_email(found["emailAddress"])
            if not email:
                raise serializers.ValidationError(
                    {"contactMedium": f"'{found['emailAddress']}' is not an e-mail address."}
                )
            values["email"] = email
        if "phoneNumber" in found:
            phone = normalise_phone(found["phoneNumber"])
            if not phone:
                raise serializers.ValidationError({"contactMedium": f"'{found['phoneNumber']}' is not a phone number."})
            values["phone"] = phone
        if "street1" in found:
            values["street"], values["house_number"] = found["street1"], ""
        if "postCode" in found:
            values["postcode"] = normalise_postcode(found["postCode"])
        if "city" in found:
            values["city"] = found["city"]
    return values


class PartyInput(serializers.Serializer):
    contactMedium = ContactMediumInput(many=True, required=False)
    # The spec's status that ends a party, and Overlay's word for it; the others are derived.
    ended: tuple[str, str] = ("", "")

    def validate(self, attrs):
        attrs.update(contact_fields(attrs.pop("contactMedium", [])))
        tmf_word, overlay_word = self.ended
        if tmf_word and attrs.pop("status", None) == tmf_word:
            attrs["status"] = overlay_word
        return attrs


class IndividualInput(PartyInput):
    givenName = serializers.CharField(max_length=100, source="given_name")
    familyName = serializers.CharField(max_length=100, source="family_name")
    birthDate = serializers.DateField(required=False, allow_null=True, source="birth_date")
    # TMF632 v4 IndividualStateType (the spec spells 'deceaded').
    status = serializers.ChoiceField(choices=["initialized", "validated", "deceaded"], required=False)
    ended = ("deceaded", "deceased")


class OrganizationInput(PartyInput):
    tradingName = serializers.CharField(max_length=200, source="organization_name")
    status = serializers.ChoiceField(choices=["initialized", "validated", "closed"], required=False)
    ended = ("closed", "closed")


class PartyRefInput(serializers.Serializer):
    id = serializers.CharField(max_length=64)


class CharacteristicInput(serializers.Serializer):
    name = serializers.ChoiceField(choices=["segment"])
    value = serializers.SlugField(max_length=30)


class CustomerInput(PartyInput):
    name = serializers.CharField(max_length=200)
    engagedParty = PartyRefInput()
    status = serializers.ChoiceField(choices=["active", "suspended", "closed"], required=False)
    characteristic = CharacteristicInput(many=True, required=False)

    def validate(self, attrs):
        attrs = super().validate(attrs)
        attrs.pop("name", None)  # the customer's name is its party's
        if "engagedParty" in attrs:  # always on create; a PATCH may leave it out
            attrs["party_id"] = attrs.pop("engagedParty")["id"]
        for item in attrs.pop("characteristic", []):
            attrs[item["name"]] = item["value"]
        return attrs


class ProductInput(serializers.Serializer):
    """TMF637 Product_Create / Product_Update: what Overlay keeps of a product a customer holds."""

    name = serializers.CharField(max_length=200)
    status = serializers.ChoiceField(choices=HeldProduct.Status.values, required=False)
    productSerialNumber = serializers.CharField(max_length=100, required=False, source="external_id")
    productOffering = PartyRefInput(required=False)
    productCharacteristic = CharacteristicValueInput(many=True, required=False, max_length=50)
    relatedParty = PartyRefInput(many=True, required=False, max_length=5)
    billingAccount = PartyRefInput(required=False)
    startDate = serializers.DateTimeField(required=False, allow_null=True, source="start_date")
    terminationDate = serializers.DateTimeField(required=False, allow_null=True, source="termination_date")

    def validate(self, attrs):
        if "productCharacteristic" in attrs:
            characteristics = {}
            for item in attrs.pop("productCharacteristic"):
                if item["name"] in characteristics:
                    raise serializers.ValidationError({"productCharacteristic": f"'{item['name']}' twice."})
                characteristics[item["name"]] = item["value"]
            attrs["characteristics"] = characteristics
        if "relatedParty" in attrs:
            parties = attrs.pop("relatedParty")
            if len(parties) != 1:
                raise serializers.ValidationError({"relatedParty": "name exactly one customer."})
            attrs["customer_id"] = parties[0]["id"]
        if "productOffering" in attrs:
            attrs["offering_id"] = attrs.pop("productOffering")["id"]
        if "billingAccount" in attrs:
            attrs["billing_account_ref"] = attrs.pop("billingAccount")["id"]
        start, end = attrs.get("start_date"), attrs.get("termination_date")
        if start and end and end < start:
            raise serializers.ValidationError({"terminationDate": "is before startDate."})
        return attrs
