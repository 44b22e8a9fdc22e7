"""Included at the workspace root (/w/<slug>/): the landing home at the root, every home under
home/<home>/ and each panel under home/<home>/panels/<panel>/."""

from django.urls import path

from dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("home/<slug:home>/", views.home, name="home"),
    path("home/<slug:home>/panels/<slug:panel>/", views.panel, name="panel"),
]
