from django.urls import path

from cyclades.vmapi import views

urlpatterns = [
    path("server-params/<str:key>", views.server_params),
]
