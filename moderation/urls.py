from django.urls import path

from moderation import apis

urlpatterns = [
    path("consent/check", apis.ConsentCheckApi.as_view(), name="consent-check"),
    path("takedowns/challenges", apis.TakedownChallengeApi.as_view(), name="takedown-challenges"),
    path("takedowns", apis.TakedownsApi.as_view(), name="takedowns"),
    path("takedowns/<str:tracking>", apis.TakedownApi.as_view(), name="takedown"),
]
