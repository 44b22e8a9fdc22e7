"""Included at the workspace root (/w/<slug>/): bulk actions live under records/bulk/."""

from django.urls import path

from bulk import views

app_name = "bulk"

urlpatterns = [
    path("records/bulk/", views.bulk_start, name="start"),
    path("records/bulk/<int:bulk_id>/", views.bulk_detail, name="detail"),
]
