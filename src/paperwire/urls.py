from django.contrib import admin
from django.urls import path

from paperwire.web import views

urlpatterns = [
    path("", views.newest, name="newest"),
    path("admin/", admin.site.urls),
]
