"""Sign-in, sign-out, password and two-factor pages."""

from django.urls import path

from clientdesk.accounts import views

app_name = "accounts"

urlpatterns = [
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-in/code/", views.sign_in_verify, name="sign_in_verify"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("password/", views.password_change, name="password_change"),
    path("security/", views.security, name="security"),
]
