"""API tokens: only a hash is kept, the secret works as its owner's, and every other secret is refused."""

import hashlib
from datetime import timedelta
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from clientdesk.accounts.actions import user_deactivate
from clientdesk.api.actions import api_token_create, api_token_revoke
from clientdesk.api.models import ApiToken
from clientdesk.audit.models import ActorType, AuditEvent

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"


def bearer(api, secret):
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return api


def assert_refused(response, detail):
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.json()["detail"] == detail


def test_only_a_hash_of_the_secret_is_stored(admin, make_token):
    token, secret = make_token(admin, name="billing-sync")
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert secret not in str(row)
    assert row["secret_hash"] == hashlib.sha256(secret.encode()).hexdigest()
    assert secret.startswith(f"cdk_{row['key_id']}_")
    assert len(secret) > 50


def test_a_token_acts_as_its_owner(api_as, billing):
    api = api_as(billing)
    body = api.get(ME).json()
    assert body["email"] == billing.email
    assert body["roles"] == ["Billing"]
    assert "clients.add_client" in body["permissions"]
    assert body["token"]["name"] == api.token.name
    assert "secret" not in body["token"]
    assert "secret_hash" not in str(body)


@pytest.mark.parametrize(
    ("header", "detail"),
    [
        ("Bearer cdk_000000000000_nothing-like-a-real-secret", "This is not a valid API token."),
        ("Bearer not-even-shaped-like-a-token", "This is not a valid API token."),
        ("Bearer two parts", "Send the token as `Authorization: Bearer <token>`."),
        ("Bearer", "Send the token as `Authorization: Bearer <token>`."),
    ],
)
def test_a_secret_that_is_no_token_is_refused(api_as, admin, header, detail):
    api = api_as(None)
    api.credentials(HTTP_AUTHORIZATION=header)
    assert_refused(api.get(ME), detail)


def test_a_known_key_id_with_a_wrong_secret_is_refused(api_as, admin, make_token):
    token, _ = make_token(admin)
    forged = f"cdk_{token.key_id}_{'x' * 43}"
    assert_refused(bearer(api_as(None), forged).get(ME), "This is not a valid API token.")


def test_no_token_at_all_is_refused_with_a_challenge(api_as):
    assert_refused(api_as(None).get(ME), "Authentication credentials were not provided.")


def test_an_expired_token_is_refused(api_as, admin, make_token):
    token, secret = make_token(admin, expires_at=timezone.now() + timedelta(days=1))
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert_refused(bearer(api_as(None), secret).get(ME), "This API token has expired.")


def test_a_revoked_token_is_refused(api_as, admin, make_token):
    token, secret = make_token(admin)
    assert bearer(api_as(None), secret).get(ME).status_code == 200
    api_token_revoke(actor=admin, token=token)
    assert_refused(bearer(api_as(None), secret).get(ME), "This API token was revoked.")


def test_a_deactivated_members_token_is_refused(api_as, admin, billing, make_token):
    _, secret = make_token(billing)
    user_deactivate(actor=admin, user=billing)
    assert_refused(bearer(api_as(None), secret).get(ME), "The staff member this API token belongs to is deactivated.")


def test_a_read_only_token_reads_and_refuses_every_write(api_as, admin, make_client):
    client = make_client()
    api = api_as(admin, read_only=True)
    events = AuditEvent.objects.count()
    assert api.get(f"/api/v1/clients/{client.pk}/").status_code == 200
    writes = [
        api.post(
            "/api/v1/clients/", {"first_name": "A", "last_name": "B", "email": "a@b.example"}, HTTP_IDEMPOTENCY_KEY="1"
        ),
        api.patch(f"/api/v1/clients/{client.pk}/", {"city": "Reston"}),
        api.post(f"/api/v1/clients/{client.pk}/status/", {"seen": "active"}),
        api.delete(f"/api/v1/clients/{client.pk}/"),
    ]
    for response in writes:
        assert response.status_code == 403
        assert response.json()["type"] == "urn:clientdesk:problem:read-only-token"
    assert AuditEvent.objects.count() == events


def test_last_use_is_written_at_most_once_a_minute(api_as, admin, django_assert_num_queries):
    api = api_as(admin)
    assert api.token.last_used_at is None
    api.get(ME)
    first = ApiToken.objects.get(pk=api.token.pk).last_used_at
    assert first is not None
    api.get(ME)
    assert ApiToken.objects.get(pk=api.token.pk).last_used_at == first
    ApiToken.objects.filter(pk=api.token.pk).update(last_used_at=first - timedelta(seconds=61))
    api.get(ME)
    later = ApiToken.objects.get(pk=api.token.pk).last_used_at
    assert later is not None
    assert later > first


def test_what_a_token_writes_is_audited_in_its_name_and_its_owners(api_as, make_staff, make_client, make_token):
    from clientdesk.core.contract import Role

    ann = make_staff("ann@staff.test", Role.BILLING)
    ann.full_name = "Ann Lee"
    ann.save(update_fields=["full_name"])
    client = make_client()
    _, secret = make_token(ann, name="billing-sync")
    assert bearer(api_as(None), secret).patch(f"/api/v1/clients/{client.pk}/", {"city": "Reston"}).status_code == 200
    event = AuditEvent.objects.get(action="client.update", client_pk=client.pk)
    assert event.actor_type == ActorType.TOKEN
    assert event.actor_label == "API token 'billing-sync' of Ann Lee"
    assert event.actor_user == ann


def test_making_and_revoking_a_token_are_audited(admin, billing):
    token, _ = api_token_create(actor=billing, owner=billing, name="nightly export", read_only=True)
    made = AuditEvent.objects.get(action="api_token.create")
    assert made.actor_user == billing
    assert made.target_model == "api.apitoken"
    assert made.target_pk == str(token.pk)
    assert made.changes["name"] == [None, "nightly export"]
    assert made.changes["read_only"] == [None, True]
    assert "secret_hash" not in made.changes
    api_token_revoke(actor=admin, token=token)
    revoked = AuditEvent.objects.get(action="api_token.revoke")
    assert revoked.actor_user == admin
    assert revoked.changes["revoked_at"][0] is None
    api_token_revoke(actor=admin, token=token)  # again: nothing changes, nothing recorded
    assert AuditEvent.objects.filter(action="api_token.revoke").count() == 1


def test_a_member_names_each_live_token_differently(billing, make_token):
    token, _ = make_token(billing, name="billing-sync")
    with pytest.raises(ValidationError) as refused:
        make_token(billing, name="Billing-Sync")
    assert "name" in refused.value.message_dict or "__all__" in refused.value.message_dict
    api_token_revoke(actor=billing, token=token)
    make_token(billing, name="billing-sync")  # a revoked token's name is free again


@pytest.mark.parametrize(
    ("name", "expires_in", "field"),
    [
        ("", None, "name"),
        ("   ", None, "name"),
        ("x" * 65, None, "name"),
        ("sync", timedelta(seconds=-1), "expires_at"),
    ],
)
def test_a_token_needs_a_name_and_a_future_expiry(billing, name, expires_in, field):
    expires_at = timezone.now() + expires_in if expires_in is not None else None
    with pytest.raises(ValidationError) as refused:
        api_token_create(actor=billing, owner=billing, name=name, expires_at=expires_at)
    assert field in refused.value.message_dict
    assert not ApiToken.objects.exists()


def test_no_token_is_made_for_a_deactivated_member(admin, billing):
    user_deactivate(actor=admin, user=billing)
    with pytest.raises(ValidationError):
        api_token_create(actor=admin, owner=billing, name="sync")
    assert not ApiToken.objects.exists()


# --- The `token` command -------------------------------------------------------------------------


def run(*args):
    out = StringIO()
    call_command("token", *args, stdout=out)
    return out.getvalue()


def test_the_command_prints_a_working_secret_once(api_as, billing):
    out = run("create", billing.email, "--name", "billing-sync", "--read-only", "--expires-days", "30")
    secret = next(line.strip() for line in out.splitlines() if line.strip().startswith("cdk_"))
    token = ApiToken.objects.get()
    assert token.owner == billing
    assert token.read_only
    assert token.expires_at is not None
    assert timedelta(days=29) < token.expires_at - timezone.now() <= timedelta(days=30)
    assert token.matches(secret)
    assert secret not in run("list", billing.email)
    assert bearer(api_as(None), secret).get(ME).json()["email"] == billing.email
    assert AuditEvent.objects.get(action="api_token.create").actor_type == ActorType.SYSTEM


def test_the_command_revokes_by_id(billing, make_token):
    token, _ = make_token(billing, name="sync")
    assert "Revoked" in run("revoke", f"cdk_{token.key_id}")
    token.refresh_from_db()
    assert token.revoked_at is not None


@pytest.mark.parametrize(
    "args",
    [
        ("create", "nobody@staff.test", "--name", "x"),
        ("create", "bill@staff.test", "--name", ""),
        ("create", "bill@staff.test", "--name", "x", "--expires-days", "0"),
        ("revoke", "000000000000"),
    ],
)
def test_the_command_refuses_what_it_cannot_do(billing, args):
    with pytest.raises(CommandError):
        run(*args)
    assert not ApiToken.objects.exists()
