"""Included at the workspace root (/w/<slug>/): the customers pages under customers/."""

from django.urls import path

from customers.views import customer, exports, imports, lists, renewals, settings, win

app_name = "customers"

urlpatterns = [
    path("customers/", lists.customer_list, name="list"),
    path("customers/export/", exports.customer_export, name="export"),
    path("customers/ledger/export/", exports.ledger_export, name="ledger_export"),
    path("customers/surveys/import/", imports.surveys_import, name="surveys_import"),
    path(
        "customers/surveys/import/<int:survey_import_id>/",
        imports.surveys_import_job,
        name="surveys_import_job",
    ),
    path("settings/customers/", settings.customer_settings, name="settings"),
    path("settings/customers/import/", imports.import_upload, name="import"),
    path("settings/customers/import/<int:import_id>/", imports.import_job, name="import_job"),
    path(
        "customers/records/<int:record_id>/surveys/new/",
        customer.survey_add,
        name="survey_add",
    ),
    path(
        "customers/records/<int:record_id>/opportunities/new/",
        customer.opportunity_add,
        name="opportunity_add",
    ),
    path(
        "customers/opportunities/<int:opportunity_id>/win/",
        customer.opportunity_act,
        {"action": "win"},
        name="opportunity_win",
    ),
    path(
        "customers/opportunities/<int:opportunity_id>/lose/",
        customer.opportunity_act,
        {"action": "lose"},
        name="opportunity_lose",
    ),
    path(
        "customers/records/<int:record_id>/engagements/new/",
        customer.engagement_add,
        name="engagement_add",
    ),
    path("customers/renewals/", renewals.renewals, name="renewals"),
    path(
        "customers/renewals/alerts/<int:alert_id>/snooze/",
        renewals.alert_act,
        {"action": "snooze"},
        name="alert_snooze",
    ),
    path(
        "customers/renewals/alerts/<int:alert_id>/dismiss/",
        renewals.alert_act,
        {"action": "dismiss"},
        name="alert_dismiss",
    ),
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
