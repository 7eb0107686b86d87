"""Settings → Email templates (`mail_templates:…`): list, edit with preview, restore the default."""

from django.urls import path

from clientdesk.mail import template_views

app_name = "mail_templates"

urlpatterns = [
    path("settings/email-templates/", template_views.emailtemplate_list, name="emailtemplate_list"),
    path("settings/email-templates/<slug:action>/", template_views.emailtemplate_edit, name="emailtemplate_edit"),
    path(
        "settings/email-templates/<slug:action>/preview/",
        template_views.emailtemplate_preview,
        name="emailtemplate_preview",
    ),
    path(
        "settings/email-templates/<slug:action>/restore/",
        template_views.emailtemplate_reset,
        name="emailtemplate_reset",
    ),
]
