"""Included at the workspace root (/w/<slug>/): the records CSV import under records/import/."""

from django.urls import path

from dataio.views import imports

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
]
