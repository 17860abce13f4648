from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from cameos.models import IdentityConflict


@admin.register(IdentityConflict)
class IdentityConflictAdmin(admin.ModelAdmin):
    """Enrollments refused because the face is already another account's active cameo: the person
    is told "If it is yours, contact support", and support finds here who asked, whose cameo the face
    is, and when, and marks each reviewed. Made by enrollment only, and gone with either account.
    The two faces' similarity is not shown: it is a measure of two people's faces."""

    list_display = ("created_at", "user", "existing_owner", "enrollment_id", "reviewed")
    list_filter = ("reviewed",)
    search_fields = ("user__handle", "existing_owner__handle")
    date_hierarchy = "created_at"
    fields = ("created_at", "user", "existing_owner", "enrollment", "reviewed")
    readonly_fields = ("created_at", "user", "existing_owner", "enrollment")
    actions = ("mark_reviewed",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Mark reviewed", permissions=["change"])
    def mark_reviewed(self, request: HttpRequest, queryset: QuerySet[IdentityConflict]) -> None:
        done = queryset.filter(reviewed=False).update(reviewed=True)
        self.message_user(request, f"{done} conflict(s) marked reviewed.")
