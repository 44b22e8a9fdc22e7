"""The lists behind the numbers (drill-down): URLs of the records list, the customers list, the
MQL queue and the targets' "records behind an actual", with the filters each one accepts.
A panel builds every link here so a list's filter names live in one place."""

from urllib.parse import urlencode

from django.urls import reverse

from targets import periods as months


def _url(name: str, workspace, params: dict) -> str:
    base = reverse(name, args=[workspace.slug])
    clean = {k: v for k, v in params.items() if v not in (None, "")}
    return f"{base}?{urlencode(clean)}" if clean else base


def actuals(workspace, metric: str, first: int, last: int, *, scope="workspace", **extra) -> str:
    """The facts a snapshot counted for `metric` over months first..last (targets/actuals/)."""
    params = {"metric": metric, "from": months.label(first), "to": months.label(last)}
    if scope != "workspace":
        params["scope"] = scope
    return _url("targets:actuals", workspace, {**params, **extra})


def records(workspace, **filters) -> str:
    """The records list; filters as records.filters.RecordFilter names them."""
    return _url("records:list", workspace, filters)


# The customer list's "paying customers" (MRR above 0): what at-risk ARR counts.
PAYING = "0.01"


def customers(workspace, **filters) -> str:
    """The customers list; filters as customers.forms.CustomerFilterForm names them."""
    return _url("customers:list", workspace, filters)


def metrics(workspace, first: int, last: int) -> str:
    return _url(
        "targets:metrics", workspace, {"from": months.label(first), "to": months.label(last)}
    )


def page(name: str, workspace, **params) -> str:
    return _url(name, workspace, params)
