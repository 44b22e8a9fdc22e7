"""Template tags other apps' pages use to show a record's customer side (one query):

- `{% customer_of record as customer %}` on the record page: the record's Customer (MRR, ARR,
  renewal owner, next renewal) or None for a record that never had a subscription. The page
  then includes `customers/_customer_panel.html` (the summary) and, inside its `#record-tab`,
  `customers/_record_tabs.html` (the Overview / Subscriptions tabs) when it is a customer.
- `{% customer_panel record %}`: the summary alone, for pages without the tabs.
"""

from django import template
from django.db.models import OuterRef, Subquery

from customers.models import Customer, Subscription

register = template.Library()


@register.simple_tag(takes_context=True)
def customer_of(context, record):
    workspace = context["request"].workspace
    next_renewal = (
        Subscription.objects.of(workspace)
        .filter(record_id=OuterRef("record_id"), status="active")
        .order_by("term_end")
        .values("term_end")[:1]
    )
    return (
        Customer.objects.of(workspace)
        .select_related("renewal_owner")
        .annotate(next_renewal=Subquery(next_renewal))
        .filter(record_id=record.pk)
        .first()
    )


@register.inclusion_tag("customers/_customer_panel.html", takes_context=True)
def customer_panel(context, record):
    customer = customer_of(context, record)
    return {"record": record, "customer": customer, "workspace": context["request"].workspace}
