from django.apps import AppConfig


class DataioConfig(AppConfig):
    """Data in and out: the records CSV import wizard (and, later, web forms). Above records
    and pipeline: an import places records in a stage. docs/data-in-out.md."""

    name = "dataio"
