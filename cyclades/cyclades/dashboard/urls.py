from django.urls import path

from cyclades.dashboard import views

urlpatterns = [
    path("", views.index),
    path("static/<str:name>", views.asset),
]
