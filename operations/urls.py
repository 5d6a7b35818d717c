from django.urls import path

from operations import views

app_name = "operations"

urlpatterns = [
    path("", views.my_data, name="my_data"),
    path("persone/<int:pk>/", views.person_data, name="person_data"),
]
