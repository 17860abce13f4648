from django.urls import path

from accounts import apis

urlpatterns = [
    path("auth/register", apis.RegisterApi.as_view(), name="auth-register"),
    path("auth/token", apis.TokenApi.as_view(), name="auth-token"),
    path("me", apis.MeApi.as_view(), name="me"),
    path("me/blocks", apis.MyBlocksApi.as_view(), name="me-blocks"),
    path("me/export", apis.ExportApi.as_view(), name="me-export"),
    path("notifications", apis.NotificationsApi.as_view(), name="notifications"),
    path("notifications/read", apis.NotificationsReadApi.as_view(), name="notifications-read"),
    path("users/<str:handle>", apis.UserDetailApi.as_view(), name="user-detail"),
    path("users/<str:handle>/follow", apis.FollowApi.as_view(), name="user-follow"),
    path("users/<str:handle>/block", apis.BlockApi.as_view(), name="user-block"),
    path("users/<str:handle>/followers", apis.FollowersApi.as_view(), name="user-followers"),
    path("users/<str:handle>/following", apis.FollowingApi.as_view(), name="user-following"),
]
