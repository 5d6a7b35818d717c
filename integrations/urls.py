from django.urls import path

from integrations import views

app_name = "integrations"

urlpatterns = [
    path("token/", views.tokens, name="tokens"),
    path("token/<int:pk>/revoca/", views.token_revoke_view, name="token_revoke"),
]
