"""Included at the workspace root (/w/<slug>/): the records CSV import under records/import/
and the web forms' settings under settings/forms/. A form's public URL (/f/<key>/) is outside
the workspace: playbook/urls.py."""

from django.urls import path

from dataio.views import imports, webforms

app_name = "dataio"

urlpatterns = [
    path("records/import/", imports.import_upload, name="import"),
    path("records/import/<int:record_import_id>/", imports.import_job, name="import_job"),
    path(
        "records/import/<int:record_import_id>/refused.csv", imports.import_refused, name="refused"
    ),
    *[
        path(
            f"records/import/<int:record_import_id>/{action}/",
            imports.import_action,
            {"action": action},
            name=f"import_{action}",
        )
        for action in ("start", "edit", "undo")
    ],
    path("settings/forms/", webforms.webform_list, name="webforms"),
    path("settings/forms/new/", webforms.webform_create, name="webform_create"),
    path("settings/forms/<int:webform_id>/", webforms.webform_page, name="webform"),
    path("settings/forms/<int:webform_id>/edit/", webforms.webform_edit, name="webform_edit"),
    path("settings/forms/<int:webform_id>/active/", webforms.webform_active, name="webform_active"),
    path(
        "settings/forms/<int:webform_id>/submissions/",
        webforms.webform_submissions,
        name="webform_submissions",
    ),
]
