"""Template tags other apps' pages use to show pipeline state:

- `{% stage_panel record %}` on the record page: current stage, days in stage, SLA, the next
  stage's checklist and the move forms.
- `{% sla_marker record %}` in a list row: a "Over SLA" badge when the record has stayed in its
  stage longer than the stage allows. It uses the record's selected stage, or reads the stages
  once per request: a list of any length costs at most one query for it.
"""

from django import template
from django.utils import timezone
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import mark_safe

from pipeline import selectors
from playbook import formatting
from playbook.rowurls import row_url
from records.models import Record

register = template.Library()

_STAGES_ATTR = "_pipeline_stage_map"
_STAGE_FIELD = Record._meta.get_field("stage")


@register.inclusion_tag("pipeline/stage_panel.html", takes_context=True)
def stage_panel(context, record):
    from pipeline.views.record import panel_context

    request = context["request"]
    result = panel_context(request, record)
    # An inclusion tag's template gets a fresh context: pass on what the layout would give.
    result.update(
        {
            "request": request,
            "csrf_token": context.get("csrf_token"),
            "workspace": request.workspace,
            "membership": request.membership,
        }
    )
    return result


@register.inclusion_tag("pipeline/_sla_marker.html", takes_context=True)
def sla_marker(context, record):
    stage = (
        record.stage
        if _STAGE_FIELD.is_cached(record)
        else _stages(context, record).get(record.stage_id)
    )
    now = timezone.now()
    return {
        "sla": selectors.sla_of(stage, record.stage_entered_at, record.status, now),
        "stage": stage,
    }


def sla_badge(record, now) -> str:
    """The records list's stage-cell marker (records.columns.STAGE_MARKERS, registered in
    pipeline.apps): `{% sla_marker %}`'s badge, of a record with its stage selected."""
    stage = record.stage
    sla = selectors.sla_of(stage, record.stage_entered_at, record.status, now)
    if not sla.breached:
        return ""
    return format_html(
        '<span class="badge badge-danger" title="In {} for {} days; the SLA is {}">Over SLA</span>',
        stage.name,
        sla.days_in_stage,
        sla.sla_days,
    )


def _stages(context, record) -> dict:
    """The workspace's stages, read once per request (a list of any length: one query)."""
    request = context.get("request")
    stage_map = getattr(request, _STAGES_ATTR, None) if request is not None else None
    if stage_map is None:
        stage_map = selectors.stage_map(record.workspace_id)
        if request is not None:
            setattr(request, _STAGES_ATTR, stage_map)
    return stage_map


@register.simple_tag(takes_context=True)
def record_url(context, record):
    """The record's page (the Records app's detail page), as `{% url 'records:detail' %}`."""
    return row_url("records:detail", context["request"].workspace.slug, record.pk)


@register.simple_tag
def card_move_url(workspace, record):
    """A board card's move endpoint, as `{% url 'pipeline:record_move' %}`."""
    return row_url("pipeline:record_move", workspace.slug, record.pk)


_OPTIONS_ATTR = "_pipeline_move_options"


@register.simple_tag(takes_context=True)
def move_options(context, stages, current_stage_id):
    """The `<option>`s of a card's "Move to…" menu: every stage but the card's own. Built once
    per stage and request, not once per card (a board has ~120 cards over 6 stages)."""
    request = context.get("request")
    cache = getattr(request, _OPTIONS_ATTR, None)
    if cache is None:
        cache = {}
        if request is not None:
            setattr(request, _OPTIONS_ATTR, cache)
    key = (id(stages), current_stage_id)
    if key not in cache:
        cache[key] = format_html_join(
            "",
            '<option value="{}">{}</option>',
            ((stage.pk, stage.name) for stage in stages if stage.pk != current_stage_id),
        )
    return cache[key]


def _card(card, *, slug, query, csrf, options) -> str:
    record, sla = card.record, card.sla
    pk, version = int(record.pk), int(record.version)
    name = escape(record.name)
    owner = escape(record.owner) if record.owner else "Unassigned"
    icp = record.icp_score or "–"
    arr = (
        f"\n    <span>{formatting.grouped(record.expected_arr)} ARR</span>"
        if record.expected_arr
        else "\n    "
    )
    days = sla.days_in_stage or 0
    late = '<span class="badge badge-danger">Over SLA</span>' if sla.breached else ""
    return (
        f'<li class="board-card{" is-late" if sla.breached else ""}" id="card-{pk}" '
        f'data-record="{pk}" data-version="{version}">\n'
        f'  <a href="{row_url("records:detail", slug, pk)}" class="board-card-name">{name}</a>\n'
        f'  <span class="board-card-meta">\n'
        f'    <span title="Owner">{owner}</span>\n'
        f"    <span>ICP {icp}</span>{arr}\n"
        f"  </span>\n"
        f'  <span class="board-card-meta">\n'
        f"    <span>{days} day{'' if sla.days_in_stage == 1 else 's'} in stage</span>\n"
        f"    {late}\n"
        f"  </span>\n"
        f'  <details class="card-move no-drag">\n'
        f'    <summary>Move to…<span class="visually-hidden"> {name}</span></summary>\n'
        f'    <form method="post" action="{row_url("pipeline:record_move", slug, pk)}{query}">\n'
        f'      {csrf}<input type="hidden" name="version" value="{version}">\n'
        f'      <label for="move-{pk}" class="visually-hidden">Stage to move {name} to</label>\n'
        f'      <select name="to_stage" id="move-{pk}">\n'
        f"        {options(record.stage_id)}\n"
        f"      </select>\n"
        f'      <button type="submit" class="secondary">Move</button>\n'
        f"    </form>\n"
        f"  </details>\n"
        f"</li>\n"
    )


@register.simple_tag(takes_context=True)
def board_cards(context, cards):
    """The board's cards (pipeline.selectors.Card: a record with owner selected, and its SLA):
    name and link, owner, ICP, ARR, days in stage, and the "Move to…" form that works without
    JavaScript. Drawn here in one pass, with the URLs reversed once per page (playbook.rowurls)
    and the menus built once per stage (`move_options`), rather than a template partial per
    card: ~120 cards made the board the mix's second most costly page."""
    slug = context["workspace"].slug
    query = context.get("filter_query")
    stages = context.get("move_stages") or []
    common = {
        "slug": slug,
        "query": f"?{escape(query)}" if query else "",
        "csrf": formatting.csrf_input(context),
        "options": lambda stage_id: move_options(context, stages, stage_id),
    }
    return mark_safe("".join(_card(card, **common) for card in cards))


@register.filter
def percent(rate) -> str:
    """A rate (Fraction or None) as a whole percentage: "42 %", "—" when there is none."""
    return "—" if rate is None else f"{round(float(rate) * 100)} %"


@register.filter
def times(lift) -> str:
    """A lift (Fraction or None) as a multiple: "1.8×", "—" when it cannot be measured."""
    return "—" if lift is None else f"{float(lift):.1f}×"
