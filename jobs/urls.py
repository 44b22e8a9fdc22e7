from django.urls import path

from jobs import views

app_name = "jobs"

urlpatterns = [
    path("settings/jobs/", views.job_list, name="list"),
    path("settings/jobs/<int:job_id>/retry/", views.job_retry, name="retry"),
]
