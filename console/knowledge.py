"""The 360°'s knowledge part: the published articles most relevant to what the customer holds (by offering
and by kind of product), for the agent to read before opening a ticket or to send to the customer.

Read through ``knowledge.selectors.articles_relevant``, scoped to the caller (agents' articles for staff who
may read them; customers' articles for applications), in a constant number of queries: the held offerings'
specifications (one), the articles (one) and their categories, offerings and specifications (three).
"""

from catalog.models import ProductOffering
from customers.models import Customer, HeldProduct
from knowledge.api.representations import article as article_body
from knowledge.selectors import articles_relevant
from overlay.api.views import RepresentationContext
from overlay.principal import Principal

PANEL_ARTICLES = 5


def knowledge_part(principal: Principal, customer: Customer, ctx: RepresentationContext) -> dict:
    """``{"knowledgeArticle": [...]}``: each article with ``because``, the held products it is about."""
    held = [p for p in customer.held_products.all() if p.offering_id]
    # By subquery, not by the ids above: the same queries whether or not the customer holds anything.
    offerings = ProductOffering.objects.filter(pk__in=HeldProduct.objects.filter(customer=customer).values("offering"))
    specification_of = dict(offerings.values_list("pk", "specification_id"))
    articles = articles_relevant(
        principal,
        offering_ids=sorted(specification_of),
        specification_ids=sorted({s for s in specification_of.values() if s}),
        limit=PANEL_ARTICLES,
    )
    bodies = []
    for article in articles:
        about_offerings = {o.pk for o in article.offerings.all()}
        about_specifications = {s.pk for s in article.specifications.all()}
        because = [
            p.name
            for p in held
            if p.offering_id in about_offerings or specification_of.get(p.offering_id) in about_specifications
        ]
        bodies.append({**article_body(article, ctx), "because": sorted(set(because))})
    return {"knowledgeArticle": bodies}
