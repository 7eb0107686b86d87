"""The Mail Logs: a client's (page and profile widget), the desk's (filters, pages by position), an opened
email; what each row says about its status; and the exact number of queries each page runs."""

import re
from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from clientdesk.mail import delivery, outbox, queries
from clientdesk.mail.actions import email_send
from clientdesk.mail.models import MailStatus, OutboundEmail, TemplateAction

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
ROW = 'class="list-group-item mail-row-item"'


def rows(response) -> int:
    assert response.status_code == 200
    return response.content.decode().count(ROW)


def subjects(response) -> list[str]:
    return re.findall(r'<span class="mail-row-subject">([^<]*)</span>', response.content.decode())


@pytest.fixture
def add_emails(billing, support):
    """Factory: `n` emails to the client, oldest first an hour apart: manual (by two staff members, with CC and
    BCC, resends of the one before) and automatic (the system's), in every status."""

    def add(client, n, *, start=None):
        start = start or timezone.now() - timedelta(hours=n)
        made: list[OutboundEmail] = []
        statuses = [MailStatus.SENT, MailStatus.FAILED, MailStatus.UNKNOWN, MailStatus.QUEUED]
        for i in range(n):
            if i % 3 == 2:
                with transaction.atomic():
                    email = outbox.queue(
                        to=[client.email],
                        subject=f"Email {i}",
                        text_body=f"Automatic {i}",
                        html_body=f"<p>Automatic {i}</p>",
                        client_id=client.pk,
                        template_action=TemplateAction.INVOICE_DELIVERY,
                    )
            else:
                email = email_send(
                    actor=[billing, support][i % 2], client=client, to=[client.email], cc=["cc@example.com"],
                    bcc=["bcc@example.com"], from_name="Desk", from_email="desk@example.com", subject=f"Email {i}",
                    html=f"<p>Manual {i}</p>", resent_from=made[-1] if made else None,
                )  # fmt: skip
            status = statuses[i % len(statuses)]
            OutboundEmail.objects.filter(pk=email.pk).update(
                queued_at=start + timedelta(hours=i),
                status=status,
                last_error={
                    MailStatus.FAILED: "550 5.1.1 User unknown",
                    MailStatus.UNKNOWN: delivery.UNKNOWN_ERROR,
                }.get(status, ""),
                sent_at=start + timedelta(hours=i, seconds=2) if status == MailStatus.SENT else None,
            )
            made.append(email)
        return made

    return add


# --- A client's Mail Log ---------------------------------------------------------------------


def test_the_mail_log_lists_every_email_to_the_client_newest_first_and_no_one_else_s(
    login_as, readonly, make_client, add_emails
):
    client = make_client()
    add_emails(client, 3)
    add_emails(make_client(), 2)
    response = login_as(readonly).get(reverse("mail:email_list", args=[client.pk]))
    assert subjects(response) == ["Email 2", "Email 1", "Email 0"]
    html = response.content.decode()
    assert "Automatic 2" in html  # automatic email is listed too, with its one-line summary
    assert "Manual 0" in html


def test_the_mail_log_pages_by_twenty(login_as, readonly, make_client, add_emails):
    client = make_client()
    add_emails(client, 25)
    web = login_as(readonly)
    first = web.get(reverse("mail:email_list", args=[client.pk]))
    assert subjects(first) == [f"Email {i}" for i in range(24, 4, -1)]
    assert "Page 1 of 2 · 25 emails" in first.content.decode()
    second = web.get(reverse("mail:email_list", args=[client.pk]) + "?page=2", headers=HTMX)
    assert subjects(second) == [f"Email {i}" for i in range(4, -1, -1)]
    assert '<nav aria-label="breadcrumb">' not in second.content.decode()  # the partial alone


def test_each_status_is_said_in_words_and_a_failure_shows_its_error(login_as, readonly, make_client, add_emails):
    client = make_client()
    add_emails(client, 4)  # sent, failed, unknown, queued
    html = login_as(readonly).get(reverse("mail:email_list", args=[client.pk])).content.decode()
    for status, label in [("sent", "Sent"), ("failed", "Failed"), ("unknown", "Unknown"), ("queued", "Queued")]:
        assert f'data-status="{status}">{label}</span>' in html
    assert "Failed: 550 5.1.1 User unknown" in html
    assert "May have gone out: the worker stopped while sending it." in html


def test_a_queued_email_waiting_for_a_retry_says_why(login_as, readonly, make_client):
    client = make_client()
    email = email_send(
        actor=None, client=client, to=["a@example.com"], from_name="", from_email="d@example.com", subject="S", text="T"
    )
    OutboundEmail.objects.filter(pk=email.pk).update(attempts=1, last_error="451 4.3.0 Try again later")
    html = login_as(readonly).get(reverse("mail:email_list", args=[client.pk])).content.decode()
    assert "Not sent yet; it will be tried again: 451 4.3.0 Try again later" in html


def test_a_row_opens_in_place_and_links_to_the_email_without_javascript(login_as, readonly, make_client, add_emails):
    client = make_client()
    (email,) = add_emails(client, 1)
    web = login_as(readonly)
    detail_url = reverse("mail:email_detail", args=[client.pk, email.pk])
    html = web.get(reverse("mail:email_list", args=[client.pk])).content.decode()
    assert f'hx-get="{detail_url}" hx-trigger="toggle once from:closest details"' in html
    assert f'<a href="{detail_url}">Open the email “Email 0”</a>' in html
    opened = web.get(detail_url, headers=HTMX).content.decode()
    assert "<nav" not in opened
    for shown in ("Desk &lt;desk@example.com&gt;", client.email, "cc@example.com", "bcc@example.com", "Manual 0"):
        assert shown in opened
    assert "written by Bill" in opened
    page = web.get(detail_url).content.decode()  # without htmx: a page of its own
    assert '<h1 class="h3 mb-4 text-break">Email 0</h1>' in page


def test_the_widget_shows_the_five_newest_and_pages_in_place(login_as, readonly, make_client, add_emails):
    client = make_client()
    add_emails(client, 7)
    web = login_as(readonly)
    widget = reverse("mail:client_emails", args=[client.pk])
    response = web.get(widget, headers=HTMX)
    assert subjects(response) == [f"Email {i}" for i in range(6, 1, -1)]
    html = response.content.decode()
    assert f'hx-get="{widget}?page=2" hx-target="#widget-emails"' in html
    assert subjects(web.get(widget + "?page=2", headers=HTMX)) == ["Email 1", "Email 0"]
    profile = web.get(client.get_absolute_url()).content.decode()
    assert widget in profile
    assert reverse("mail:email_list", args=[client.pk]) in profile  # "All email" and the Account Action


def test_an_empty_mail_log_says_so(login_as, readonly, make_client):
    client = make_client()
    web = login_as(readonly)
    assert (
        "No email has been sent to this client yet."
        in web.get(reverse("mail:email_list", args=[client.pk])).content.decode()
    )
    assert (
        "No email has been sent to this client yet."
        in web.get(reverse("mail:client_emails", args=[client.pk]), headers=HTMX).content.decode()
    )


# --- The desk's Mail Log ---------------------------------------------------------------------


def test_the_desk_mail_log_lists_all_outgoing_email_with_its_client(login_as, readonly, make_client, add_emails):
    grace, bo = make_client(first_name="Grace"), make_client(first_name="Bo")
    add_emails(grace, 2, start=timezone.now() - timedelta(days=2))
    add_emails(bo, 1)
    with transaction.atomic():
        outbox.queue(to=["new@staff.test"], subject="No client", text_body="x")
    response = login_as(readonly).get(reverse("mail:mail_log"))
    assert subjects(response) == ["No client", "Email 0", "Email 1", "Email 0"]
    html = response.content.decode()
    assert f"#{grace.id_code} {grace.name}" in html
    assert "No client · new@staff.test" in html


def test_the_desk_mail_log_filters_by_status_email_and_day(login_as, readonly, make_client, add_emails):
    client = make_client()
    start = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0) - timedelta(days=10)
    add_emails(client, 8, start=start)  # hourly from noon ten days ago: statuses cycle, every third automatic
    OutboundEmail.objects.filter(subject="Email 7").update(queued_at=start + timedelta(days=3))
    web = login_as(readonly)
    log = reverse("mail:mail_log")

    def listed(**query):
        return subjects(web.get(log, query))

    assert listed(status="failed") == ["Email 5", "Email 1"]
    assert listed(status="unknown") == ["Email 6", "Email 2"]
    assert listed(template="invoice_delivery") == ["Email 5", "Email 2"]
    assert listed(template="manual") == ["Email 7", "Email 6", "Email 4", "Email 3", "Email 1", "Email 0"]
    assert listed(template="manual", status="failed") == ["Email 1"]
    day = start.date()
    assert listed(since=str(day + timedelta(days=1))) == ["Email 7"]
    assert listed(until=str(day)) == [f"Email {i}" for i in range(6, -1, -1)]
    assert listed(since=str(day + timedelta(days=3)), until=str(day + timedelta(days=3))) == ["Email 7"]
    html = web.get(log, {"status": "failed"}).content.decode()
    assert "Clear filters" in html
    assert "No email matches these filters." in web.get(log, {"status": "sending"}).content.decode()


def test_bad_filters_are_shown_and_ignored(login_as, readonly, make_client, add_emails):
    add_emails(make_client(), 2)
    response = login_as(readonly).get(reverse("mail:mail_log"), {"status": "bogus", "since": "2026-13-45"})
    form = response.context["form"]
    assert set(form.errors) == {"status", "since"}
    assert subjects(response) == ["Email 1", "Email 0"]
    reversed_days = login_as(readonly).get(reverse("mail:mail_log"), {"since": "2026-02-01", "until": "2026-01-01"})
    assert reversed_days.context["form"].errors["until"] == ["Pick a day on or after the first."]


def test_the_desk_mail_log_pages_by_position_forwards_and_back(login_as, readonly, make_client, add_emails):
    client = make_client()
    add_emails(client, 45)
    web = login_as(readonly)
    log = reverse("mail:mail_log")
    first = web.get(log, {"template": "manual"})
    manual = [f"Email {i}" for i in range(44, -1, -1) if i % 3 != 2]  # 30 manual emails
    assert subjects(first) == manual[:20]
    page = first.context["page"]
    assert (page.is_first, page.newer) == (True, "")
    html = first.content.decode()
    assert f'href="?template=manual&amp;older={page.older}"' in html
    second = web.get(log, {"template": "manual", "older": page.older})
    assert subjects(second) == manual[20:]
    assert second.context["page"].older == ""
    back = web.get(log, {"template": "manual", "newer": second.context["page"].newer})
    assert subjects(back) == manual[:20]
    assert back.context["page"].is_first
    # A cursor that is not one is the first page.
    assert subjects(web.get(log, {"template": "manual", "older": "junk"})) == manual[:20]


def test_emails_to_staff_never_show_their_bodies(login_as, admin):
    with transaction.atomic():
        email = outbox.queue(
            to=["new@staff.test"], subject="You are invited", text_body="Set your password: https://desk/set/SECRET",
            html_body="<p>https://desk/set/SECRET</p>", template_action=TemplateAction.STAFF_INVITATION,
        )  # fmt: skip
    web = login_as(admin)
    listing = web.get(reverse("mail:mail_log")).content.decode()
    assert "You are invited" in listing
    assert "SECRET" not in listing
    assert "Not shown: it holds a sign-in link." in listing
    opened = web.get(reverse("mail:mail_log_detail", args=[email.pk]), headers=HTMX).content.decode()
    assert "SECRET" not in opened
    assert "<iframe" not in opened
    assert "The message is not shown" in opened
    assert web.get(reverse("mail:mail_log_html", args=[email.pk])).status_code == 404


def test_the_menu_links_the_desk_mail_log_for_those_who_may_read_it(login_as, readonly, outsider):
    assert f'href="{reverse("mail:mail_log")}">Mail log</a>' in login_as(readonly).get("/clients/").content.decode()


def test_the_staff_emails_body_rule_covers_the_staff_templates():
    assert {TemplateAction.STAFF_INVITATION, TemplateAction.STAFF_PASSWORD_RESET} == queries.HIDDEN_BODY_ACTIONS


# --- Query counts: one email or a full page, the same number ---------------------------------------
# Every request starts with the same four queries: the session, the user, and the user's permissions
# (those given to the user, those of the user's roles), read once by the first permission check.


@pytest.mark.parametrize("headers", [HTMX, {}], ids=["partial", "page"])
@pytest.mark.parametrize(("emails", "shown"), [(1, 1), (30, 20)])
def test_the_mail_log_runs_7_queries_for_one_email_or_thirty(
    login_as, admin, make_client, add_emails, django_assert_num_queries, emails, shown, headers
):
    client = make_client()
    add_emails(client, emails)
    web = login_as(admin)
    # 4 + the client, COUNT of its emails, the page of emails.
    with django_assert_num_queries(7):
        response = web.get(reverse("mail:email_list", args=[client.pk]), headers=headers)
    assert rows(response) == shown


@pytest.mark.parametrize("headers", [HTMX, {}], ids=["partial", "page"])
@pytest.mark.parametrize(("emails", "shown"), [(1, 1), (30, 5)])
def test_the_widget_runs_7_queries_for_one_email_or_thirty(
    login_as, admin, make_client, add_emails, django_assert_num_queries, emails, shown, headers
):
    client = make_client()
    add_emails(client, emails)
    web = login_as(admin)
    with django_assert_num_queries(7):
        response = web.get(reverse("mail:client_emails", args=[client.pk]), headers=headers)
    assert rows(response) == shown


@pytest.mark.parametrize(("emails", "shown"), [(1, 1), (30, 20)])
def test_the_desk_mail_log_runs_5_queries_for_one_email_or_thirty(
    login_as, admin, make_client, add_emails, django_assert_num_queries, emails, shown
):
    clients = 1 if emails == 1 else 3  # a full page of several clients' email
    for _ in range(clients):
        add_emails(make_client(), emails // clients)
    web = login_as(admin)
    # 4 + the page of emails with their clients (and one more row, which says another page follows).
    with django_assert_num_queries(5):
        response = web.get(reverse("mail:mail_log"), {"status": "", "template": ""})
    assert rows(response) == shown
    with django_assert_num_queries(5):
        response = web.get(reverse("mail:mail_log"), {"older": response.context["page"].older or "1.1"})


@pytest.mark.parametrize("scope", ["client", "desk"])
def test_an_opened_email_runs_6_queries_in_a_client_s_log_and_5_in_the_desk_s(
    login_as, admin, make_client, add_emails, django_assert_num_queries, scope
):
    client = make_client()
    email = add_emails(client, 2)[-1]  # a resend: its original is shown too
    web = login_as(admin)
    if scope == "client":
        url, count = reverse("mail:email_detail", args=[client.pk, email.pk]), 6  # 4 + the client, the email
    else:
        url, count = reverse("mail:mail_log_detail", args=[email.pk]), 5  # 4 + the email with its client
    with django_assert_num_queries(count):
        response = web.get(url, headers=HTMX)
    html = response.content.decode()
    assert "Resent from" in html
    assert "written by Sue" in html


def test_the_email_form_runs_6_queries_and_resend_7(
    login_as, admin, make_client, make_contact, add_emails, django_assert_num_queries
):
    client = make_client()
    for _ in range(3):
        make_contact(client)
    (email,) = add_emails(client, 1)
    web = login_as(admin)
    with django_assert_num_queries(6):  # 4 + the client, its contacts
        assert web.get(reverse("mail:email_send", args=[client.pk])).status_code == 200
    with django_assert_num_queries(7):  # 4 + the client, the email, its contacts
        assert web.get(reverse("mail:email_resend", args=[client.pk, email.pk])).status_code == 200


@pytest.mark.parametrize("emails", [0, 30])
def test_the_profile_runs_its_7_queries_whatever_email_the_client_has(
    login_as, admin, make_client, add_emails, django_assert_num_queries, emails
):
    client = make_client(phones=("(202) 555-0143",))
    add_emails(client, emails)
    web = login_as(admin)
    # As without email (clients/tests/test_query_counts.py): the Mail log widget loads from its own URL.
    with django_assert_num_queries(7):
        response = web.get(client.get_absolute_url())
    html = response.content.decode()
    assert reverse("mail:client_emails", args=[client.pk]) in html
    assert "Email 0" not in html
