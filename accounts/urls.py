from django.urls import path
from django.views.generic import RedirectView

from accounts import views

app_name = "accounts"

urlpatterns = [
    # The home page is «Cosa devo fare» (desk:home, listed before accounts in performa/urls.py);
    # this name stays for the pages that link to the home as accounts:home.
    path("", RedirectView.as_view(pattern_name="desk:home"), name="home"),
    path("ente/", views.home, name="overview"),
    path("accedi/", views.LoginView.as_view(), name="login"),
    path("esci/", views.LogoutView.as_view(), name="logout"),
    path("enti/", views.choose_ente, name="choose_ente"),
]
