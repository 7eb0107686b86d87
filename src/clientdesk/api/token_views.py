"""Account menu → API tokens: a staff member's own tokens (make, revoke), and everyone's for Admins."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from clientdesk.accounts.requests import StaffRequest
from clientdesk.api import actions, queries
from clientdesk.api.forms import TokenCreateForm
from clientdesk.api.models import ApiToken
from clientdesk.core.forms import apply_validation_error
from clientdesk.core.pagination import paginate

VIEW_ALL, REVOKE_ANY = "api.view_apitoken", "api.revoke_apitoken"


def _list(request: StaffRequest, form: TokenCreateForm, *, status: int = 200) -> HttpResponse:
    everyone = request.user.has_perm(VIEW_ALL)
    context = {
        "form": form,
        "tokens": list(queries.tokens_of(request.user)),
        "everyone": paginate(request, queries.active_tokens(), settings.CLIENTDESK_PAGE_SIZE) if everyone else None,
        "may_revoke_any": request.user.has_perm(REVOKE_ANY),
        "query_string": "",
    }
    return render(request, "api/token_list.html", context, status=status)


@require_http_methods(["GET", "POST"])
def token_list(request: StaffRequest) -> HttpResponse:
    """Your API tokens, and a form to make one: its secret is shown on the next page, that once."""
    if request.method == "GET":
        return _list(request, TokenCreateForm())
    form = TokenCreateForm(request.POST)
    if form.is_valid():
        try:
            token, secret = actions.api_token_create(
                actor=request.user,
                owner=request.user,
                name=form.cleaned_data["name"],
                read_only=form.cleaned_data["read_only"],
                expires_at=form.expires_at(),
            )
        except ValidationError as exc:
            apply_validation_error(exc, form)
        else:
            return render(request, "api/token_created.html", {"token": token, "secret": secret}, status=201)
    return _list(request, form, status=422)


def _token_for(request: StaffRequest, pk: int) -> ApiToken:
    """The member's own token `pk`, or anyone's for those who may revoke any; 404 for the rest."""
    token = get_object_or_404(ApiToken.objects.select_related("owner"), pk=pk)
    if token.owner_id != request.user.pk and not request.user.has_perm(REVOKE_ANY):
        raise Http404
    return token


@require_http_methods(["GET", "POST"])
def token_revoke(request: StaffRequest, pk: int) -> HttpResponse:
    """Revoke a token (GET asks first): whatever uses it is refused from then on."""
    token = _token_for(request, pk)
    if request.method == "GET":
        return render(request, "api/token_revoke.html", {"token": token})
    actions.api_token_revoke(actor=request.user, token=token)
    messages.success(request, f"{token} is revoked: requests made with it are refused.")
    return redirect("api:token_list")
