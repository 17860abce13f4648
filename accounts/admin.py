from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, AdminUserCreationForm, UserChangeForm
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse

from accounts import services
from accounts.models import Block, Follow, User, normalize_handle
from core.admin import ReadOnlyAdmin
from core.exceptions import Conflict, InvalidInput


class HandleChecks(forms.ModelForm):
    def clean_handle(self) -> Any:
        """The checks sign-up applies (format, no trailing dot, reserved, the policy's receivers of
        handle_choosing, taken or a look-alike), so that support can give no one a handle no one may
        choose: one no prompt could mention, or that reads as someone else's."""
        handle = self.cleaned_data.get("handle") or ""
        if self.instance.pk is not None and normalize_handle(handle) == self.instance.handle:
            return self.instance.handle  # one saved under older rules stays (an old one ending in a dot)
        try:
            value = services.check_handle(handle)
            services.check_handle_free(value, exclude=self.instance.pk)
        except (InvalidInput, Conflict) as exc:
            raise forms.ValidationError(exc.extra["fields"]["handle"]) from exc
        return value


class UserAddForm(HandleChecks, AdminUserCreationForm):
    """Support's new account: its handle checked as at sign-up (Django's form checked none)."""


class UserForm(HandleChecks, UserChangeForm):
    def clean_display_name(self) -> Any:
        name = self.cleaned_data.get("display_name") or ""
        if "display_name" not in self.changed_data:  # one saved under older rules stays
            return name
        try:  # the rules a person's own change follows
            return services.check_display_name(name)
        except InvalidInput as exc:
            raise forms.ValidationError(exc.extra["fields"]["display_name"]) from exc

    def clean_birthdate(self) -> Any:
        birthdate = self.cleaned_data.get("birthdate")
        if birthdate is not None and "birthdate" in self.changed_data:  # one that joined under older rules stays
            try:
                services.check_birthdate(birthdate)
            except InvalidInput as exc:
                raise forms.ValidationError(exc.extra["fields"]["birthdate"]) from exc
        return birthdate


class HandleTakenMeanwhile(Exception):
    """The handle was free when the form was checked and taken, or a look-alike of it, before the
    account was saved (someone signed up with it at the same moment): the database refused it."""


class PasswordForm(AdminPasswordChangeForm):
    def save(self, commit: bool = True) -> Any:
        user = super().save(commit)
        if commit:
            # As when the person changes it: support resets the password of an account someone else
            # got into, and their tokens must stop working too.
            services.tokens_revoke_all(user=user)
        return user


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserForm
    add_form = UserAddForm
    change_password_form = PasswordForm
    ordering = ("-date_joined",)
    list_display = ("handle", "display_name", "birthdate", "is_staff", "is_active", "date_joined")
    search_fields = ("handle", "display_name")
    fieldsets = (
        (None, {"fields": ("handle", "password")}),
        ("Profile", {"fields": ("display_name", "birthdate", "approval_only")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("handle", "password1", "password2")}),)
    # Set through a protected person's look-alikes (moderation's admin), which also stops the jobs of
    # people the person did not approve.
    readonly_fields = ("approval_only",)

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        if change and "birthdate" in form.changed_data:
            # Through the service, so that someone it makes a minor stops the jobs they did not approve.
            services.user_birthdate_correct(user=obj, birthdate=obj.birthdate, by=request.user)
        if change and "is_active" in form.changed_data:
            # Through the service, so that no one goes on making videos of someone deactivated.
            services.user_active_set(user=obj, active=obj.is_active, by=request.user)
        try:
            with transaction.atomic():
                super().save_model(request, obj, form, change)
        except IntegrityError as exc:
            try:
                services.check_handle_free(obj.handle, exclude=obj.pk)
            except Conflict:
                raise HandleTakenMeanwhile from exc
            raise  # not the handle: a real fault

    def changeform_view(
        self, request: HttpRequest, object_id: str | None = None, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except HandleTakenMeanwhile:
            # As sign-up answers the same race: the first try was rolled back whole, and the form,
            # checked again, now meets the other account and shows the handle's error, saving nothing.
            return super().changeform_view(request, object_id, form_url, extra_context)

    def delete_model(self, request: HttpRequest, obj: User) -> None:
        services.account_erase(user=obj)  # as the person would: their files, the audit, the lock order

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for user in queryset.order_by("pk"):
            services.account_erase(user=user)


class PeoplesOwnChoice(ReadOnlyAdmin):
    """Follows and blocks are people's own choices, made through the API (accounts.services), whose
    consent cascade an edit here would skip: support may look, not change."""


@admin.register(Follow)
class FollowAdmin(PeoplesOwnChoice):
    list_display = ("follower", "followee", "created_at")
    raw_id_fields = ("follower", "followee")


@admin.register(Block)
class BlockAdmin(PeoplesOwnChoice):
    list_display = ("blocker", "blocked", "created_at")
    raw_id_fields = ("blocker", "blocked")
