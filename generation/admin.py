from django.contrib import admin

from generation.models import GenerationJob


@admin.register(GenerationJob)
class GenerationJobAdmin(admin.ModelAdmin):
    list_display = ("id", "author", "status", "progress", "aspect", "duration_s", "backend", "created_at")
    list_filter = ("status", "backend", "aspect")
    search_fields = ("=id", "author__handle")
    raw_id_fields = ("author", "remix_of", "video")
    readonly_fields = ("consent", "timings", "people", "cameos")
