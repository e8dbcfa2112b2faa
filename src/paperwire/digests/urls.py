"""Addresses of the digest pages; links.py builds the signed ones that go out in mail."""

from django.urls import path

from paperwire.digests import views

urlpatterns = [
    path("subscribe", views.subscribe_page, name="digests-subscribe"),
    path("subscriptions/confirm/<str:token>", views.confirm_page, name="digests-confirm"),
    path("subscriptions/manage/<str:token>", views.manage_page, name="digests-manage"),
    path(
        "subscriptions/feedback/<str:token>/<int:paper>/<str:action>",
        views.feedback_page,
        name="digests-feedback",
    ),
    path(
        "subscriptions/unsubscribe/<str:token>",
        views.unsubscribe_page,
        name="digests-unsubscribe",
    ),
]
