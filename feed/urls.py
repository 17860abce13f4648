from django.urls import path

from feed import apis

urlpatterns = [
    path("feed", apis.ForYouApi.as_view(), name="feed-for-you"),
    path("feed/steer", apis.SteerApi.as_view(), name="feed-steer"),
    path("feed/following", apis.FollowingFeedApi.as_view(), name="feed-following"),
    path("users/<str:handle>/videos", apis.UserVideosApi.as_view(), name="user-videos"),
    path("videos/<id:video_id>", apis.VideoDetailApi.as_view(), name="video-detail"),
    path("videos/<id:video_id>/like", apis.LikeApi.as_view(), name="video-like"),
    path("videos/<id:video_id>/comments", apis.CommentsApi.as_view(), name="video-comments"),
    path("videos/<id:video_id>/views", apis.ViewsApi.as_view(), name="video-views"),
    path("videos/<id:video_id>/report", apis.ReportApi.as_view(), name="video-report"),
    path("comments/<id:comment_id>", apis.CommentDetailApi.as_view(), name="comment-detail"),
]
