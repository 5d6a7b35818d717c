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
    path("password-dimenticata/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-dimenticata/inviata/",
        views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/impostata/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("persone-e-ruoli/", views.people, name="people"),
    path("persone-e-ruoli/invita/", views.person_invite, name="person_invite"),
    path("persone-e-ruoli/<int:pk>/", views.account_detail, name="account"),
    path("persone-e-ruoli/<int:pk>/attivo/", views.account_active, name="account_active"),
    path("persone-e-ruoli/<int:pk>/invito/", views.invitation_resend, name="invitation_resend"),
    path("ruoli/<int:pk>/revoca/", views.membership_revoke, name="membership_revoke"),
    path("registro-attivita/", views.activity, name="activity"),
    path("il-mio-account/", views.my_account, name="my_account"),
]
