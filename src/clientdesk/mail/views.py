"""Mail pages: Email Client and Resend, a client's Mail Log (page and profile widget), the desk's Mail Log.

A logged email opens in place (htmx) with its addresses, its text and its HTML. The HTML is served by
its own view into a sandboxed frame: a document of its own under a policy of its own (no scripts, no
network, nothing but embedded images and inline styles), which only the desk's own pages may frame.
"""

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.csp import CSP
from django.utils.html import escape, urlize
from django.utils.safestring import mark_safe
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_GET, require_http_methods

from clientdesk.accounts.requests import StaffRequest
from clientdesk.clients.access import get_client_for
from clientdesk.clients.models import Client
from clientdesk.core.access import require
from clientdesk.core.http import is_htmx
from clientdesk.core.pagination import paginate
from clientdesk.mail import actions, queries
from clientdesk.mail import html as mail_html
from clientdesk.mail.forms import EmailForm, MailLogFilterForm, Recipient
from clientdesk.mail.models import OutboundEmail

PAGE_SIZE = settings.CLIENTDESK_PAGE_SIZE
WIDGET_SIZE = 5
VIEW = "mail.view_outboundemail"
SEND = "mail.add_outboundemail"
WIDGETS = "mail/client_widgets.html"
URLIZE_MAX = 50_000  # characters of a text body whose links are made clickable (beyond, it is shown as it is)
# The HTML body's own policy: nothing may load or run; inline styles (an email's own look) may apply.
# Only the desk's own pages may frame it (the desk's policy lets no page be framed).
BODY_CSP: dict[str, Any] = {
    "default-src": [CSP.NONE],
    "img-src": ["data:"],
    "style-src": [CSP.UNSAFE_INLINE],
    "frame-ancestors": [CSP.SELF],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.NONE],
    "sandbox": True,  # the directive alone: no scripts, popups, forms or same-origin access
}


def _client_for(request: HttpRequest, pk: int, perm: str) -> Client:
    """Client `pk` for a staff member holding `perm` (a mail permission) and allowed to see clients."""
    require(request, perm)
    return get_client_for(request, pk, perm="clients.view_client")


def _client_email(client: Client, email_pk: int) -> OutboundEmail:
    try:
        return queries.client_email(client, email_pk)
    except OutboundEmail.DoesNotExist:
        raise Http404 from None


def _email(request: HttpRequest, email_pk: int) -> OutboundEmail:
    """Any email of the desk, for the desk-wide Mail Log."""
    require(request, VIEW, "clients.view_client")
    try:
        return queries.email(email_pk)
    except OutboundEmail.DoesNotExist:
        raise Http404 from None


# --- A client's Mail Log ---------------------------------------------------------------------------


@require_GET
def email_list(request: HttpRequest, pk: int) -> HttpResponse:
    """The Mail Log of a client: every email to it, newest first, 20 a page."""
    client = _client_for(request, pk, VIEW)
    page = paginate(request, queries.client_mail_log(client), PAGE_SIZE)
    context = {"client": client, "page": page}
    template = "mail/email_list.html#emails" if is_htmx(request) else "mail/email_list.html"
    return render(request, template, context)


@require_GET
def client_emails(request: HttpRequest, pk: int) -> HttpResponse:
    """Profile widget: the client's newest emails, 5 a page, each opening in place."""
    client = _client_for(request, pk, VIEW)
    page = paginate(request, queries.client_mail_log(client), WIDGET_SIZE)
    context = {"client": client, "page": page, "widget_url": request.path}
    if is_htmx(request):
        return render(request, f"{WIDGETS}#emails", context)
    return render(request, WIDGETS, {**context, "title": "Mail log", "partial": f"{WIDGETS}#emails"})


def _detail(request: HttpRequest, email: OutboundEmail, *, urls: dict[str, str]) -> HttpResponse:
    """One email opened: its partial for htmx (a Mail Log row), a page of its own otherwise."""
    body = email.text_body
    text = urlize(body, nofollow=True, autoescape=True) if len(body) <= URLIZE_MAX else escape(body)
    context = {
        "email": email,
        "client": email.client,
        "text": mark_safe(text),  # noqa: S308  # escaped by urlize/escape above
        "body_hidden": queries.body_hidden(email),
        **urls,
    }
    template = "mail/email_detail.html#detail" if is_htmx(request) else "mail/email_detail.html"
    return render(request, template, context)


@require_GET
def email_detail(request: HttpRequest, pk: int, email_pk: int) -> HttpResponse:
    """One email of a client's Mail Log: from, to, CC, BCC, the text and the HTML (in a sandboxed frame)."""
    client = _client_for(request, pk, VIEW)
    email = _client_email(client, email_pk)
    urls = {
        "html_url": reverse("mail:email_html", args=[client.pk, email.pk]),
        "log_url": reverse("mail:email_list", args=[client.pk]),
        "original_url": reverse("mail:email_detail", args=[client.pk, email.resent_from_id])
        if email.resent_from_id
        else "",
    }
    return _detail(request, email, urls=urls)


def _html_body(email: OutboundEmail) -> HttpResponse:
    if not email.html_body or queries.body_hidden(email):
        raise Http404
    # Stored sanitised; sanitised again on the way out, should the rules have tightened since.
    context = {"email": email, "body": mail_html.sanitize(email.html_body)}
    response = HttpResponse(render_to_string("mail/email_body.html", context))
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_GET
@csp_override(BODY_CSP)
@xframe_options_sameorigin
def email_html(request: HttpRequest, pk: int, email_pk: int) -> HttpResponse:
    """The HTML body of a client's email, as a document of its own for a sandboxed frame."""
    client = _client_for(request, pk, VIEW)
    return _html_body(_client_email(client, email_pk))


# --- The desk's Mail Log -------------------------------------------------------------------------


@require_GET
def mail_log(request: HttpRequest) -> HttpResponse:
    """Every outgoing email of the desk, newest first, 20 a page, filtered by status, email and days."""
    require(request, VIEW, "clients.view_client")
    form = MailLogFilterForm(request.GET)
    emails = queries.mail_log(**form.filters())
    page = queries.keyset_page(
        emails, size=PAGE_SIZE, older=request.GET.get("older", ""), newer=request.GET.get("newer", "")
    )
    kept = {key: value for key, value in request.GET.items() if key in form.fields and value}
    context = {"form": form, "page": page, "query": urlencode(kept), "filtered": bool(kept)}
    template = "mail/mail_log.html#emails" if is_htmx(request) else "mail/mail_log.html"
    return render(request, template, context)


@require_GET
def mail_log_detail(request: HttpRequest, email_pk: int) -> HttpResponse:
    """One email of the desk's Mail Log, opened."""
    email = _email(request, email_pk)
    urls = {
        "html_url": reverse("mail:mail_log_html", args=[email.pk]),
        "log_url": reverse("mail:mail_log"),
        "original_url": reverse("mail:mail_log_detail", args=[email.resent_from_id]) if email.resent_from_id else "",
    }
    return _detail(request, email, urls=urls)


@require_GET
@csp_override(BODY_CSP)
@xframe_options_sameorigin
def mail_log_html(request: HttpRequest, email_pk: int) -> HttpResponse:
    """The HTML body of any email of the desk, for a sandboxed frame."""
    return _html_body(_email(request, email_pk))


# --- Email Client and Resend ---------------------------------------------------------------------


def _compose(
    request: StaffRequest, client: Client, *, initial: dict[str, Any], original: OutboundEmail | None = None
) -> HttpResponse:
    contacts = list(queries.recipient_contacts(client))
    context: dict[str, Any] = {"client": client, "original": original, "cancel_url": client.get_absolute_url()}
    if request.method == "GET":
        if not contacts:
            initial = {**initial, "recipient": Recipient.OTHER}
        form = EmailForm(initial=initial, contacts=contacts)
        return render(request, "mail/email_form.html", {**context, "form": form})
    form = EmailForm(request.POST, contacts=contacts)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.email_send(
                actor=request.user,
                client=client,
                to=data["to_addresses"],
                from_name=data["from_name"],
                from_email=data["from_email"],
                cc=actions.split_addresses(data["cc"]),
                bcc=actions.split_addresses(data["bcc"]),
                subject=data["subject"],
                html=data["html"],
                text=data["text"],
                resent_from=original,
            )
        except ValidationError as exc:
            form.apply_action_error(exc)
        else:
            messages.success(
                request, "Email queued: it goes out in a moment, and the Mail Log shows when it has been sent."
            )
            return redirect("mail:email_list", client.pk)
    return render(request, "mail/email_form.html", {**context, "form": form}, status=422)


def _sender(request: StaffRequest) -> dict[str, str]:
    return {"from_name": request.user.full_name, "from_email": request.user.email}


@require_http_methods(["GET", "POST"])
def email_send(request: StaffRequest, pk: int) -> HttpResponse:
    """Email Client: to a contact of the client or another address, from the staff member unless changed."""
    client = _client_for(request, pk, SEND)
    initial = {"recipient": Recipient.CONTACT, **_sender(request)}
    return _compose(request, client, initial=initial)


@require_http_methods(["GET", "POST"])
def email_resend(request: StaffRequest, pk: int, email_pk: int) -> HttpResponse:
    """Resend: Email Client pre-filled from a logged email of this client; the new email links to it."""
    client = _client_for(request, pk, SEND)
    original = _client_email(client, email_pk)
    if queries.body_hidden(original):
        raise Http404
    defaults = queries.resend_defaults(original)
    initial = {
        **defaults,
        "recipient": Recipient.OTHER,
        "to": ", ".join(defaults["to"]),
        "cc": ", ".join(defaults["cc"]),
        "bcc": ", ".join(defaults["bcc"]),
    }
    return _compose(request, client, initial=initial, original=original)
