"""Deflection: a helpful answer counts as a ticket deflected unless the same customer opens a ticket in that
category within the window after it; counts per article and per category."""

from datetime import timedelta

import pytest
from django.utils import timezone

from knowledge.models import ArticleFeedback
from knowledge.selectors import CategoryDeflection, deflection_by_category, with_feedback_counts
from knowledge.services import feedback_record, ticket_opened
from overlay.errors import UnprocessableEntity
from overlay.principal import CustomerUser, principal_for
from tests.factories.knowledge import article, category
from tests.factories.users import application

pytestmark = pytest.mark.django_db


def customer(customer_id: str, channel: str = "web"):
    return principal_for(CustomerUser(1, "web-app", channel, frozenset(), customer_id=customer_id))


@pytest.fixture
def down(db):
    category("slow-connection")
    return article("Fibre: no internet connection", categories=["no-service"])


def test_a_ticket_in_the_category_soon_after_means_it_was_no_deflection(down, settings):
    settings.KNOWLEDGE_DEFLECTION_HOURS = 48
    now = timezone.now()
    feedback_record(customer("C1"), down, helpful=True, at=now - timedelta(hours=47))
    feedback_record(customer("C2"), down, helpful=True, at=now - timedelta(hours=49))
    feedback_record(customer("C3"), down, helpful=True, category_code="slow-connection", at=now)
    assert ticket_opened("C1", "no-service", now) == 1  # the article answers no-service: within 48 hours
    assert ticket_opened("C2", "no-service", now) == 0  # too long ago: it did help then
    assert ticket_opened("C3", "no-service", now) == 0  # they said slow connection, not no service
    assert ticket_opened("C3", "slow-connection", now - timedelta(minutes=1)) == 0  # before the answer
    assert ticket_opened("", "no-service", now) == 0
    c1 = ArticleFeedback.objects.get(customer_id="C1")
    assert (c1.deflected, c1.ticket_opened_at) == (False, now)
    assert set(ArticleFeedback.objects.filter(deflected=True).values_list("customer_id", flat=True)) == {"C2", "C3"}


def test_unhelpful_answers_and_anonymous_ones(down):
    now = timezone.now()
    feedback_record(customer("C1"), down, helpful=False, at=now)
    feedback_record(application([]), down, helpful=True, at=now)
    assert ArticleFeedback.objects.get(customer_id="C1").deflected is False
    assert ArticleFeedback.objects.get(customer_id="").deflected is True  # nobody to follow: it counts


def test_counts_per_article_and_per_category(down):
    bill = article("Understanding your bill", categories=["billing-question", "other"])
    now = timezone.now()
    feedback_record(customer("C1"), down, helpful=True, at=now)
    feedback_record(customer("C2"), down, helpful=True, category_code="slow-connection", at=now)
    feedback_record(customer("C3"), down, helpful=False, at=now)
    feedback_record(customer("C1"), bill, helpful=True, at=now)
    ticket_opened("C1", "no-service", now + timedelta(hours=1))
    counted = {
        a.title: (a.helpful_count, a.not_helpful_count, a.deflected_count)
        for a in with_feedback_counts(down.__class__.objects.all())
    }
    assert counted == {"Fibre: no internet connection": (2, 1, 1), "Understanding your bill": (1, 0, 1)}
    # C2 named their trouble: it counts there; the others count for each category their article answers.
    assert deflection_by_category() == [
        CategoryDeflection("billing-question", "Billing question", 1, 0, 1),  # as care's migration names them
        CategoryDeflection("no-service", "No service", 1, 1, 0),
        CategoryDeflection("other", "Other", 1, 0, 1),
        CategoryDeflection("slow-connection", "Slow connection", 1, 0, 1),
    ]


def test_an_unknown_category_is_refused_and_nothing_written(down):
    with pytest.raises(UnprocessableEntity, match="no ticket category 'nope'"):
        feedback_record(customer("C1"), down, helpful=True, category_code="nope", at=timezone.now())
    assert not ArticleFeedback.objects.exists()
