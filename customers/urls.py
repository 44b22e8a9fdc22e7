"""Included at the workspace root (/w/<slug>/): the customers pages under customers/."""

from django.urls import path

from customers.views import win

app_name = "customers"

urlpatterns = [
    path("customers/records/<int:record_id>/win/", win.win, name="win"),
]
