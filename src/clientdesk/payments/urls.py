"""Payment account pages: the list with auto-debit, the profile widget, add, edit, delete, show number, types."""

from django.urls import path

from clientdesk.payments import views

app_name = "payments"

urlpatterns = [
    path("clients/<int:pk>/payment-accounts/", views.account_list, name="account_list"),
    path("clients/<int:pk>/payment-accounts/widget/", views.client_accounts, name="client_accounts"),
    path("clients/<int:pk>/payment-accounts/add-card/", views.card_add, name="card_add"),
    path("clients/<int:pk>/payment-accounts/add-bank/", views.bank_add, name="bank_add"),
    path("clients/<int:pk>/payment-accounts/auto-debit/", views.auto_debit, name="auto_debit"),
    path("clients/<int:pk>/payment-accounts/types/", views.payment_types, name="payment_types"),
    path("clients/<int:pk>/payment-accounts/<int:account_pk>/edit/", views.account_edit, name="account_edit"),
    path("clients/<int:pk>/payment-accounts/<int:account_pk>/delete/", views.account_delete, name="account_delete"),
    path("clients/<int:pk>/payment-accounts/<int:account_pk>/reveal/", views.account_reveal, name="account_reveal"),
]
