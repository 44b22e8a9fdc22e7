"""Included at the workspace root (/w/<slug>/): the customers pages under customers/."""

from django.urls import path

from customers.views import customer, win

app_name = "customers"

urlpatterns = [
    path("customers/records/<int:record_id>/win/", win.win, name="win"),
    path("customers/records/<int:record_id>/", customer.customer_detail, name="detail"),
    path(
        "customers/records/<int:record_id>/subscriptions/new/",
        customer.subscription_add,
        name="subscription_add",
    ),
    *[
        path(
            f"customers/subscriptions/<int:subscription_id>/{action}/",
            customer.subscription_act,
            {"action": action},
            name=f"subscription_{action}",
        )
        for action in customer.ACTIONS
    ],
]
