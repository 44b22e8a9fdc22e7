"""Included at the workspace root (/w/<slug>/): records under records/, My tasks at tasks/ and
the custom fields under settings/fields/, the ICP profile under settings/icp/."""

from django.urls import path

from records.views import (
    activities,
    contact_list,
    contacts,
    custom_fields,
    export,
    icp,
    merge,
    quick_search,
    records,
    saved_views,
)

app_name = "records"

urlpatterns = [
    path("records/", records.record_list, name="list"),
    path("records/new/", records.record_create, name="create"),
    path("records/export/", export.record_export, name="export"),
    path("records/deleted/", records.deleted_list, name="deleted"),
    path("records/views/new/", saved_views.view_create, name="view_create"),
    path("records/views/<int:view_id>/update/", saved_views.view_update, name="view_update"),
    path("records/views/<int:view_id>/edit/", saved_views.view_edit, name="view_edit"),
    path("records/views/<int:view_id>/delete/", saved_views.view_delete, name="view_delete"),
    path("records/columns/", saved_views.columns_choose, name="columns"),
    path("records/<int:record_id>/", records.record_detail, name="detail"),
    path("records/<int:record_id>/edit/", records.record_edit, name="edit"),
    path("records/<int:record_id>/delete/", records.record_delete, name="delete"),
    path("records/<int:record_id>/restore/", records.record_restore, name="restore"),
    path("records/<int:record_id>/timeline/", records.record_timeline, name="timeline"),
    path("records/<int:record_id>/merge/", merge.merge_search, name="merge"),
    path(
        "records/<int:record_id>/merge/<int:other_id>/",
        merge.merge_confirm,
        name="merge_confirm",
    ),
    path("records/<int:record_id>/contacts/", contacts.contacts_section, name="contacts"),
    path("records/<int:record_id>/contacts/new/", contacts.contact_create, name="contact_create"),
    path(
        "records/<int:record_id>/contacts/<int:contact_id>/edit/",
        contacts.contact_edit,
        name="contact_edit",
    ),
    path(
        "records/<int:record_id>/contacts/<int:contact_id>/delete/",
        contacts.contact_delete,
        name="contact_delete",
    ),
    path(
        "records/<int:record_id>/contacts/<int:contact_id>/erase/",
        contacts.contact_erase,
        name="contact_erase",
    ),
    path(
        "records/<int:record_id>/activities/new/",
        activities.activity_create,
        name="activity_create",
    ),
    path(
        "records/activities/<int:activity_id>/done/",
        activities.activity_done,
        name="activity_done",
    ),
    path(
        "records/activities/<int:activity_id>/reopen/",
        activities.activity_reopen,
        name="activity_reopen",
    ),
    path("tasks/", activities.my_tasks, name="tasks"),
    # The workspace's contacts, and the navigation's quick search over records and contacts.
    path("contacts/", contact_list.contact_list, name="contact_list"),
    path("search/", quick_search.quick_search, name="quick_search"),
    path("settings/fields/", custom_fields.field_list, name="fields"),
    path("settings/fields/<int:field_id>/", custom_fields.field_edit, name="field_edit"),
    path("settings/fields/<int:field_id>/delete/", custom_fields.field_delete, name="field_delete"),
    path("settings/views/", saved_views.role_defaults, name="role_defaults"),
    path("settings/icp/", icp.icp_settings, name="icp"),
    path("settings/icp/progress/", icp.icp_progress, name="icp_progress"),
    path("settings/icp/weights/", icp.icp_weights, name="icp_weights"),
    path("settings/icp/recompute/", icp.icp_recompute, name="icp_recompute"),
    path("settings/icp/criteria/new/", icp.icp_criterion_create, name="icp_criterion_create"),
    path("settings/icp/criteria/<int:index>/", icp.icp_criterion_edit, name="icp_criterion_edit"),
    path(
        "settings/icp/criteria/<int:index>/delete/",
        icp.icp_criterion_delete,
        name="icp_criterion_delete",
    ),
]
