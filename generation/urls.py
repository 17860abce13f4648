from django.urls import path

from generation import apis

urlpatterns = [
    path("generations", apis.GenerationsApi.as_view(), name="generations"),
    path("generations/<uuid:job_id>", apis.GenerationDetailApi.as_view(), name="generation-detail"),
    path("generations/<uuid:job_id>/cancel", apis.GenerationCancelApi.as_view(), name="generation-cancel"),
    path("generations/<uuid:job_id>/publish", apis.GenerationPublishApi.as_view(), name="generation-publish"),
]
