"""Template tags other apps' pages use to show pipeline state:

- `{% stage_panel record %}` on the record page: current stage, days in stage, SLA, the next
  stage's checklist and the move forms.
- `{% sla_marker record %}` in a list row: a "Over SLA" badge when the record has stayed in its
  stage longer than the stage allows. It uses the record's selected stage, or reads the stages
  once per request: a list of any length costs at most one query for it.
"""

from django import template
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from pipeline import selectors
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


@register.filter
def percent(rate) -> str:
    """A rate (Fraction or None) as a whole percentage: "42 %", "—" when there is none."""
    return "—" if rate is None else f"{round(float(rate) * 100)} %"


@register.filter
def times(lift) -> str:
    """A lift (Fraction or None) as a multiple: "1.8×", "—" when it cannot be measured."""
    return "—" if lift is None else f"{float(lift):.1f}×"
