import pytest
from django.urls import reverse

from tests.pipeline.conftest import make_record, pipeline_ws, qualify, stages, team  # noqa: F401

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _small_pages(settings):
    """Three records run in the request; a fourth makes it a job."""
    settings.BULK_INLINE_LIMIT = 3


@pytest.fixture
def start_url(workspace):
    return reverse("bulk:start", args=[workspace.slug])


@pytest.fixture
def detail_url(workspace):
    return lambda bulk: reverse("bulk:detail", args=[workspace.slug, bulk.pk])
