"""Logging activities on a record, marking tasks done, and My tasks."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from records import permissions, selectors, services
from records.forms import ActivityForm
from records.keyset import InvalidCursor, Page
from records.views.common import (
    announce_record_changed,
    is_partial,
    query_string,
    render_page,
    safe_next,
    submit,
)
from records.views.records import TIMELINE_PAGE, detail_context

TASKS_PAGE = 50


def _record_url(request, record_id, anchor="activity") -> str:
    return reverse("records:detail", args=[request.workspace.slug, record_id]) + f"#{anchor}"


def _activity_section(request, record, form, *, status=200):
    """The record page's activity section (log form + first timeline page), for htmx."""
    timeline = selectors.record_timeline(
        request.workspace,
        record,
        size=TIMELINE_PAGE,
        definitions=selectors.custom_field_definitions(request.workspace),
    )
    context = {"record": record, "activity_form": form, "timeline": timeline}
    return render(request, "records/detail.html#activity", context, status=status)


@require_POST
def activity_create(request, record_id):
    workspace = request.workspace
    record = selectors.record_detail(workspace, record_id)
    members = selectors.active_members(workspace)
    form = ActivityForm(request.POST, members=members)
    activity = submit(form, services.activity_log, record=record, actor=request.user)
    if activity is not None:
        if is_partial(request):
            fresh = ActivityForm(members=members, initial={"assignee": request.user.pk})
            return announce_record_changed(_activity_section(request, record, fresh))
        messages.success(request, f"{activity.get_kind_display()} logged.")
        return redirect(_record_url(request, record.pk))
    if is_partial(request):
        return _activity_section(request, record, form, status=400)
    context = detail_context(request, record, activity_form=form)
    return render(request, "records/detail.html", context, status=400)


def _after_done(request, activity):
    """The redrawn row (My tasks) or timeline entry for htmx; a redirect back otherwise."""
    if not is_partial(request):
        return redirect(safe_next(request, _record_url(request, activity.record_id, "timeline")))
    if request.POST.get("view") == "task":
        task = selectors.task_for_row(request.workspace, activity.pk)
        return render(request, "records/tasks.html#task-row", {"task": task, "tasks": [task]})
    entry = selectors.timeline_entry_for(activity)
    record = activity.record
    response = render(
        request, "records/partials/timeline_entry.html", {"entry": entry, "record": record}
    )
    return announce_record_changed(response)


@require_POST
def activity_done(request, activity_id):
    activity = selectors.activity_of(request.workspace, activity_id)
    activity = services.activity_mark_done(activity=activity, actor=request.user)
    return _after_done(request, activity)


@require_POST
def activity_reopen(request, activity_id):
    activity = selectors.activity_of(request.workspace, activity_id)
    try:
        activity = services.activity_reopen(activity=activity, actor=request.user)
    except ValidationError as exc:
        error = " ".join(exc.messages)
        if is_partial(request):
            return render(request, "records/tasks.html#task-error", {"error": error}, status=400)
        messages.error(request, error)
    return _after_done(request, activity)


@require_GET
def my_tasks(request):
    cursor = request.GET.get("cursor") or None
    # ?subject= narrows to one kind of job task (the CSM home's "handoffs not yet called");
    # ?everyone=1 shows every member's tasks to admins and leaders.
    subject = (request.GET.get("subject") or "")[:200]
    everyone = request.GET.get("everyone") == "1" and permissions.can_see_everyones_tasks(
        request.membership
    )
    status, error = 200, ""
    try:
        page = selectors.my_open_tasks(
            request.workspace,
            request.user,
            cursor=cursor,
            size=TASKS_PAGE,
            subject=subject,
            everyone=everyone,
        )
    except InvalidCursor as exc:
        page, status, error = Page(items=[], next_cursor=None), 400, str(exc)
    context = {
        "page": page,
        "subject": subject,
        "everyone": everyone,
        "cursor": cursor,
        "cursor_error": error,
        "next_url": query_string(request.GET, cursor=page.next_cursor)
        if page.next_cursor
        else None,
    }
    # "Load more" appends rows; the first page and plain requests get the whole page.
    partial = "task-rows" if cursor else "tasks"
    return render_page(request, "records/tasks.html", context, partial=partial, status=status)
