"""Sign-in, sign-out, password (and its reset by email) and two-factor pages; Settings → Staff and the
set-password links."""

from django.urls import path

from clientdesk.accounts import reset_views, staff_views, views

app_name = "accounts"

urlpatterns = [
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-in/code/", views.sign_in_verify, name="sign_in_verify"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("password/", views.password_change, name="password_change"),
    # "Forgot your password?": the request, its one answer, and the page the emailed link opens
    path("password/reset/", reset_views.password_reset, name="password_reset"),
    path("password/reset/sent/", reset_views.password_reset_sent, name="password_reset_sent"),
    path("password/reset/<str:uid>/<str:token>/", reset_views.password_reset_confirm, name="password_reset_confirm"),
    path("security/", views.security, name="security"),
    # Settings → Staff, and the page a set-password link opens
    path("staff/", staff_views.staff_list, name="staff_list"),
    path("staff/add/", staff_views.staff_add, name="staff_add"),
    path("staff/<int:pk>/", staff_views.staff_detail, name="staff_detail"),
    path("staff/<int:pk>/roles/", staff_views.staff_roles, name="staff_roles"),
    path("staff/<int:pk>/deactivate/", staff_views.staff_deactivate, name="staff_deactivate"),
    path("staff/<int:pk>/reactivate/", staff_views.staff_reactivate, name="staff_reactivate"),
    path("staff/<int:pk>/two-factor-reset/", staff_views.staff_two_factor_reset, name="staff_two_factor_reset"),
    path("staff/<int:pk>/lock-clear/", staff_views.staff_lock_clear, name="staff_lock_clear"),
    path("staff/<int:pk>/link/", staff_views.staff_link, name="staff_link"),
    path("set-password/<str:uid>/<str:token>/", staff_views.password_set, name="password_set"),
]
