from django.contrib import admin

from core.admin import ReadOnlyAdmin
from generation.models import GenerationJob


@admin.register(GenerationJob)
class GenerationJobAdmin(ReadOnlyAdmin):
    """Jobs, to look at: they are made, checked and ended by generation.services only (an edit here
    would skip the consent checks), and the uploaded image is private: only whether there is one."""

    list_display = ("id", "author", "status", "progress", "aspect", "duration_s", "backend", "created_at")
    list_filter = ("status", "backend", "aspect")
    search_fields = ("=id", "author__handle")
    raw_id_fields = ("author", "remix_of", "video")
    exclude = ("image",)
    readonly_fields = ("has_image",)

    @admin.display(boolean=True, description="image uploaded")
    def has_image(self, job: GenerationJob) -> bool:
        return bool(job.image)
