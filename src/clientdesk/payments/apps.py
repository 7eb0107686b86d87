"""The payments app: what it declares to the rest of the desk."""

from clientdesk.core.contract import DeskApp, MenuItem, Role


class PaymentsConfig(DeskApp):
    """Payment accounts: cards and bank accounts, the local vault, gateways and auto-debit."""

    name = "clientdesk.payments"
    label = "payments"
    verbose_name = "Payment accounts"
    role_permissions = {
        Role.BILLING: [
            "view_paymentaccount",
            "add_paymentaccount",
            "change_paymentaccount",
            "delete_paymentaccount",
            "reveal_paymentaccount",
        ],
        Role.SUPPORT: ["view_paymentaccount"],
        Role.READ_ONLY: ["view_paymentaccount"],
    }
    menu = [
        MenuItem(
            label="Encryption",
            url_name="payments_settings:encryption",
            permission="payments.change_vaultkey",
            order=930,
        )
    ]
    demo_after = ("clients",)
