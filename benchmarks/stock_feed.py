"""The For You page the way a stock DRF project serves it, for comparison only (never in the
product): a ModelViewSet with a ModelSerializer, page-number (offset) pagination with its COUNT,
ordered by a score computed in the query (engagement over age, Hacker-News style)."""

from django.db.models import ExpressionWrapper, F, FloatField
from django.db.models.expressions import RawSQL
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


class StockPagination(pagination.PageNumberPagination):
    page_size = 20


class StockFeedViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = StockVideoSerializer
    pagination_class = StockPagination
    permission_classes = [AllowAny]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        engagement = F("like_count") + 2 * F("completed_view_count") + 3 * F("comment_count") + 4 * F("remix_count")
        age_hours = RawSQL("EXTRACT(EPOCH FROM (NOW() - published_at)) / 3600.0", [])
        score = ExpressionWrapper(engagement / (age_hours + 2.0) ** 1.5, output_field=FloatField())
        return (
            Video.objects.filter(status="published")
            .select_related("author")
            .annotate(score=score)
            .order_by("-score", "-id")
        )


router = SimpleRouter()
router.register("stock-feed", StockFeedViewSet, basename="stock-feed")
urlpatterns = [path("api/v1/", include(router.urls)), path("", include("config.urls"))]
