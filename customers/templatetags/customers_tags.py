"""Template tags other apps' pages use to show a record's customer side:

- `{% customer_panel record %}` on the record page: MRR, ARR, renewal owner, next renewal and the
  link to the Subscriptions page; nothing for a record that never had a subscription. One
  query.
"""

from django import template
from django.db.models import OuterRef, Subquery

from customers.models import Customer, Subscription

register = template.Library()


@register.inclusion_tag("customers/_customer_panel.html", takes_context=True)
def customer_panel(context, record):
    workspace = context["request"].workspace
    next_renewal = (
        Subscription.objects.of(workspace)
        .filter(record_id=OuterRef("record_id"), status="active")
        .order_by("term_end")
        .values("term_end")[:1]
    )
    customer = (
        Customer.objects.of(workspace)
        .select_related("renewal_owner")
        .annotate(next_renewal=Subquery(next_renewal))
        .filter(record_id=record.pk)
        .first()
    )
    return {"record": record, "customer": customer, "workspace": workspace}
