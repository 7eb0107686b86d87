"""The payments app: what it declares to the rest of the desk."""

from clientdesk.core.contract import AccountAction, DeskApp, MenuItem, ProfileWidget, Role


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
    profile_widgets = [
        ProfileWidget(
            name="payment-accounts",
            title="Payment accounts",
            url_name="payments:client_accounts",
            permission="payments.view_paymentaccount",
            column="side",
            order=20,
            link_label="Manage",
            link_url_name="payments:account_list",
        ),
    ]
    account_actions = [
        AccountAction(
            label="Payment accounts",
            url_name="payments:account_list",
            permission="payments.view_paymentaccount",
            order=10,
        ),
        AccountAction(
            label="Add CC account", url_name="payments:card_add", permission="payments.add_paymentaccount", order=11
        ),
        AccountAction(
            label="Add ACH account", url_name="payments:bank_add", permission="payments.add_paymentaccount", order=12
        ),
    ]
    demo_seeder = "clientdesk.payments.demo.seed"
    menu = [
        MenuItem(
            label="Encryption",
            url_name="payments_settings:encryption",
            permission="payments.change_vaultkey",
            order=930,
        )
    ]
    demo_after = ("clients",)
