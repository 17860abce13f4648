"""The ranked feed the way a competent stock DRF project serves it, for comparison only (never in the
product): a ReadOnlyModelViewSet with a ModelSerializer, ordered by the stored, indexed `hot_score`
column (the same one For You ranks by) with DRF's CursorPagination, so a deep page costs what page 1
does. What it lacks is what For You adds: nothing personal (follows, mutuals, people shown, blocks,
finished videos, likes) and no author diversity."""

from django.urls import include, path
from rest_framework import pagination, serializers, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.routers import SimpleRouter

from feed.models import Video


class StockVideoSerializer(serializers.ModelSerializer):
    author_handle = serializers.CharField(source="author.handle")

    class Meta:
        model = Video
        fields = [
            "id",
            "author_handle",
            "caption",
            "status",
            "media",
            "poster",
            "duration_ms",
            "width",
            "height",
            "like_count",
            "comment_count",
            "view_count",
            "remix_count",
            "remix_of",
            "created_at",
            "published_at",
        ]


class StockPagination(pagination.CursorPagination):
    page_size = 20
    ordering = ("-hot_score", "-id")  # the index feed_video_hot (published videos)


class StockFeedViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = StockVideoSerializer
    pagination_class = StockPagination
    permission_classes = [AllowAny]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return Video.objects.filter(status="published").select_related("author")


router = SimpleRouter()
router.register("stock-feed", StockFeedViewSet, basename="stock-feed")
urlpatterns = [path("api/v1/", include(router.urls)), path("", include("config.urls"))]
