from django.urls import path

from . import views

urlpatterns = [
    path("", views.search, name="search"),
    path("map/", views.search_map, name="search-map"),
]
