from django.urls import path

from transparency import views

app_name = "transparency"

urlpatterns = [
    path("<slug:slug>/premi/", views.premi_years, name="premi_years"),
    path("<slug:slug>/premi/<int:year>/", views.premi, name="premi"),
    path("<slug:slug>/premi/<int:year>/premi.csv", views.premi_csv, name="premi_csv"),
]
