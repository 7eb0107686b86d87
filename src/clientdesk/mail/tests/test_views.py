"""Email Client and Resend pages: who may use them, what they send, what they refuse; the HTML body's frame."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from clientdesk.audit.models import AuditEvent
from clientdesk.mail.actions import HEADER_INJECTION, email_send
from clientdesk.mail.models import MailStatus, OutboundEmail

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def grace(make_client, make_contact):
    client = make_client(first_name="Grace", last_name="Hopper", email="grace@example.com")
    make_contact(client, first_name="Bo", last_name="Billing", email="bo@example.com")
    return client


@pytest.fixture
def logged(grace, billing):
    """An email in Grace's Mail Log, with both parts."""
    return email_send(
        actor=billing,
        client=grace,
        to=["grace@example.com"],
        cc=["cc@example.com"],
        bcc=["bcc@example.com"],
        from_name="Bill Desk",
        from_email="bill@staff.test",
        subject="Your invoice",
        html='<p>Pay <a href="https://pay.example/1">here</a></p>',
    )


def mail_events():
    return AuditEvent.objects.filter(action__startswith="mail.")


def form_data(**overrides):
    data = {
        "recipient": "other",
        "to": "someone@example.com",
        "from_name": "Sue Support",
        "from_email": "sue@staff.test",
        "cc": "",
        "bcc": "",
        "subject": "Hello",
        "html": "<p>Hello <em>there</em></p>",
        "text": "",
    }
    return {**data, **overrides}


def url(name, client, email=None):
    return reverse(f"mail:{name}", args=[client.pk] if email is None else [client.pk, email.pk])


# --- Permissions: every page, every persona ---------------------------------------------------

CLIENT_PAGES = [
    ("email_list", False, "get"),
    ("client_emails", False, "get"),
    ("email_detail", True, "get"),
    ("email_html", True, "get"),
    ("email_send", False, "get"),
    ("email_send", False, "post"),
    ("email_resend", True, "get"),
    ("email_resend", True, "post"),
]
DESK_PAGES = [("mail_log", False), ("mail_log_detail", True), ("mail_log_html", True)]
SENDS = {"email_send", "email_resend"}


def page_url(name, of_email, logged):
    return url(name, logged.client, logged if of_email else None)


def desk_url(name, of_email, logged):
    return reverse(f"mail:{name}", args=[logged.pk] if of_email else [])


@pytest.mark.parametrize(("name", "of_email", "method"), CLIENT_PAGES)
def test_anonymous_is_sent_to_sign_in(client, logged, name, of_email, method):
    response = getattr(client, method)(page_url(name, of_email, logged), form_data() if method == "post" else {})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in"))
    assert OutboundEmail.objects.count() == 1


@pytest.mark.parametrize(("name", "of_email"), DESK_PAGES)
def test_anonymous_is_sent_to_sign_in_from_the_desk_mail_log(client, logged, name, of_email):
    response = client.get(desk_url(name, of_email, logged))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in"))


@pytest.mark.parametrize(("name", "of_email", "method"), CLIENT_PAGES)
def test_staff_without_a_role_gets_403_everywhere(login_as, outsider, logged, name, of_email, method):
    before = mail_events().count()
    response = getattr(login_as(outsider), method)(
        page_url(name, of_email, logged), form_data() if method == "post" else {}
    )
    assert response.status_code == 403
    assert (OutboundEmail.objects.count(), mail_events().count()) == (1, before)


@pytest.mark.parametrize(("name", "of_email"), DESK_PAGES)
def test_staff_without_a_role_gets_403_on_the_desk_mail_log(login_as, outsider, logged, name, of_email):
    assert login_as(outsider).get(desk_url(name, of_email, logged)).status_code == 403


@pytest.mark.parametrize("who", ["readonly", "support", "billing", "admin"])
def test_every_role_reads_the_mail_logs(request, login_as, logged, who):
    web = login_as(request.getfixturevalue(who))
    for name, of_email, _ in [p for p in CLIENT_PAGES if p[0] not in SENDS]:
        assert web.get(page_url(name, of_email, logged), headers=HTMX).status_code == 200, name
    for name, of_email in DESK_PAGES:
        assert web.get(desk_url(name, of_email, logged)).status_code == 200, name


@pytest.mark.parametrize(("name", "of_email", "method"), [p for p in CLIENT_PAGES if p[0] in SENDS])
def test_read_only_cannot_email_or_resend(login_as, readonly, logged, name, of_email, method):
    before = mail_events().count()
    response = getattr(login_as(readonly), method)(
        page_url(name, of_email, logged), form_data() if method == "post" else {}
    )
    assert response.status_code == 403
    assert (OutboundEmail.objects.count(), mail_events().count()) == (1, before)


def test_read_only_sees_no_email_or_resend_controls(login_as, readonly, logged):
    web = login_as(readonly)
    profile = web.get(logged.client.get_absolute_url()).content.decode()
    assert url("email_send", logged.client) not in profile
    assert url("email_list", logged.client) in profile  # the Mail log entry of Account Actions
    assert url("client_emails", logged.client) in profile  # the widget
    for html in (
        web.get(url("email_list", logged.client)).content.decode(),
        web.get(url("email_detail", logged.client, logged), headers=HTMX).content.decode(),
    ):
        assert "/resend/" not in html
        assert "Email client" not in html


def test_a_member_who_may_email_but_not_see_clients_gets_403(login_as, make_staff, logged):
    member = make_staff("mailer@staff.test")
    member.user_permissions.add(*Permission.objects.filter(codename__in=["view_outboundemail", "add_outboundemail"]))
    web = login_as(member)
    assert web.get(url("email_send", logged.client)).status_code == 403
    assert web.get(url("email_list", logged.client)).status_code == 403
    assert web.get(reverse("mail:mail_log")).status_code == 403


def test_an_email_of_another_client_is_404(login_as, admin, logged, make_client):
    other = make_client()
    web = login_as(admin)
    for name in ("email_detail", "email_html", "email_resend"):
        assert web.get(url(name, other, logged)).status_code == 404
    assert web.post(url("email_resend", other, logged), form_data()).status_code == 404
    assert web.get(reverse("mail:email_send", args=[999_999])).status_code == 404
    assert web.get(reverse("mail:mail_log_detail", args=[999_999])).status_code == 404
    assert OutboundEmail.objects.count() == 1


def test_the_send_pages_take_no_other_method(login_as, admin, logged):
    web = login_as(admin)
    assert web.put(url("email_send", logged.client)).status_code == 405
    assert web.post(url("email_list", logged.client)).status_code == 405
    assert web.post(url("email_html", logged.client, logged)).status_code == 405


# --- Email Client ---------------------------------------------------------------------------


def test_the_form_offers_the_contacts_primary_first_and_the_staff_member_as_sender(login_as, support, grace):
    html = login_as(support).get(url("email_send", grace)).content.decode()
    options = re.findall(r"<option value=\"\d+\"[^>]*>([^<]+)</option>", html)
    assert options == ["Grace Hopper &lt;grace@example.com&gt;", "Bo Billing &lt;bo@example.com&gt;"]
    assert 'value="Sue"' in html  # from name: the staff member's full name
    assert 'value="sue@staff.test"' in html
    assert re.search(r'<input type="radio" name="recipient" value="contact"[^>]*checked', html)
    assert "data-mail-editor" in html
    # The editor's assets are the desk's own files, its module and import map carry the page's nonce.
    assert re.search(r'<script type="importmap" nonce="[^"]+">', html)
    assert re.search(r'<script src="/static/clientdesk/mail_compose.js" nonce="[^"]+" type="module">', html)
    assert "https://" not in re.sub(r'href="https://[^"]*"', "", html.split("<main")[1]).split("</form>")[0]


@pytest.mark.parametrize("who", ["support", "billing", "admin"])
def test_emailing_a_contact_queues_it_and_lands_on_the_mail_log_showing_queued(request, login_as, grace, who):
    staff = request.getfixturevalue(who)
    web = login_as(staff)
    bo = grace.contacts.get(email="bo@example.com")
    response = web.post(url("email_send", grace), form_data(recipient="contact", contact=bo.pk, to=""), follow=True)
    assert response.redirect_chain == [(url("email_list", grace), 302)]
    html = response.content.decode()
    assert "Email queued" in html
    email = OutboundEmail.objects.get()
    assert (email.client, email.to, email.sent_by, email.status) == (
        grace,
        ["bo@example.com"],
        staff,
        MailStatus.QUEUED,
    )
    assert email.html_body == "<p>Hello <em>there</em></p>"
    assert email.text_body == "Hello there"
    assert 'data-status="queued">Queued</span>' in html
    assert AuditEvent.objects.filter(action="mail.send", client_pk=grace.pk).count() == 1


def test_another_address_may_hold_several_and_cc_bcc_are_comma_separated(login_as, support, grace):
    login_as(support).post(
        url("email_send", grace),
        form_data(to="a@example.com, b@example.com", cc="c@example.com,d@example.com", bcc="e@example.com"),
    )
    email = OutboundEmail.objects.get()
    assert (email.to, email.cc, email.bcc) == (
        ["a@example.com", "b@example.com"],
        ["c@example.com", "d@example.com"],
        ["e@example.com"],
    )


def test_a_text_part_typed_in_the_text_tab_is_sent_as_it_is(login_as, support, grace):
    login_as(support).post(url("email_send", grace), form_data(text="Hello there,\nplain version"))
    assert OutboundEmail.objects.get().text_body == "Hello there,\nplain version"


def test_script_in_the_html_is_never_stored(login_as, support, grace):
    hostile = '<p>Hi</p><script>alert(1)</script><img src=x onerror="alert(2)"><a href="javascript:alert(3)">x</a>'
    login_as(support).post(url("email_send", grace), form_data(html=hostile))
    stored = OutboundEmail.objects.get().html_body
    assert "<script" not in stored
    assert "onerror" not in stored
    assert "javascript" not in stored
    assert "alert" not in stored


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"recipient": ""}, "recipient", "This field is required."),
        ({"recipient": "other", "to": ""}, "to", "Enter an address."),
        ({"recipient": "contact", "contact": ""}, "contact", "Choose a contact."),
        ({"recipient": "contact", "contact": "999999"}, "contact", "Choose one of the client's contacts."),
        ({"to": "not-an-address"}, "to", "“not-an-address” is not a valid email address."),
        ({"to": "a@example.com\r\nBcc: victim@example.com"}, "to", HEADER_INJECTION),
        ({"cc": "c@example.com\nBcc: victim@example.com"}, "cc", HEADER_INJECTION),
        ({"bcc": "c@example.com\r\n"}, "bcc", HEADER_INJECTION),
        ({"subject": "Hello\r\nBcc: victim@example.com"}, "subject", HEADER_INJECTION),
        ({"subject": "Hello\r\n"}, "subject", HEADER_INJECTION),
        ({"from_name": "Sue\nBcc: victim@example.com"}, "from_name", HEADER_INJECTION),
        ({"from_email": "sue@staff.test\nBcc: victim@example.com"}, "from_email", HEADER_INJECTION),
        ({"from_email": "sue"}, "from_email", "“sue” is not a valid email address."),
        ({"subject": ""}, "subject", "Enter a subject."),
        ({"html": "", "text": ""}, "html", "Write a message."),
    ],
)
def test_bad_input_shows_a_field_error_and_writes_nothing(login_as, support, grace, overrides, field, message):
    response = login_as(support).post(url("email_send", grace), form_data(**overrides))
    assert response.status_code == 422
    form = response.context["form"]
    assert message in form.errors[field], form.errors
    assert not OutboundEmail.objects.exists()
    assert not mail_events().exists()
    html = response.content.decode()
    assert "is-invalid" in html
    kept = "subject" if "subject" not in overrides else "from_name"
    assert f'value="{form_data()[kept]}"' in html  # what was typed stays


def test_a_contact_of_another_client_cannot_be_chosen(login_as, support, grace, make_client):
    stranger = make_client(email="stranger@example.com").contacts.get()
    response = login_as(support).post(url("email_send", grace), form_data(recipient="contact", contact=stranger.pk))
    assert response.status_code == 422
    assert "contact" in response.context["form"].errors
    assert not OutboundEmail.objects.exists()


def test_a_client_without_contacts_with_an_address_starts_on_another_address(login_as, support, make_client):
    client = make_client()
    client.contacts.update(email="")
    html = login_as(support).get(url("email_send", client)).content.decode()
    assert re.search(r'<input type="radio" name="recipient" value="other"[^>]*checked', html)
    assert "This client has no contact with an address" in html


# --- Resend --------------------------------------------------------------------------------------


def test_resend_opens_the_form_pre_filled_from_the_logged_email(login_as, support, logged):
    response = login_as(support).get(url("email_resend", logged.client, logged))
    form = response.context["form"]
    assert form.initial["recipient"] == "other"
    assert form.initial["to"] == "grace@example.com"
    assert (form.initial["cc"], form.initial["bcc"]) == ("cc@example.com", "bcc@example.com")
    assert (form.initial["from_name"], form.initial["from_email"]) == ("Bill Desk", "bill@staff.test")
    assert form.initial["subject"] == "Your invoice"
    assert form.initial["html"] == logged.html_body
    assert form.initial["text"] == ""  # it was made from the HTML: it is made again from what is sent
    html = response.content.decode()
    assert "Resend email" in html
    assert "Starting from “Your invoice”" in html


def test_resend_keeps_a_text_part_that_was_written_by_hand(login_as, support, grace):
    original = email_send(
        actor=None, client=grace, to=["a@example.com"], from_name="", from_email="x@desk.example",
        subject="S", html="<p>Rich</p>", text="Hand-written text",
    )  # fmt: skip
    response = login_as(support).get(url("email_resend", grace, original))
    assert response.context["form"].initial["text"] == "Hand-written text"


def test_resending_to_another_address_makes_a_new_row_linked_to_the_original(login_as, support, logged):
    grace = logged.client
    web = login_as(support)
    response = web.post(
        url("email_resend", grace, logged),
        form_data(to="new@example.com", subject=logged.subject, html=logged.html_body),
    )
    assert response.status_code == 302
    again = OutboundEmail.objects.exclude(pk=logged.pk).get()
    assert (again.to, again.resent_from, again.status) == (["new@example.com"], logged, MailStatus.QUEUED)
    assert AuditEvent.objects.filter(action="mail.resend", client_pk=grace.pk).count() == 1
    detail = web.get(url("email_detail", grace, again), headers=HTMX).content.decode()
    assert "Resent from" in detail
    assert url("email_detail", grace, logged) in detail


def test_resend_may_go_to_a_contact(login_as, support, logged):
    bo = logged.client.contacts.get(email="bo@example.com")
    login_as(support).post(url("email_resend", logged.client, logged), form_data(recipient="contact", contact=bo.pk))
    assert OutboundEmail.objects.exclude(pk=logged.pk).get().to == ["bo@example.com"]


# --- The HTML body, in its sandboxed frame ---------------------------------------------------------


@pytest.mark.parametrize("scope", ["client", "desk"])
def test_the_html_body_is_served_with_its_own_strict_policy_for_a_same_origin_frame(login_as, readonly, logged, scope):
    web = login_as(readonly)
    target = url("email_html", logged.client, logged) if scope == "client" else desk_url("mail_log_html", True, logged)
    response = web.get(target)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    policy = [part.strip() for part in response["Content-Security-Policy"].split(";")]
    assert policy == [
        "default-src 'none'",
        "img-src data:",
        "style-src 'unsafe-inline'",
        "frame-ancestors 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "sandbox",
    ]
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode()
    assert '<a href="https://pay.example/1" rel="noopener noreferrer nofollow">here</a>' in body
    assert "<script" not in body


def test_the_pages_keep_the_desk_policy_and_frame_the_body_sandboxed(login_as, readonly, logged):
    web = login_as(readonly)
    response = web.get(url("email_detail", logged.client, logged), headers=HTMX)
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    found = re.search(r"<iframe[^>]*>", response.content.decode())
    assert found
    frame = found.group(0)
    assert 'sandbox=""' in frame
    assert f'src="{url("email_html", logged.client, logged)}"' in frame
    assert 'title="HTML of the email “Your invoice”"' in frame


def test_a_hostile_body_stored_before_today_s_rules_is_sanitised_again_on_the_way_out(login_as, readonly, logged):
    OutboundEmail.objects.filter(pk=logged.pk).update(
        html_body='<p>Old</p><script>alert(1)</script><img src="https://t.example/x">'
    )
    body = login_as(readonly).get(url("email_html", logged.client, logged)).content.decode()
    assert "<p>Old</p>" in body
    assert "<script" not in body
    assert "t.example" not in body


def test_an_email_without_html_has_no_frame_and_no_html_page(login_as, readonly, grace):
    email = email_send(
        actor=None, client=grace, to=["a@example.com"], from_name="", from_email="x@desk.example",
        subject="Plain", text="Only text https://example.com/x",
    )  # fmt: skip
    web = login_as(readonly)
    detail = web.get(url("email_detail", grace, email), headers=HTMX).content.decode()
    assert "<iframe" not in detail
    assert '<a href="https://example.com/x" rel="nofollow">https://example.com/x</a>' in detail
    assert web.get(url("email_html", grace, email)).status_code == 404
