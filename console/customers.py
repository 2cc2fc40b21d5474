"""The console's customer pages: search, then the 360° view, with the API's own selectors."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_POST

from cart.rightsizing import plan_change_start
from console.three_sixty import three_sixty_viewed
from console.tickets import ticket_categories
from customers import linking, selectors, services
from customers.api import representations
from customers.models import LinkSuggestion
from customers.normalise import normalise_email, normalise_phone, normalise_postcode
from customers.search import CustomerSearch, customer_search
from overlay.api.principal import principal_of
from overlay.api.views import RepresentationContext
from overlay.errors import DomainError

PERSONAL_LABELS = [
    ("givenName", "Given name"),
    ("familyName", "Family name"),
    ("email", "E-mail"),
    ("phone", "Phone"),
    ("birthDate", "Born"),
    ("segment", "Segment"),
    ("status", "Status"),
]


def _principal(request):
    principal = principal_of(request)
    if principal is None or not principal.has_scope("customers:read"):
        raise PermissionDenied
    return principal


def console_search(request, admin_site):
    principal = _principal(request)
    query = request.GET.get("q", "").strip()
    stage, hits = ("", [])
    if len(query) >= 2:
        stage, hits = customer_search(principal, CustomerSearch(text=query, postcode=request.GET.get("postcode", "")))
    ctx = RepresentationContext(request)
    context = {
        **admin_site.each_context(request),
        "title": "Find a customer",
        "query": query,
        "postcode": request.GET.get("postcode", ""),
        "stage": stage,
        "hits": [representations.search_hit(hit, ctx) for hit in hits],
    }
    return TemplateResponse(request, "console/search.html", context)


def console_customer(request, customer_id: str, admin_site):
    principal = _principal(request)
    customer = selectors.customer_360(principal, customer_id)
    if customer is None:
        raise Http404("No such customer.")
    view = three_sixty_viewed(request, principal, customer, where=" in the console")
    personal = view["personal"]
    address = personal.get("address", {})
    context = {
        **admin_site.each_context(request),
        "title": view["name"],
        "view": view,
        "who": [(label, personal[key]) for key, label in PERSONAL_LABELS if personal.get(key)]
        + [("Address", " ".join(address[k] for k in ("street", "postcode", "city") if address.get(k)))],
        "suggestions": customer.suggestions.all(),
        "can_decide": request.user.has_perm("customers.change_linksuggestion"),
        "can_edit": principal.has_scope("customers:write"),
        "contact_form": ContactForm(),
        "can_sell": principal.has_scope("carts:write"),
        "can_report": principal.has_scope("tickets:write"),
        "ticket_categories": ticket_categories(),
    }
    return TemplateResponse(request, "console/customer.html", context)


@require_POST
def console_decide(request, suggestion_id: int, decision: str, admin_site):
    _principal(request)
    if not request.user.has_perm("customers.change_linksuggestion"):
        raise PermissionDenied
    suggestion = get_object_or_404(LinkSuggestion, pk=suggestion_id)
    decide = {"confirm": linking.link_suggestion_confirm, "split": linking.link_suggestion_split}.get(decision)
    if decide is None:
        raise Http404("Unknown decision.")
    try:
        result = decide(suggestion)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("admin:customer-console-customer", suggestion.customer_id)
    if decision == "confirm":
        messages.success(request, "Merged: the records are now one customer.")
        return redirect("admin:customer-console-customer", result.pk)
    messages.success(request, "Kept apart: they are different people.")
    return redirect("admin:customer-console-customer", suggestion.customer_id)


class ContactForm(forms.Form):
    """New contact details, as the customer gives them on the phone: empty fields stay as they are."""

    email = forms.CharField(required=False, max_length=254, label="E-mail")
    phone = forms.CharField(required=False, max_length=40, label="Phone")
    street = forms.CharField(required=False, max_length=200)
    house_number = forms.CharField(required=False, max_length=20, label="House number")
    postcode = forms.CharField(required=False, max_length=20)
    city = forms.CharField(required=False, max_length=100)

    def clean_email(self):
        raw = self.cleaned_data["email"].strip()
        if raw and not normalise_email(raw):
            raise forms.ValidationError(f"'{raw}' is not an e-mail address.")
        return normalise_email(raw)

    def clean_phone(self):
        raw = self.cleaned_data["phone"].strip()
        if raw and not normalise_phone(raw):
            raise forms.ValidationError(f"'{raw}' is not a phone number.")
        return normalise_phone(raw)

    def clean_postcode(self):
        return normalise_postcode(self.cleaned_data["postcode"])

    def changes(self) -> dict:
        return {name: value.strip() for name, value in self.cleaned_data.items() if value and value.strip()}


@require_POST
def console_contact(request, customer_id: str, admin_site):
    """An agent changes a customer's contact details: through the party service, recorded and published."""
    principal = _principal(request)
    if not principal.has_scope("customers:write"):
        raise PermissionDenied
    customer = selectors.customers_visible(principal).filter(pk=customer_id).first()
    if customer is None:
        raise Http404("No such customer.")
    form = ContactForm(request.POST)
    if not form.is_valid():
        for problems in form.errors.values():
            for problem in problems:
                messages.error(request, problem)
    elif not form.changes():
        messages.info(request, "Nothing to change.")
    else:
        actor = services.Actor(channel=principal.channel, name=principal.actor, is_staff=principal.is_staff)
        try:
            services.party_update(customer, form.changes(), actor=actor)
            messages.success(request, "Contact details changed; the change is in the customer's history.")
        except DomainError as error:
            messages.error(request, error.message)
    return redirect("admin:customer-console-customer", customer_id)


@require_POST
def console_plan_change(request, customer_id: str, product_id: str, admin_site):
    """An agent starts the plan change a right-sizing proposal makes: a cart changing the held product to the
    proposed offering (recorded in the customer's history), then the cart page to go through it with them."""
    principal = _principal(request)
    if not principal.has_scope("carts:write"):
        raise PermissionDenied
    customer = selectors.customer_360(principal, customer_id)
    if customer is None:
        raise Http404("No such customer.")
    try:
        cart = plan_change_start(principal, customer, product_id, request.POST.get("offering", ""))
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("admin:customer-console-customer", customer_id)
    messages.success(request, "Plan change started: check it with the customer, then check out.")
    return redirect("admin:cart-console-cart", cart.pk)
