from django.contrib import admin
from django.urls import include, path, register_converter
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from core import views as core_views
from core.converters import IdConverter
from feed.apis import media_file

register_converter(IdConverter, "id")

api_v1 = [
    path("", include("accounts.urls")),
    path("", include("feed.urls")),
    path("", include("cameos.urls")),
    path("", include("moderation.urls")),
    path("", include("generation.urls")),
]

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("api/v1/", include(api_v1)),
    path("media/v/<str:media_key>/<str:filename>", media_file, name="media-file"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("admin/", admin.site.urls),
    path("", include("web.urls")),
]

handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
