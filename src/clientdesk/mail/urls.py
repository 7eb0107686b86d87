"""The mail app's pages (`mail:…`): Email Client, the Mail Log (a client's and the desk's), Resend."""

app_name = "mail"

urlpatterns: list = []
