from django.contrib import admin

from pipeline.models import LostReason, QualificationRule, StageDefinition, StageTransition


class RuleInline(admin.TabularInline):
    model = QualificationRule
    extra = 0
    fields = ("position", "kind", "params", "message")


@admin.register(StageDefinition)
class StageDefinitionAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "workspace",
        "position",
        "team",
        "probability",
        "sla_days",
        "is_retired",
    )
    list_filter = ("team", "is_retired")
    search_fields = ("name", "key")
    inlines = [RuleInline]


@admin.register(StageTransition)
class StageTransitionAdmin(admin.ModelAdmin):
    """Read-only: stage history is append-only."""

    list_display = ("record", "kind", "from_stage", "to_stage", "actor", "at")
    list_filter = ("kind",)
    raw_id_fields = ("record",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LostReason)
class LostReasonAdmin(admin.ModelAdmin):
    list_display = ("label", "workspace", "position", "is_active")
