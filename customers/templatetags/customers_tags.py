"""Template tags other apps' pages use to show a record's customer side:

- `{% customer_panel record %}` on the record page: MRR, ARR, renewal owner, next renewal and the
  link to the Subscriptions page; nothing for a record that never had a subscription. Two
  queries.
"""

from django import template
from django.db.models import Min, Q

from customers.models import Customer, Subscription

register = template.Library()


@register.inclusion_tag("customers/_customer_panel.html", takes_context=True)
def customer_panel(context, record):
    request = context["request"]
    workspace = request.workspace
    customer = (
        Customer.objects.of(workspace)
        .select_related("renewal_owner")
        .filter(record_id=record.pk)
        .first()
    )
    summary = None
    if customer is not None:
        summary = (
            Subscription.objects.of(workspace)
            .filter(record_id=record.pk)
            .aggregate(
                next_renewal=Min("term_end", filter=Q(status="active")),
            )
        )
    return {
        "record": record,
        "customer": customer,
        "summary": summary,
        "workspace": workspace,
    }
