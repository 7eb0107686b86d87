"""/api/v1/clients/{id}/payment-accounts/ and /payment-types/: a client's cards and bank accounts, and which it takes.

Reading needs `clients.view_client` and `payments.view_paymentaccount`; adding, editing and deleting
need `payments.add_`, `change_` and `delete_paymentaccount` too (choosing auto-debit and the accepted
types, `change_`), checked before the client is looked up, as the desk's pages check theirs. Every
write goes through the payments actions, which check the numbers and keep them (sealed in the vault,
or at the merchant gateway): no answer ever holds a number, a security code, sealed text or a
gateway's token. Adding an account needs an Idempotency-Key, so a retry never stores a card twice.
The auto-debit account is chosen by POST to an account's `auto-debit/`, and given up by DELETE there.
There is no way to read a stored number through the API.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.debug import sensitive_variables
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import decorators, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from clientdesk.api.idempotency import idempotent
from clientdesk.api.pagination import KeysetPaginator, page_size
from clientdesk.api.payment_input import (
    account_version,
    add_arguments,
    create_shape,
    errors_by_field,
    loaded_at,
    update_arguments,
)
from clientdesk.api.problems import PROBLEM_TYPES, field_errors, validation_response
from clientdesk.api.serializers.payments import (
    BankCreateSerializer,
    CardCreateSerializer,
    PaymentAccountEditSerializer,
    PaymentAccountSerializer,
    PaymentTypesSerializer,
)
from clientdesk.api.serializers.staff import NoInputSerializer
from clientdesk.api.views.common import (
    CURSOR_PARAMETERS,
    ID_PATTERN,
    IDEMPOTENCY_KEY,
    IDEMPOTENCY_KEY_REQUIRED,
    KEY_IN_USE,
    KEY_IN_USE_409,
    KEY_IN_USE_TEXT,
    PROBLEMS,
    desk,
    paginated,
    problem_example,
    requires,
    responses,
    token,
)
from clientdesk.clients.access import get_client_for
from clientdesk.clients.actions import EditConflictError
from clientdesk.clients.models import Client
from clientdesk.core.access import require
from clientdesk.payments import actions, queries
from clientdesk.payments.models import AccountKind, PaymentAccount
from clientdesk.payments.queries import client_accounts

VIEW_CLIENT = "clients.view_client"
VIEW, ADD = "payments.view_paymentaccount", "payments.add_paymentaccount"
CHANGE, DELETE = "payments.change_paymentaccount", "payments.delete_paymentaccount"

NEW_CARD = {
    "kind": "card",
    "number": "4242 4242 4242 4242",
    "expiry_month": 12,
    "expiry_year": 2031,
    "security_code": "123",
    "copy_from": 812,
}
NEW_BANK = {
    "kind": "bank",
    "account_type": "checking",
    "routing_number": "011000015",
    "account_number": "000123456789",
    "holder": {"first_name": "Ann", "last_name": "Lee", "city": "Leeds", "country": "GB"},
}
ADD_422 = (
    PROBLEMS[422][0],
    [
        OpenApiExample(
            "A mistyped number, an expired card",
            problem_example(
                422,
                "validation",
                "Nothing was written: 2 fields (number, expiry_year) are not valid.",
                errors={
                    "number": ["This card number is not valid: check it for a mistyped digit."],
                    "expiry_year": ["This card has expired."],
                },
            ),
        ),
        OpenApiExample(
            "Already on file",
            problem_example(
                422,
                "validation",
                "Nothing was written: 1 field (number) is not valid.",
                errors={"number": ["This card is already on file for this client."]},
            ),
        ),
    ],
)
EDIT_422 = (
    PROBLEMS[422][0],
    [
        OpenApiExample(
            "Half of a new pair",
            problem_example(
                422,
                "validation",
                "Nothing was written: 1 field (routing_number) is not valid.",
                errors={"routing_number": ["Enter the routing number again with the new account number."]},
            ),
        )
    ],
)
EDIT_409 = (
    f"Someone else saved the account since the version in If-Match (`edit-conflict`), or {KEY_IN_USE_TEXT}.",
    [
        OpenApiExample(
            "Saved by someone else",
            problem_example(
                409,
                "edit-conflict",
                PROBLEM_TYPES["edit-conflict"][2],
                errors={
                    "__all__": [
                        "Someone else saved this payment account after you opened this form. Nothing was saved: "
                        "reload it to see their change, then make yours again."
                    ]
                },
            ),
        ),
        KEY_IN_USE,
    ],
)
ACCOUNT = OpenApiResponse(
    PaymentAccountSerializer,
    description="The payment account (never its number); its ETag header is the version an edit can name.",
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    description="The ETag of the account as you read it: when someone saved the account since, nothing is written "
    "(409 `edit-conflict`). Without it, only the fields you send are changed, over whatever they hold.",
)
NEW_ACCOUNT = PolymorphicProxySerializer(
    component_name="PaymentAccountCreate",
    serializers={AccountKind.CARD.value: CardCreateSerializer, AccountKind.BANK.value: BankCreateSerializer},
    resource_type_field_name="kind",
)
NOTHING = {"type": "object", "maxProperties": 0, "description": "Nothing to send: an empty object, or no body."}
NO_INPUT: dict[str, Any] = {
    "request": {"application/json": NOTHING},
    "examples": [OpenApiExample("Nothing", {}, request_only=True)],
}


def _client_for(request: Request, pk: str, perm: str) -> Client:
    """Client `pk`, for a staff member who may see clients and holds `perm` (checked first, as on the pages)."""
    require(desk(request), VIEW_CLIENT, perm)
    return get_client_for(desk(request), int(pk), perm=VIEW_CLIENT)


def _account_of(client: Client, account_id: str | int) -> PaymentAccount:
    """Account `account_id` of the client (404 when it is none of this client's)."""
    return get_object_or_404(client_accounts(client), pk=int(account_id))


def _account_response(request: Request, client: Client, pk: int, *, status: int = 200) -> Response:
    """The account as stored (and its URL as Location when it was just added)."""
    account = _account_of(client, pk)
    headers = {"ETag": account_version(account)}
    if status == 201:
        kwargs = {"pk": client.pk, "account_id": account.pk}
        headers["Location"] = reverse("api:v1:client-payment-account-detail", kwargs=kwargs, request=request)
    return Response(
        PaymentAccountSerializer(account, context={"request": request}).data, status=status, headers=headers
    )


class PaymentAccountViewSet(viewsets.ViewSet):
    """A client's payment accounts: the list, one account, add, edit, delete, and the auto-debit account."""

    lookup_url_kwarg = "account_id"
    lookup_value_regex = ID_PATTERN

    @extend_schema(
        summary="List a client's payment accounts",
        description="The client's cards and bank accounts, the auto-debit account first, then cards, then bank "
        "accounts, oldest first: brand and last four, expiry or account type, holder, owner, where the number is "
        "kept. Never a number.",
        parameters=CURSOR_PARAMETERS,
        responses=responses({200: paginated("PaymentAccountPage", PaymentAccountSerializer)}, 400, 403, 404),
    )
    def list(self, request: Request, pk: str) -> Response:
        client = _client_for(request, pk, VIEW)
        page = KeysetPaginator().paginate(request, client_accounts(client), page_size(request))
        return Response(page.data(PaymentAccountSerializer(page.rows, many=True, context={"request": request}).data))

    @extend_schema(
        summary="Add a payment account",
        description="Add CC Account (`kind: card`) or Add ACH Account (`kind: bank`). The card number is checked "
        "(Luhn, brand from its prefix), the expiry must not be past, the routing number must pass its checksum. "
        "The number goes to the merchant gateway when it keeps accounts (only its token is kept), else it is "
        "encrypted in the desk's vault; the security code is never stored. The client's first account becomes its "
        "auto-debit account. Requires an Idempotency-Key; the number and code are never echoed, nor kept with "
        "the key.",
        request=NEW_ACCOUNT,
        parameters=[IDEMPOTENCY_KEY_REQUIRED],
        responses=responses(
            {201: OpenApiResponse(PaymentAccountSerializer, description="Added; Location is its URL.")},
            400,
            403,
            404,
            problems={409: KEY_IN_USE_409, 422: ADD_422},
        ),
        examples=[
            OpenApiExample("A card, holder copied from a billing contact", NEW_CARD, request_only=True),
            OpenApiExample("A bank account", NEW_BANK, request_only=True),
        ],
    )
    @requires(VIEW_CLIENT, ADD)
    def create(self, request: Request, pk: str) -> Response:
        return self._add(request, _client_for(request, pk, ADD))  # a missing client is a 404 before the key

    @idempotent(required=True)
    @sensitive_variables()
    def _add(self, request: Request, client: Client) -> Response:
        shape = create_shape(request.data)
        shape.is_valid(raise_exception=True)
        arguments = add_arguments(client, shape.validated_data)
        add = actions.card_add if shape.validated_data["kind"] == AccountKind.CARD else actions.bank_add
        try:
            account = add(actor=token(request), **arguments)
        except ValidationError as exc:
            return validation_response(errors_by_field(exc))
        return _account_response(request, client, account.pk, status=201)

    @extend_schema(summary="Read a payment account", responses=responses({200: ACCOUNT}, 403, 404))
    def retrieve(self, request: Request, pk: str, account_id: str) -> Response:
        client = _client_for(request, pk, VIEW)
        return _account_response(request, client, int(account_id))

    @extend_schema(
        summary="Edit a payment account",
        description="Send only the fields to change. A card: its holder, owner (`copy_from`), expiry, or a new number "
        "(with its security code, which a gateway that keeps the card asks for). A bank account: its holder, owner, "
        "type, or a new routing and account number (both: the pair is one account). Left out, the stored number "
        "stays; fields of the other kind are refused.",
        request=PaymentAccountEditSerializer,
        parameters=[IF_MATCH, IDEMPOTENCY_KEY],
        responses=responses({200: ACCOUNT}, 400, 403, 404, 412, problems={409: EDIT_409, 422: EDIT_422}),
        examples=[
            OpenApiExample("A new expiry", {"expiry_month": 3, "expiry_year": 2032}, request_only=True),
            OpenApiExample(
                "A new holder address", {"holder": {"city": "Bath", "postal_code": "BA1 1LT"}}, request_only=True
            ),
        ],
    )
    @requires(VIEW_CLIENT, CHANGE)
    @idempotent()
    @sensitive_variables()
    def partial_update(self, request: Request, pk: str, account_id: str) -> Response:
        client = _client_for(request, pk, CHANGE)
        account = _account_of(client, account_id)
        shape = PaymentAccountEditSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        update = actions.card_update if account.kind == AccountKind.CARD else actions.bank_update
        since = loaded_at(account, request.headers.get("If-Match", ""))
        try:
            update(actor=token(request), loaded_at=since, **update_arguments(client, account, shape.validated_data))
        except EditConflictError as exc:
            return validation_response(field_errors(exc), name="edit-conflict", current=exc.current)
        except ValidationError as exc:
            return validation_response(errors_by_field(exc))
        except PaymentAccount.DoesNotExist:
            raise Http404 from None  # deleted meanwhile
        return _account_response(request, client, account.pk)

    @extend_schema(
        summary="Delete a payment account",
        description="Its encrypted number is destroyed with it; a gateway that keeps it is told to forget it. When "
        "it was the auto-debit account, the client has none until another is chosen.",
        parameters=[IDEMPOTENCY_KEY],
        responses=responses(
            {204: OpenApiResponse(description="Deleted.")}, 400, 403, 404, 422, problems={409: KEY_IN_USE_409}
        ),
    )
    @requires(VIEW_CLIENT, DELETE)
    @idempotent()
    def destroy(self, request: Request, pk: str, account_id: str) -> Response:
        account = _account_of(_client_for(request, pk, DELETE), account_id)
        try:
            actions.account_delete(actor=token(request), account=account)
        except PaymentAccount.DoesNotExist:
            raise Http404 from None  # deleted meanwhile
        return Response(status=204)

    @extend_schema(
        summary="Use a payment account for auto-debit",
        description="The client's invoices are charged to this account from now on (one account at most: it replaces "
        "the one before). Choosing the auto-debit account again changes nothing.",
        parameters=[IDEMPOTENCY_KEY],
        responses=responses({200: ACCOUNT}, 400, 403, 404, 422, problems={409: KEY_IN_USE_409}),
        **NO_INPUT,
    )
    @decorators.action(detail=True, methods=["post"], url_path="auto-debit", url_name="auto-debit")
    @requires(VIEW_CLIENT, CHANGE)
    @idempotent()
    def auto_debit(self, request: Request, pk: str, account_id: str) -> Response:
        client = _client_for(request, pk, CHANGE)
        account = _account_of(client, account_id)
        NoInputSerializer(data=request.data).is_valid(raise_exception=True)
        actions.auto_debit_set(actor=token(request), client=client, account=account)
        return _account_response(request, client, account.pk)

    @extend_schema(
        summary="Stop auto-debiting a payment account",
        description="When this is the client's auto-debit account, the client has none from now on (nothing is "
        "charged automatically until another is chosen). For any other account, nothing changes.",
        parameters=[IDEMPOTENCY_KEY],
        responses=responses(
            {204: OpenApiResponse(description="The account is not (or no longer) the auto-debit account.")},
            400,
            403,
            404,
            422,
            problems={409: KEY_IN_USE_409},
        ),
    )
    @auto_debit.mapping.delete
    @requires(VIEW_CLIENT, CHANGE)
    @idempotent()
    def auto_debit_clear(self, request: Request, pk: str, account_id: str) -> Response:
        client = _client_for(request, pk, CHANGE)
        account = _account_of(client, account_id)
        if account.auto_debit:
            actions.auto_debit_set(actor=token(request), client=client, account=None)
        return Response(status=204)


def _types_response(client: Client) -> Response:
    types = queries.payment_types(client)
    return Response(PaymentTypesSerializer(types).data)


class PaymentTypesView(APIView):
    """Accepted Payment Types: whether the client may use cards, bank accounts, or both."""

    @extend_schema(
        summary="Which payment types a client accepts",
        description="Whether cards and bank accounts are accepted for the client (both, unless set otherwise).",
        responses=responses({200: PaymentTypesSerializer}, 403, 404),
    )
    def get(self, request: Request, pk: str) -> Response:
        return _types_response(_client_for(request, pk, VIEW))

    @extend_schema(
        summary="Set the payment types a client accepts",
        description="Accept cards, bank accounts, both or neither. Accounts already on file stay.",
        request=PaymentTypesSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses=responses({200: PaymentTypesSerializer}, 400, 403, 404, 422, problems={409: KEY_IN_USE_409}),
        examples=[OpenApiExample("Cards only", {"cards": True, "bank_accounts": False}, request_only=True)],
    )
    @requires(VIEW_CLIENT, CHANGE)
    @idempotent()
    def put(self, request: Request, pk: str) -> Response:
        client = _client_for(request, pk, CHANGE)
        shape = PaymentTypesSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        actions.payment_types_set(actor=token(request), client=client, **shape.validated_data)
        return _types_response(client)
