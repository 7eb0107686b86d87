"""Settings → Staff: the staff list, adding a member, their page and its actions; and the set-password page.

A destructive step (deactivate, reset two-factor, a new set-password link, which ends the member's
password) shows what it will do and asks for a confirming click first: GET is the question, POST
the answer. Undoing steps (reactivate, clear a sign-in lock) and role changes are one POST.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clientdesk.accounts import actions, queries
from clientdesk.accounts.actions.staff import LINK_REFUSED, LinkState, RolesChangedError, SetPasswordLink
from clientdesk.accounts.actions.staff import set_password_tokens as tokens
from clientdesk.accounts.models import User
from clientdesk.accounts.requests import StaffRequest
from clientdesk.accounts.staff_forms import StaffAddForm, StaffRolesForm, StaffSetPasswordForm
from clientdesk.core.access import permission_required, require
from clientdesk.core.forms import apply_validation_error
from clientdesk.core.pagination import paginate

PAGE_SIZE = settings.CLIENTDESK_PAGE_SIZE
VIEW, ADD, CHANGE = "accounts.view_user", "accounts.add_user", "accounts.change_user"


def _member(request: HttpRequest, pk: int, *, perm: str) -> User:
    """Staff member `pk` (with roles, two-factor and lock), if the signed-in member holds `perm`; else 403/404."""
    require(request, perm)
    return get_object_or_404(queries.staff_members(), pk=pk)


def _link_page(request: HttpRequest, member: User, link: SetPasswordLink, *, added: bool) -> HttpResponse:
    """The set-password link, shown this once (never cached) for the admin to pass on, and whether it was emailed."""
    context = {"member": member, "url": request.build_absolute_uri(link.path), "link": link, "added": added}
    return render(request, "accounts/staff_link.html", context)


@require_GET
@permission_required(VIEW)
def staff_list(request: HttpRequest) -> HttpResponse:
    """Every staff member: roles, two-factor, last sign-in, active, sign-in lock; 20 a page."""
    page = paginate(request, queries.staff_members(), PAGE_SIZE)
    return render(request, "accounts/staff_list.html", {"page": page, "query_string": ""})


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required(ADD)
def staff_add(request: StaffRequest) -> HttpResponse:
    """Add a staff member; their invitation is emailed and the answer shows its link once."""
    form = StaffAddForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            member, link = actions.user_invite(
                actor=request.user, email=data["email"], full_name=data["full_name"], roles=data["roles"]
            )
        except ValidationError as exc:
            apply_validation_error(exc, form)
        else:
            return _link_page(request, member, link, added=True)
    status = 200 if request.method == "GET" else 422
    return render(request, "accounts/staff_add.html", {"form": form}, status=status)


def _detail(
    request: HttpRequest, member: User, *, roles_form: StaffRolesForm | None = None, status: int = 200
) -> HttpResponse:
    shown = queries.roles_of(member)
    if roles_form is None:
        roles_form = StaffRolesForm(initial={"roles": shown, "loaded": StaffRolesForm.shown(shown)})
    context = {"member": member, "roles": shown, "roles_form": roles_form}
    return render(request, "accounts/staff_detail.html", context, status=status)


@require_GET
def staff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A staff member's page: who they are, their roles (editable) and the actions on their account."""
    return _detail(request, _member(request, pk, perm=VIEW))


@require_POST
def staff_roles(request: StaffRequest, pk: int) -> HttpResponse:
    """Save a member's roles (refused when someone changed them since the page was loaded)."""
    member = _member(request, pk, perm=CHANGE)
    form = StaffRolesForm(request.POST)
    if not form.is_valid():
        return _detail(request, member, roles_form=form, status=422)
    try:
        actions.user_roles_set(
            actor=request.user, user=member, roles=form.cleaned_data["roles"], base=form.cleaned_data["loaded"]
        )
    except RolesChangedError as exc:
        # Shown the current roles, the admin may save theirs over them on purpose.
        current = sorted(member.groups.values_list("name", flat=True))
        form = StaffRolesForm({"roles": form.cleaned_data["roles"], "loaded": StaffRolesForm.shown(current)})
        form.is_valid()
        apply_validation_error(exc, form)
        return _detail(request, member, roles_form=form, status=409)
    except ValidationError as exc:
        apply_validation_error(exc, form)
        return _detail(request, member, roles_form=form, status=422)
    messages.success(request, f"The roles of {member} are saved.")
    return redirect("accounts:staff_detail", pk=member.pk)


@dataclass(frozen=True)
class Question:
    """What a destructive step asks before it is made: a title naming the member, what it does, the button."""

    title: str
    says: tuple[str, ...]
    button: str


CONFIRM = {
    "deactivate": Question(
        title="Deactivate {member}?",
        says=(
            "They can no longer sign in, and any session they have open ends at its next click.",
            "Their name stays on everything they did. You can reactivate them later.",
        ),
        button="Deactivate",
    ),
    "two_factor_reset": Question(
        title="Reset two-factor sign-in of {member}?",
        says=(
            "Their authenticator app and their recovery codes stop working; they sign in with their password alone.",
            "Do this when they lost their phone and their recovery codes. They can set up two-factor sign-in again.",
        ),
        button="Reset two-factor sign-in",
    ),
    "link": Question(
        title="New set-password link for {member}?",
        says=(
            "The link is emailed to them and shown to you once, to pass on; it works once, for three days.",
            "Any earlier link stops working. So does their current password, if they have one: "
            "they cannot sign in until they set a new one, and any session they have open ends.",
        ),
        button="Issue a new link",
    ),
}


def _confirm(request: HttpRequest, member: User, step: str, *, error: str = "", status: int = 200) -> HttpResponse:
    """The question a destructive step asks first (again with the action's refusal, when it refused)."""
    question = CONFIRM[step]
    context = {
        "member": member,
        "title": question.title.format(member=member),
        "says": question.says,
        "button": question.button,
        "action": reverse(f"accounts:staff_{step}", args=[member.pk]),
        "error": error,
    }
    return render(request, "accounts/staff_confirm.html", context, status=status)


def _refused(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@require_http_methods(["GET", "POST"])
def staff_deactivate(request: StaffRequest, pk: int) -> HttpResponse:
    """Deactivate a member (after a confirming click): no sign-in, and their sessions end."""
    member = _member(request, pk, perm=CHANGE)
    if request.method == "GET":
        return _confirm(request, member, "deactivate")
    try:
        actions.user_deactivate(actor=request.user, user=member)
    except ValidationError as exc:
        return _confirm(request, member, "deactivate", error=_refused(exc), status=422)
    messages.success(request, f"{member} is deactivated: they cannot sign in, and their sessions have ended.")
    return redirect("accounts:staff_detail", pk=member.pk)


@require_POST
def staff_reactivate(request: StaffRequest, pk: int) -> HttpResponse:
    """Let a deactivated member sign in again."""
    member = _member(request, pk, perm=CHANGE)
    actions.user_reactivate(actor=request.user, user=member)
    messages.success(request, f"{member} is active again and can sign in.")
    return redirect("accounts:staff_detail", pk=member.pk)


@require_http_methods(["GET", "POST"])
def staff_two_factor_reset(request: StaffRequest, pk: int) -> HttpResponse:
    """Switch a member's two-factor sign-in off (after a confirming click), e.g. after a lost phone."""
    member = _member(request, pk, perm=CHANGE)
    if request.method == "GET":
        return _confirm(request, member, "two_factor_reset")
    try:
        actions.user_two_factor_reset(actor=request.user, user=member)
    except ValidationError as exc:
        return _confirm(request, member, "two_factor_reset", error=_refused(exc), status=422)
    messages.success(request, f"Two-factor sign-in of {member} is off; they sign in with their password.")
    return redirect("accounts:staff_detail", pk=member.pk)


@require_POST
def staff_lock_clear(request: StaffRequest, pk: int) -> HttpResponse:
    """Clear a member's sign-in lock and failure counts."""
    member = _member(request, pk, perm=CHANGE)
    if actions.user_lock_clear(actor=request.user, user=member):
        messages.success(request, f"The sign-in lock of {member} is cleared: they can sign in again.")
    else:
        messages.info(request, f"{member} had no sign-in lock to clear.")
    return redirect("accounts:staff_detail", pk=member.pk)


@never_cache
@require_http_methods(["GET", "POST"])
def staff_link(request: StaffRequest, pk: int) -> HttpResponse:
    """Issue a new set-password link for a member (after a confirming click), email it and show it once."""
    member = _member(request, pk, perm=CHANGE)
    if request.method == "GET":
        return _confirm(request, member, "link")
    try:
        link = actions.user_password_link_issue(actor=request.user, user=member)
    except ValidationError as exc:
        return _confirm(request, member, "link", error=_refused(exc), status=422)
    return _link_page(request, member, link, added=False)


@login_not_required
@sensitive_post_parameters("new_password1", "new_password2")
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def password_set(request: HttpRequest, uid: str, token: str) -> HttpResponse:
    """A member sets their password from their link; then they sign in as usual (this page signs no one in).

    The token stays in the path: the page loads nothing from elsewhere and sends the Referer only to
    this site (SECURE_REFERRER_POLICY), and the link is spent once used.
    """
    member = queries.user_from_link(uid)
    state = tokens.state(member, token) if member is not None else LinkState.INVALID
    if member is None or state is not LinkState.VALID:
        context = {"refused": LINK_REFUSED[state], "expired": state is LinkState.EXPIRED}
        return render(request, "accounts/password_set.html", context, status=410 if member else 404)
    form = StaffSetPasswordForm(member, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.user_password_set_by_link(
                actor=member, user=member, token=token, password=form.cleaned_data["new_password1"]
            )
        except ValidationError as exc:
            apply_validation_error(exc, form)
        else:
            messages.success(request, "Your password is set. Sign in with your email address and your new password.")
            return redirect("accounts:sign_in")
    status = 200 if request.method != "POST" else 422
    return render(request, "accounts/password_set.html", {"form": form, "member": member}, status=status)
