"""The moderators' side: the protected-names registry, the review queue of reports, the audit log."""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from core.exceptions import ApplicationError
from feed.models import Report
from moderation import services
from moderation.models import AuditEvent, ProtectedName


@admin.register(ProtectedName)
class ProtectedNameAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "aliases", "updated_at")
    list_filter = ("kind",)
    search_fields = ("name", "note")


@admin.register(Report)
class ReportQueueAdmin(admin.ModelAdmin):
    """Open reports first, oldest first. Actions: take the video down, or dismiss."""

    list_display = ("created_at", "reason", "video", "video_status", "reporter", "status")
    list_filter = ("status", "reason")
    raw_id_fields = ("video", "reporter")
    readonly_fields = ("video", "reporter", "reason", "detail", "created_at")
    ordering = ("status", "created_at")
    actions = ("take_down", "dismiss")

    @admin.display(description="video status")
    def video_status(self, report: Report) -> str:
        return report.video.status

    def get_queryset(self, request: HttpRequest) -> QuerySet[Report]:
        return super().get_queryset(request).select_related("video", "reporter")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Take the reported videos down")
    def take_down(self, request: HttpRequest, queryset: QuerySet[Report]) -> None:
        done = 0
        for report in queryset:
            try:
                services.report_take_down(report_id=report.pk, moderator=request.user)  # type: ignore[arg-type]
                done += 1
            except ApplicationError as exc:
                self.message_user(request, f"Report {report.pk}: {exc.detail}", messages.WARNING)
        self.message_user(request, f"{done} video(s) taken down.")

    @admin.action(description="Dismiss the reports")
    def dismiss(self, request: HttpRequest, queryset: QuerySet[Report]) -> None:
        closed = 0
        for report in queryset:
            closed += services.report_dismiss(report_id=report.pk, moderator=request.user)  # type: ignore[arg-type]
        self.message_user(request, f"{closed} report(s) dismissed.")


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the log is append-only."""

    list_display = ("created_at", "kind", "actor_id", "subject_id", "object_type", "object_id", "allowed")
    list_filter = ("kind", "allowed")
    search_fields = ("=actor_id", "=subject_id", "=object_id")
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
