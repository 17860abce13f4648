from django.urls import path

from moderation import apis

urlpatterns = [
    path("consent/check", apis.ConsentCheckApi.as_view(), name="consent-check"),
]
