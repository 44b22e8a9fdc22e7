# The pipeline's fixtures (default stages, a team per role, qualified records) serve here too.
from tests.pipeline.conftest import make_record, pipeline_ws, stages, team  # noqa: F401
