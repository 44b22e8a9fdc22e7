"""Included at the workspace root (/w/<slug>/): the targets pages under targets/."""

from django.urls import path

from targets.views import metrics, planner, targets

app_name = "targets"

urlpatterns = [
    path("targets/", targets.page, name="page"),
    path("targets/<int:target_id>/delete/", targets.target_delete, name="target_delete"),
    path(
        "targets/<int:target_id>/spread-months/",
        targets.target_spread_months,
        name="target_spread_months",
    ),
    path(
        "targets/<int:target_id>/spread-people/",
        targets.target_spread_people,
        name="target_spread_people",
    ),
    path("targets/curves/", targets.curves, name="curves"),
    path("targets/actuals/", targets.actuals, name="actuals"),
    path("targets/planner/", planner.planner, name="planner"),
    path("targets/metrics/", metrics.metrics_page, name="metrics"),
    path("targets/metrics.csv", metrics.metrics_csv, name="metrics_csv"),
    path("targets/metrics/rebuild/", metrics.metrics_rebuild, name="metrics_rebuild"),
]
