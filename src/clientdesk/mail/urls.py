"""The mail app's pages (`mail:…`): Email Client, the Mail Log (a client's and the desk's), Resend."""

from django.urls import path

from clientdesk.mail import views

app_name = "mail"

urlpatterns = [
    path("clients/<int:pk>/email/", views.email_send, name="email_send"),
    path("clients/<int:pk>/emails/", views.email_list, name="email_list"),
    path("clients/<int:pk>/emails/widget/", views.client_emails, name="client_emails"),
    path("clients/<int:pk>/emails/<int:email_pk>/", views.email_detail, name="email_detail"),
    path("clients/<int:pk>/emails/<int:email_pk>/html/", views.email_html, name="email_html"),
    path("clients/<int:pk>/emails/<int:email_pk>/resend/", views.email_resend, name="email_resend"),
    path("emails/", views.mail_log, name="mail_log"),
    path("emails/<int:email_pk>/", views.mail_log_detail, name="mail_log_detail"),
    path("emails/<int:email_pk>/html/", views.mail_log_html, name="mail_log_html"),
]
