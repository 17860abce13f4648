from django.urls import path

from web import views

urlpatterns = [
    path("", views.shell, name="web-shell"),
]
