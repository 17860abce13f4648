from django.urls import path

from cameos import apis

urlpatterns = [
    path("cameo", apis.MyCameoApi.as_view(), name="cameo"),
    path("cameo/challenges", apis.ChallengeApi.as_view(), name="cameo-challenges"),
    path("cameo/requests", apis.RequestsApi.as_view(), name="cameo-requests"),
    path(
        "cameo/requests/<id:grant_id>/approve",
        apis.RequestDecisionApi.as_view(approve=True),
        name="cameo-request-approve",
    ),
    path(
        "cameo/requests/<id:grant_id>/deny", apis.RequestDecisionApi.as_view(approve=False), name="cameo-request-deny"
    ),
    path("cameo/grants", apis.GrantsApi.as_view(), name="cameo-grants"),
    path("cameo/grants/<id:grant_id>", apis.GrantDetailApi.as_view(), name="cameo-grant"),
    path("cameo/appearances", apis.AppearancesApi.as_view(), name="cameo-appearances"),
    path("cameo/appearances/<id:video_id>", apis.AppearanceDetailApi.as_view(), name="cameo-appearance"),
    path("cameo/scan", apis.ScanApi.as_view(), name="cameo-scan"),
    path("cameo/possible-matches", apis.PossibleMatchesApi.as_view(), name="cameo-possible-matches"),
    path(
        "cameo/possible-matches/<id:match_id>/confirm",
        apis.PossibleMatchDecisionApi.as_view(confirm=True),
        name="cameo-possible-match-confirm",
    ),
    path(
        "cameo/possible-matches/<id:match_id>/remove",
        apis.PossibleMatchDecisionApi.as_view(confirm=False),
        name="cameo-possible-match-remove",
    ),
    path("cameos/<str:handle>", apis.CameoAccessApi.as_view(), name="cameos-access"),
    path("cameos/<str:handle>/requests", apis.CameoRequestApi.as_view(), name="cameos-requests"),
    path("search", apis.SearchApi.as_view(), name="search"),
    path("trending", apis.TrendingApi.as_view(), name="trending"),
]
