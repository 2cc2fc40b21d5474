"""``/api/v1/partners/statements``: what a partner's services earned in a month and the partner's share.

Read by the partner's own channel applications (holding ``usage:read``) and by supervisors; a customer
token, an application without ``usage:read`` and other staff are refused (``403``). An application of a
channel that is nobody's partner reads an empty list, and ``404`` for a month's statement.
"""

import re
from datetime import date

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from overlay.api.outputs import Money, Ref, TimePeriod, number, shape, text
from overlay.api.permissions import StaffOrApplicationScoped
from overlay.api.principal import principal_of
from overlay.api.representation import Hrefs, money, time_period
from overlay.api.representation import number as json_number
from overlay.api.views import count_headers, paging
from overlay.errors import Forbidden, NotFound
from overlay.tmf import CATALOG
from usage.periods import at_midnight
from usage.statements import ALL, READ_SCOPE, Statement, StatementLine, StatementTotal, partner_statement

PERIOD = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")
PERIOD_HELP = "A calendar month, YYYY-MM (e.g. 2026-11): billing periods starting in it, products in service in it."
LAST_YEAR = 9998  # the month after it must exist


def parse_period(raw: str) -> date:
    """``2026-11`` -> the 1st of November 2026; anything else is bad input (400)."""
    if not PERIOD.match(raw) or not 1 <= int(raw[:4]) <= LAST_YEAR:
        raise ValidationError({"period": f"'{raw[:40]}' is not a month written YYYY-MM (e.g. 2026-11)."})
    return date(int(raw[:4]), int(raw[5:7]), 1)


class PartnerQuery(serializers.Serializer):
    partner = serializers.SlugField(
        required=False, max_length=20, help_text="A partner's channel code (supervisors read every partner's)."
    )


class StatementQuery(PartnerQuery):
    period = serializers.RegexField(
        PERIOD.pattern, required=False, max_length=7, help_text=PERIOD_HELP + " Default: this month."
    )


# What the endpoints answer (documented in the schema; the bodies are built below).
StatementLineOutput = shape(
    "PartnerStatementLine",
    {
        "productOffering": Ref(),
        "partner": text(),
        "period": text(),
        "products": serializers.IntegerField(help_text="Products charged for: in service, or with usage rated."),
        "usageAmount": Money(help_text="Rated usage of billing periods starting in the month, before tax."),
        "recurringAmount": Money(help_text="A month of each product's recurring charges, before tax."),
        "totalAmount": Money(),
        "revenueSharePercentage": number(),
        "partnerShare": Money(help_text="The partner's share of the total, rounded per currency."),
    },
)
StatementTotalOutput = shape(
    "PartnerStatementTotal",
    {"usageAmount": Money(), "recurringAmount": Money(), "totalAmount": Money(), "partnerShare": Money()},
)
StatementOutput = shape(
    "PartnerStatement",
    {
        "period": text(),
        "validFor": TimePeriod(),
        "partner": serializers.ListField(child=serializers.CharField()),
        "line": StatementLineOutput(many=True),
        "total": StatementTotalOutput(many=True, help_text="Per currency."),
    },
)


def line_body(line: StatementLine, period: str, href: Hrefs) -> dict:
    return {
        "productOffering": {
            "id": line.offering_id,
            "href": href(f"{CATALOG.base}/productOffering/{line.offering_id}"),
            "name": line.offering_name,
            "@referredType": "ProductOffering",
        },
        "partner": line.partner,
        "period": period,
        "products": line.products,
        "usageAmount": money(line.usage_amount, line.currency),
        "recurringAmount": money(line.recurring_amount, line.currency),
        "totalAmount": money(line.total, line.currency),
        "revenueSharePercentage": json_number(line.share_percentage),
        "partnerShare": money(line.partner_share, line.currency),
    }


def total_body(total: StatementTotal) -> dict:
    return {
        "usageAmount": money(total.usage_amount, total.currency),
        "recurringAmount": money(total.recurring_amount, total.currency),
        "totalAmount": money(total.total, total.currency),
        "partnerShare": money(total.partner_share, total.currency),
    }


def month_label(month: date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


class StatementsBase(APIView):
    permission_classes = [StaffOrApplicationScoped]  # a customer token has no partner's statement to read
    read_scope = READ_SCOPE
    write_scope = None

    def statement(self, request, month: date, partner: str) -> Statement:
        found = partner_statement(principal_of(request), month, partner)
        if found is None:
            raise Forbidden("Only a partner's own channel applications and supervisors read partner statements.")
        return found


class PartnerStatementLinesView(StatementsBase):
    """``GET /api/v1/partners/statements?period=2026-11``: per partner offering, what it earned in the
    month and the partner's share (the caller's own offerings; a supervisor's: every partner's)."""

    @extend_schema(
        parameters=[
            StatementQuery,
            OpenApiParameter("offset", int, description="Lines to skip."),
            OpenApiParameter("limit", int, description="Lines to answer at most."),
        ],
        responses={200: StatementLineOutput(many=True)},
    )
    def get(self, request):
        params = StatementQuery(data=request.query_params)
        params.is_valid(raise_exception=True)
        offset, limit = paging(request)
        raw = params.validated_data.get("period")
        month = parse_period(raw) if raw is not None else timezone.now().date().replace(day=1)
        statement = self.statement(request, month, params.validated_data.get("partner", ALL))
        href, label = Hrefs(request), month_label(statement.month)
        page = statement.lines[offset : offset + limit]
        return Response(
            [line_body(line, label, href) for line in page], headers=count_headers(len(statement.lines), len(page))
        )


class PartnerStatementView(StatementsBase):
    """``GET /api/v1/partners/statements/{period}``: a month's statement as one document, its lines and
    totals per currency; ``404`` when the caller is no partner (has no partner offering to state)."""

    @extend_schema(
        parameters=[
            OpenApiParameter("period", str, OpenApiParameter.PATH, description=PERIOD_HELP, pattern=PERIOD.pattern),
            PartnerQuery,
        ],
        responses={200: StatementOutput},
    )
    def get(self, request, period: str):
        month = parse_period(period)
        params = PartnerQuery(data=request.query_params)
        params.is_valid(raise_exception=True)
        statement = self.statement(request, month, params.validated_data.get("partner", ALL))
        if not statement.lines:
            raise NotFound(f"No partner statement of yours for {month_label(month)}.")
        href, label = Hrefs(request), month_label(month)
        return Response(
            {
                "period": label,
                "validFor": time_period(at_midnight(statement.month), at_midnight(statement.end)),
                "partner": statement.partners,
                "line": [line_body(line, label, href) for line in statement.lines],
                "total": [total_body(total) for total in statement.totals],
            }
        )
