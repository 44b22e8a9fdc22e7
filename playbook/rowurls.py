"""URLs of many rows of one page, without a `reverse()` per row.

A board renders ~120 cards with two URLs each and `reverse()` costs ~85 us on this machine:
13 % of the board's CPU (docs/PERFORMANCE.md, "Where the workers' CPU goes"). A route whose
last argument is an integer id reverses to the same text around that id for every row, so it is
reversed once (with a marker id) and the id is put in between. Same output as `{% url %}`."""

from functools import lru_cache

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

_MARK = 987_654_321_012_345  # an id no row has: where the row's id goes


@lru_cache(maxsize=1024)
def _around(viewname: str, args: tuple, script_prefix: str, urlconf) -> tuple[str, str]:
    url = reverse(viewname, args=[*args, _MARK], urlconf=urlconf)
    before, mark, after = url.rpartition(str(_MARK))
    if not mark:
        raise ValueError(f"{viewname}: the id is not the URL's last argument")
    return before, after


def row_url(viewname: str, *args) -> str:
    """`reverse(viewname, args=[*args])` whose last argument is an integer id."""
    *fixed, pk = args
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    before, after = _around(viewname, tuple(fixed), get_script_prefix(), urlconf)
    return f"{before}{int(pk)}{after}"
