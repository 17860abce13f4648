"""The moderators' side: the protected-person registry (with reference faces), the review queues of
reports and takedown requests, the audit log."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.files.storage import default_storage
from django.db.models import Count, F, Q, QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html

from core.admin import ReadOnlyAdmin
from core.exceptions import ApplicationError, InvalidInput
from feed.models import Report
from moderation import registry, services, takedowns
from moderation.models import AuditEvent, ProtectedFace, ProtectedPerson, TakedownMatch, TakedownRequest

FACES_PREFIX = "faces"  # the inline formset's prefix (the foreign key's related name)


class ProtectedFaceForm(forms.ModelForm):
    """A new face is an uploaded photo; an existing one is shown, and can only be removed."""

    upload = forms.FileField(
        required=False,
        label="New photo",
        help_text="A photo where the person's face is clearly visible (the largest face is used).",
    )

    class Meta:
        model = ProtectedFace
        fields = ()

    def __init__(self, *args: Any, prepared: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.prepared_photos = prepared or {}
        self.prepared: registry.PreparedPhoto | None = None
        if self.instance.pk:  # an existing face: shown (thumbnail), never replaced
            self.fields["upload"].disabled = True
            self.fields["upload"].widget = forms.HiddenInput()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        upload = cleaned.get("upload")
        if self.instance.pk or upload is None:
            return cleaned
        # Prepared before the admin's transaction opened (ProtectedPersonAdmin.changeform_view).
        result = self.prepared_photos.get(self.add_prefix("upload")) or _prepare(upload)
        if isinstance(result, ApplicationError):
            self.add_error("upload", result.detail)
        elif (
            self.instance.person_id
            and ProtectedFace.objects.filter(
                Q(sha256=result.sha256) | Q(stored_sha256=result.sha256), person_id=self.instance.person_id
            ).exists()
        ):
            self.add_error("upload", registry.DuplicateFace.default_detail)
        elif (other := registry.face_of_another(result.template, person_id=self.instance.person_id)) is not None:
            self.add_error("upload", registry.FaceOfAnother(other).detail)
        else:
            self.prepared = result
        return cleaned


def _prepare(upload: Any) -> registry.PreparedPhoto | ApplicationError:
    if upload.size > registry.MAX_PHOTO_BYTES:
        return registry.UnreadableImage(f"The photo is larger than {registry.MAX_PHOTO_BYTES // 2**20} MB.")
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    try:
        return registry.photo_prepare(data=data)
    except ApplicationError as exc:
        return exc


class ProtectedFaceInline(admin.TabularInline):
    model = ProtectedFace
    form = ProtectedFaceForm
    extra = 1
    readonly_fields = ("thumbnail", "source", "created_at")

    @admin.display(description="photo")
    def thumbnail(self, face: ProtectedFace) -> str:
        if not face.pk:
            return ""
        url = reverse("admin:moderation_protectedface_photo", args=[face.pk])
        return format_html('<a href="{}"><img src="{}" alt="" style="max-height:96px"></a>', url, url)


class ProtectedPersonForm(forms.ModelForm):
    aliases_text = forms.CharField(
        label="Aliases",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Other names, one per line (nicknames, stage names, common misspellings).",
    )
    known_for_text = forms.CharField(
        label="Known for",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "cols": 60}),
        help_text=(
            "What they are best known for, one short description a line, as people would describe them "
            "without their name: “the singer of Umbrella”, “the first woman in space”. Prompts are "
            "matched against each line by meaning, as against the description, but only where the "
            "prompt reads as being about someone in particular, and a line that names something "
            "(“Umbrella”, “1975”) only where the prompt names it too. For a private person (an "
            "estate's), put what identifies them in the description."
        ),
    )

    class Meta:
        model = ProtectedPerson
        fields = (
            "name", "aliases_text", "description", "known_for_text", "kind", "deceased", "note", "account",
            "lookalikes",
        )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["aliases_text"].initial = "\n".join(self.instance.aliases or [])
            self.fields["known_for_text"].initial = "\n".join(self.instance.known_for or [])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        cleaned["aliases"] = [line for line in cleaned.get("aliases_text", "").splitlines() if line.strip()]
        for problem in registry.clean_aliases(cleaned["aliases"], name=cleaned.get("name") or "")[1]:
            self.add_error("aliases_text", problem)
        cleaned["known_for"], problems = registry.clean_known_for(cleaned.get("known_for_text", "").splitlines())
        for problem in problems:
            self.add_error("known_for_text", problem)
        account = cleaned.get("account")
        if account is not None and account in (cleaned.get("lookalikes") or ()):
            self.add_error("lookalikes", registry.OWN_ACCOUNT_NOT_LOOKALIKE)
        name = cleaned.get("name")
        if not name:
            return cleaned
        if (too_long := registry.key_too_long(registry.name_key(name))) is not None:
            self.add_error("name", too_long)
            return cleaned
        others = ProtectedPerson.objects.filter(name_key=registry.name_key(name)).exclude(pk=self.instance.pk)
        if others.exists():
            self.add_error("name", "Someone with this name is already registered.")
        for field, problem in registry.name_clashes(name=name, aliases=cleaned["aliases"], exclude=self.instance.pk):
            self.add_error("name" if field == "name" else "aliases_text", problem)
        return cleaned


@admin.register(ProtectedPerson)
class ProtectedPersonAdmin(admin.ModelAdmin):
    """People nobody may generate, with reference photos. Saving goes through moderation.registry:
    a photo's face template is computed before the admin's transaction opens."""

    form = ProtectedPersonForm
    inlines = (ProtectedFaceInline,)
    list_display = ("name", "kind", "deceased", "description", "face_count", "account", "updated_at")
    list_filter = ("kind", "deceased")
    search_fields = ("name", "aliases", "description", "known_for", "note")
    raw_id_fields = ("account", "lookalikes")
    ordering = ("name_key",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[ProtectedPerson]:
        return super().get_queryset(request).select_related("account").annotate(face_total=Count("faces"))

    @admin.display(description="faces", ordering="face_total")
    def face_count(self, person: ProtectedPerson) -> int:
        return getattr(person, "face_total", 0)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[ProtectedPerson], search_term: str
    ) -> tuple[QuerySet[ProtectedPerson], bool]:
        """Also by the normalised name: "beyonce" finds Beyoncé."""
        found, duplicates = super().get_search_results(request, queryset, search_term)
        key = registry.name_key(search_term)
        if key:
            found |= queryset.filter(name_key__contains=key)
        return found, duplicates

    # --- saving through the registry's services --------------------------------------------------

    def changeform_view(
        self, request: HttpRequest, object_id: str | None = None, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        may_save = self.has_change_permission(request) if object_id else self.has_add_permission(request)
        if request.method == "POST" and may_save:
            # Heavy (detection and embedding): done here, before the transaction the admin opens.
            request._prepared_faces = {  # type: ignore[attr-defined]
                key: _prepare(upload)
                for key, upload in request.FILES.items()
                if key.startswith(f"{FACES_PREFIX}-") and key.endswith("-upload")
            }
        return super().changeform_view(request, object_id, form_url, extra_context)

    def get_formset_kwargs(self, request: HttpRequest, obj: Any, inline: Any, prefix: str) -> dict[str, Any]:
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, ProtectedFaceInline):
            kwargs["form_kwargs"] = {"prepared": getattr(request, "_prepared_faces", {})}
        return kwargs

    def save_model(self, request: HttpRequest, obj: ProtectedPerson, form: Any, change: bool) -> None:
        data = form.cleaned_data
        fields = {
            "name": data["name"],
            "aliases": data["aliases"],
            "description": data.get("description", ""),
            "known_for": data.get("known_for", []),
            "kind": data["kind"],
            "deceased": data.get("deceased", False),
            "note": data.get("note", ""),
        }
        try:
            # The look-alikes whose clearance changes are held before the entry is written (see
            # registry.lookalikes_hold): person_set_lookalikes below holds them again.
            registry.lookalikes_hold(person_id=obj.pk if change else None, accounts=data.get("lookalikes") or ())
            if change:
                person = registry.person_update(person=ProtectedPerson.objects.get(pk=obj.pk), **fields)
            else:
                person, _ = registry.person_upsert(**fields)
            operator = request.user  # staff: the admin is for signed-in staff only
            registry.person_link_account(person=person, account=data.get("account"), by=operator)  # type: ignore[arg-type]
            registry.person_set_lookalikes(person=person, accounts=data.get("lookalikes") or (), by=operator)  # type: ignore[arg-type]
        except InvalidInput as exc:  # the form checked these; a concurrent change can still get here
            raise forms.ValidationError(exc.detail) from exc
        obj.pk = person.pk
        obj.refresh_from_db()

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """The faces; the look-alikes were set by save_model, through the registry (not form.save_m2m)."""
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not ProtectedFace:
            super().save_formset(request, form, formset, change)
            return
        person = form.instance
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for face_form in formset.forms:
            face = face_form.instance
            if face.pk and face_form in formset.deleted_forms:
                registry.face_remove(face=face)
                formset.deleted_objects.append(face)
            elif not face.pk and face_form.prepared is not None and face_form not in formset.deleted_forms:
                upload = face_form.cleaned_data["upload"]
                try:
                    added = registry.face_add(person=person, data=b"", source=upload.name, prepared=face_form.prepared)
                except registry.DuplicateFace:
                    self.message_user(request, f"{upload.name}: {registry.DuplicateFace.default_detail}", messages.INFO)
                    continue
                except registry.FaceOfAnother as exc:  # added to the other person since the form was checked
                    self.message_user(request, f"{upload.name}: {exc.detail} It was not added.", messages.ERROR)
                    continue
                formset.new_objects.append(added)

    def delete_model(self, request: HttpRequest, obj: ProtectedPerson) -> None:
        registry.person_delete(person=obj, by=request.user)  # type: ignore[arg-type]

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ProtectedPerson]) -> None:
        for person in queryset:
            registry.person_delete(person=person, by=request.user)  # type: ignore[arg-type]

    # --- reference photos, to staff only ---------------------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        photo = path(
            "face/<int:face_id>/photo/",
            self.admin_site.admin_view(self.face_photo),
            name="moderation_protectedface_photo",
        )
        return [photo, *super().get_urls()]

    def face_photo(self, request: HttpRequest, face_id: int) -> HttpResponseBase:
        """A reference photo, for the staff who may view the registry; never cached by anyone else."""
        if not self.has_view_permission(request):
            return HttpResponse(status=403)
        face = get_object_or_404(ProtectedFace, pk=face_id)
        name = face.photo.name or ""
        if not name or not default_storage.exists(name):
            return HttpResponse(status=404)
        response = FileResponse(default_storage.open(name, "rb"), content_type="image/jpeg")
        response["Cache-Control"] = "private, no-store"
        return response


@admin.register(Report)
class ReportQueueAdmin(admin.ModelAdmin):
    """Open reports first, oldest first. Actions (to staff who may change reports): take the video
    down, or dismiss."""

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

    @admin.action(description="Take the reported videos down", permissions=("change",))
    def take_down(self, request: HttpRequest, queryset: QuerySet[Report]) -> None:
        done = 0
        for report in queryset:
            try:
                services.report_take_down(report_id=report.pk, moderator=request.user)  # type: ignore[arg-type]
                done += 1
            except ApplicationError as exc:
                self.message_user(request, f"Report {report.pk}: {exc.detail}", messages.WARNING)
        self.message_user(request, f"{done} video(s) taken down.")

    @admin.action(description="Dismiss the reports", permissions=("change",))
    def dismiss(self, request: HttpRequest, queryset: QuerySet[Report]) -> None:
        closed = 0
        for report in queryset:
            closed += services.report_dismiss(report_id=report.pk, moderator=request.user)  # type: ignore[arg-type]
        self.message_user(request, f"{closed} report(s) dismissed.")


class TakedownMatchInline(admin.TabularInline):
    model = TakedownMatch
    fields = ("video", "video_ref", "source", "similarity", "was_published")
    readonly_fields = fields
    raw_id_fields = ("video",)
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(TakedownRequest)
class TakedownQueueAdmin(admin.ModelAdmin):
    """Requests waiting for review first, the soonest due first (48 hours from receipt), so those past
    due (flagged `overdue`) lead. Actions (to staff who may change requests): confirm (every matched
    video removed everywhere, copies blocked) or dismiss (hidden videos back). The selfie is never
    shown here: it is deleted once verified."""

    list_display = (
        "tracking", "status", "overdue", "received_at", "due_at", "videos_hidden", "videos_removed", "email",
    )  # fmt: skip
    list_filter = ("status",)
    search_fields = ("=tracking", "=email")
    fields = (
        "tracking", "status", "reason_code", "reason", "email", "address", "videos_named", "videos_hidden",
        "videos_removed", "received_at", "due_at", "overdue_at", "verified_at", "closed_at", "reviewer",
        "mailed_status",
    )  # fmt: skip
    readonly_fields = fields
    inlines = (TakedownMatchInline,)
    ordering = (F("closed_at").asc(nulls_first=True), "due_at")  # open ones (not closed) first
    actions = ("confirm", "dismiss")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(boolean=True, description="overdue")
    def overdue(self, item: TakedownRequest) -> bool:
        """Still waiting for review past its due time."""
        return item.status == TakedownRequest.Status.HIDDEN and item.due_at <= timezone.now()

    @admin.action(description="Confirm: remove the matched videos everywhere", permissions=("change",))
    def confirm(self, request: HttpRequest, queryset: QuerySet[TakedownRequest]) -> None:
        self._decide(request, queryset, takedowns.request_confirm, "confirmed")

    @admin.action(description="Dismiss: put the hidden videos back", permissions=("change",))
    def dismiss(self, request: HttpRequest, queryset: QuerySet[TakedownRequest]) -> None:
        self._decide(request, queryset, takedowns.request_dismiss, "dismissed")

    def _decide(self, request: HttpRequest, queryset: QuerySet[TakedownRequest], decide: Any, done_word: str) -> None:
        done = 0
        for item in queryset:
            try:
                decide(request_id=item.pk, reviewer=request.user)
                done += 1
            except ApplicationError as exc:
                self.message_user(request, f"{item.tracking}: {exc.detail}", messages.WARNING)
        self.message_user(request, f"{done} request(s) {done_word}.")


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Read-only: the log is append-only."""

    list_display = ("created_at", "kind", "actor_id", "subject_id", "object_type", "object_id", "allowed")
    list_filter = ("kind", "allowed")
    search_fields = ("=actor_id", "=subject_id", "=object_id")
    date_hierarchy = "created_at"
