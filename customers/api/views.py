"""TMF629 customer, TMF632 individual, TMF637 product, customer tokens, consents and search.

The 360° view composes every app's data: it lives above them, in ``console``.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from customers import selectors, services
from customers.api import outputs, representations
from customers.api.filters import CustomerFilterSet, IndividualFilterSet, OrganizationFilterSet, ProductFilterSet
from customers.api.serializers import CustomerInput, IndividualInput, OrganizationInput, ProductInput
from customers.identity import Outcome, VouchedIdentity, identity_sign_in
from customers.models import Consent, Customer
from customers.search import CustomerSearch, customer_search
from customers.services import Actor
from overlay.api.permissions import AuthenticatedPrincipal, ScopedPermission, StaffOrApplicationScoped
from overlay.api.principal import principal_of
from overlay.api.representation import timestamp
from overlay.api.views import RepresentationContext, TMFResourceViewSet
from overlay.errors import Conflict, NotFound, UnprocessableEntity
from overlay.services import customer_token_issue
from overlay.tmf import CUSTOMER, INVENTORY, PARTY


class ReadOnlyResource(TMFResourceViewSet):
    """Reads for whoever may see customers; writes answer 405."""

    read_scope = "customers:read"
    write_scope = None
    http_method_names = ["get", "head", "options"]

    @property
    def actor(self) -> Actor:
        principal = self.principal
        return Actor(channel=principal.channel, name=principal.actor, is_staff=principal.is_staff)


class ManagedResource(ReadOnlyResource):
    """Customer management: applications with customers:write, agents and supervisors (edits recorded)."""

    write_scope = "customers:write"
    http_method_names = ["get", "head", "options", "post", "patch", "delete"]


class PartyViewSet(ManagedResource):
    kind = Customer.Kind.INDIVIDUAL

    def get_queryset(self):
        return selectors.customers_visible(self.principal).filter(kind=self.kind)

    def with_related(self, queryset):
        return selectors.customers_with_related(queryset)

    def perform_create(self, data):
        return services.party_create(data, kind=self.kind, actor=self.actor)

    def perform_update(self, obj, data):
        return services.party_update(obj, data, actor=self.actor)

    def perform_destroy(self, obj):
        services.party_delete(obj, actor=self.actor)


class SelfOrScoped(ScopedPermission):
    """As ScopedPermission; besides, a customer may PATCH their own record (the view checks what and whose)."""

    def has_permission(self, request, view) -> bool:
        principal = principal_of(request)
        if principal is not None and principal.customer_id is not None and request.method == "PATCH":
            return True
        return super().has_permission(request, view)


class IndividualViewSet(PartyViewSet):
    resource_type = "Individual"
    output_serializer_class = outputs.IndividualOutput
    base_path = f"{PARTY.base}/individual"
    filterset_class = IndividualFilterSet
    create_serializer_class = IndividualInput
    update_serializer_class = IndividualInput
    permission_classes = [SelfOrScoped]

    def represent(self, obj, ctx):
        return representations.individual(obj, ctx)

    def perform_update(self, obj, data):
        if self.principal.customer_id is not None:  # only their own: others are not even visible (404)
            return services.own_contact_update(obj, data, actor=self.actor)
        return super().perform_update(obj, data)


class OrganizationViewSet(PartyViewSet):
    resource_type = "Organization"
    output_serializer_class = outputs.OrganizationOutput
    base_path = f"{PARTY.base}/organization"
    filterset_class = OrganizationFilterSet
    create_serializer_class = OrganizationInput
    update_serializer_class = OrganizationInput
    kind = Customer.Kind.ORGANIZATION

    def represent(self, obj, ctx):
        return representations.organization(obj, ctx)


class CustomerViewSet(ManagedResource):
    resource_type = "Customer"
    output_serializer_class = outputs.CustomerOutput
    base_path = f"{CUSTOMER.base}/customer"
    filterset_class = CustomerFilterSet
    create_serializer_class = CustomerInput
    update_serializer_class = CustomerInput

    def get_queryset(self):
        return selectors.customers_visible(self.principal).exclude(status=Customer.Status.PROSPECT)

    def with_related(self, queryset):
        return selectors.customers_with_related(queryset)

    def represent(self, obj, ctx):
        return representations.customer(obj, ctx)

    def perform_create(self, data):
        party_id = data.pop("party_id")
        visible = selectors.customers_visible(self.principal)
        return services.customer_role_grant(party_id, data, visible, actor=self.actor)

    def perform_update(self, obj, data):
        if data.pop("party_id", obj.pk) != obj.pk:
            raise UnprocessableEntity("A customer's engagedParty cannot change.")
        return services.party_update(obj, data, actor=self.actor)

    def perform_destroy(self, obj):
        services.customer_role_end(obj, actor=self.actor)


class ProductViewSet(ManagedResource):
    """TMF637 product: every channel reads; customer managers record products no back-office system keeps."""

    resource_type = "Product"
    output_serializer_class = outputs.ProductOutput
    base_path = f"{INVENTORY.base}/product"
    filterset_class = ProductFilterSet
    create_serializer_class = ProductInput
    update_serializer_class = ProductInput

    def get_queryset(self):
        return selectors.held_products_visible(self.principal).order_by("customer_id", "system", "external_id")

    def with_related(self, queryset):
        return selectors.held_products_with_related(queryset)

    def represent(self, obj, ctx):
        return representations.product(obj, ctx)

    def perform_create(self, data):
        return services.product_create(data, selectors.customers_visible(self.principal), actor=self.actor)

    def perform_update(self, obj, data):
        return services.product_update(obj, data, actor=self.actor)

    def perform_destroy(self, obj):
        services.product_delete(obj, actor=self.actor)


class IdentityInput(serializers.Serializer):
    """The user a storefront signed in, as its identity provider's ID token says (OpenID Connect claims)."""

    sub = serializers.CharField(max_length=100, required=False, allow_blank=True, help_text="Your stable id for them.")
    email = serializers.CharField(max_length=254, required=False, allow_blank=True)
    email_verified = serializers.BooleanField(required=False, default=False)
    phone_number = serializers.CharField(max_length=40, required=False, allow_blank=True)
    phone_number_verified = serializers.BooleanField(required=False, default=False)
    given_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    family_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        return VouchedIdentity.of(
            subject=attrs.get("sub", ""),
            email=attrs.get("email", ""),
            email_verified=attrs["email_verified"],
            phone=attrs.get("phone_number", ""),
            phone_verified=attrs["phone_number_verified"],
            given_name=attrs["given_name"],
            family_name=attrs["family_name"],
        )


class CustomerTokenInput(serializers.Serializer):
    customer = serializers.DictField(
        child=serializers.CharField(max_length=64), required=False, help_text="An Overlay customer id you know."
    )
    identity = IdentityInput(required=False, help_text="Or the user you signed in: Overlay finds their customer.")
    register = serializers.BooleanField(
        required=False, default=False, help_text="Create a prospect when nobody matches (customers:register)."
    )

    def validate_customer(self, value):
        if "id" not in value:
            raise serializers.ValidationError("needs an id.")
        return value

    def validate(self, attrs):
        if ("customer" in attrs) == ("identity" in attrs):
            raise serializers.ValidationError("name the customer (customer.id) or the user you signed in (identity).")
        return attrs


class AmbiguousIdentity(Conflict):
    code = "ambiguousIdentity"
    reason = "The identity matches several customers"


class UnknownIdentity(NotFound):
    code = "unknownIdentity"
    reason = "No customer matches the identity"


class CustomerTokenView(APIView):
    """``POST /api/v1/auth/customer-token``: a channel application exchanges the customer it signed in for a
    customer token: by Overlay's id, or by the identity it vouches for (``customers.identity``)."""

    read_scope = None
    write_scope = "customers:token"
    serializer_class = CustomerTokenInput

    @extend_schema(request=CustomerTokenInput, responses={201: outputs.CustomerToken})
    def post(self, request):
        serializer = CustomerTokenInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        principal = principal_of(request)
        outcome = None
        if "customer" in data:
            customer_id = data["customer"]["id"]
            if not Customer.objects.filter(pk=customer_id).exists():
                raise UnprocessableEntity(f"No customer '{customer_id}'.")
        else:
            if data["register"] and not principal.has_scope("customers:register"):
                raise PermissionDenied("Registering new customers needs customers:register.")
            signed_in = identity_sign_in(
                application_id=principal.user.client_id,
                channel=principal.channel,
                identity=data["identity"],
                may_register=data["register"],
            )
            if signed_in.outcome == Outcome.AMBIGUOUS:
                raise AmbiguousIdentity(
                    "This user matches several customers; an agent will decide who they are. Try again later."
                )
            if signed_in.outcome == Outcome.UNKNOWN:
                raise UnknownIdentity("No customer matches this user; ask to register them (register: true).")
            customer_id, outcome = signed_in.customer.pk, str(signed_in.outcome)
        issued = customer_token_issue(
            client_id=principal.user.client_id, channel=principal.channel, customer_id=customer_id
        )
        body = {"token": issued.token, "expiresAt": timestamp(issued.expires_at), "customer": {"id": customer_id}}
        if outcome:
            body["signIn"] = outcome
        return Response(body, status=status.HTTP_201_CREATED)


class CustomerSearchInput(serializers.Serializer):
    q = serializers.CharField(min_length=2, max_length=200)
    postcode = serializers.CharField(required=False, max_length=20)
    birthDate = serializers.DateField(required=False, source="birth_date")
    segment = serializers.SlugField(required=False)
    system = serializers.SlugField(required=False)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=100, default=20)


class CustomerSearchView(APIView):
    """``GET /api/v1/customers/search?q=``: identifiers first, then names; masked unless entitled to PII.

    For channel applications and staff: a customer token has nobody to look for."""

    permission_classes = [StaffOrApplicationScoped]
    read_scope = "customers:read"
    write_scope = None

    @extend_schema(parameters=[CustomerSearchInput], responses={200: outputs.SearchResult})
    def get(self, request):
        params = CustomerSearchInput(data=request.query_params)
        params.is_valid(raise_exception=True)
        values = params.validated_data
        principal = principal_of(request)
        stage, hits = customer_search(
            principal,
            CustomerSearch(
                text=values["q"],
                postcode=values.get("postcode", ""),
                birth_date=values.get("birth_date"),
                segment=values.get("segment", ""),
                system=values.get("system", ""),
                limit=values["limit"],
            ),
        )
        ctx = RepresentationContext(request)
        return Response({"stage": stage, "result": [representations.search_hit(hit, ctx) for hit in hits]})


class ConsentInput(serializers.Serializer):
    purpose = serializers.ChoiceField(choices=Consent.Purpose.values)
    granted = serializers.BooleanField()


def consent_body(consent: Consent) -> dict:
    return {
        "purpose": consent.purpose,
        "granted": consent.granted,
        "recordedAt": timestamp(consent.recorded_at),
        "source": consent.source,
    }


class ConsentsView(APIView):
    """``/api/v1/customers/{id}/consents``: read them, or record an answer (the customer themself, or staff and
    applications allowed to manage customers); every answer keeps its time and channel."""

    permission_classes = [AuthenticatedPrincipal]

    def _customer(self, request, customer_id: str, *, write: bool) -> Customer:
        principal = principal_of(request)
        if principal.customer_id is None:  # a customer reaches their own (and no one else: 404 below)
            if not principal.has_scope("customers:read"):
                raise PermissionDenied("Your credentials do not grant reading customers.")
            if write and not principal.has_scope("customers:write"):
                raise PermissionDenied("Your credentials do not grant changing customers.")
        customer = selectors.customers_visible(principal).filter(pk=customer_id).first()
        if customer is None:
            raise NotFound(f"No customer with id '{customer_id}'.")
        return customer

    @extend_schema(operation_id="listConsents", responses={200: outputs.Consent(many=True)})
    def get(self, request, customer_id: str):
        customer = self._customer(request, customer_id, write=False)
        return Response([consent_body(c) for c in customer.consents.order_by("purpose")])

    @extend_schema(operation_id="recordConsent", request=ConsentInput, responses={200: outputs.Consent})
    def post(self, request, customer_id: str):
        customer = self._customer(request, customer_id, write=True)
        serializer = ConsentInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        principal = principal_of(request)
        actor = Actor(channel=principal.channel, name=principal.actor, is_staff=principal.is_staff)
        consent = services.consent_record(customer, actor=actor, **serializer.validated_data)
        return Response(consent_body(consent))
