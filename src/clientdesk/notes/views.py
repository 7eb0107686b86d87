"""Note pages: the Notes page, the profile's Notes and Sticky notes widgets, add, edit, delete, unstick."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clientdesk.accounts.requests import StaffRequest
from clientdesk.clients.access import get_client_for
from clientdesk.clients.models import Client
from clientdesk.core.access import require
from clientdesk.core.forms import apply_validation_error
from clientdesk.core.http import is_htmx, safe_next
from clientdesk.core.pagination import paginate
from clientdesk.notes import actions, queries
from clientdesk.notes.access import get_note_for
from clientdesk.notes.forms import NoteForm
from clientdesk.notes.models import Note

PAGE_SIZE = settings.CLIENTDESK_PAGE_SIZE
WIDGET_SIZE = 5
WIDGETS = "notes/client_widgets.html"
# What a change to a note tells the profile: its Notes widget and its Recent activity reload.
CHANGED = "notesChanged, clientChanged"


def _client_for(request: HttpRequest, pk: int, perm: str) -> Client:
    """Client `pk` for a staff member holding `perm` (a notes permission) and allowed to see clients."""
    require(request, perm)
    return get_client_for(request, pk, perm="clients.view_client")


def _notes_url(client: Client) -> str:
    return reverse("notes:note_list", args=[client.pk])


@require_GET
def note_list(request: HttpRequest, pk: int) -> HttpResponse:
    """The Notes page of a client: every note, newest first, 20 a page (the page number in the URL)."""
    client = _client_for(request, pk, "notes.view_note")
    page = paginate(request, queries.client_notes(client), PAGE_SIZE)
    context = {"client": client, "page": page, "next": request.get_full_path()}
    template = "notes/note_list.html#notes" if is_htmx(request) else "notes/note_list.html"
    return render(request, template, context)


def _widget(request: HttpRequest, client: Client, name: str, title: str, context: dict[str, Any]) -> HttpResponse:
    """A profile widget: its card body for htmx (the profile, its pagination), a page of its own otherwise."""
    context = {"client": client, "widget_url": request.path, **context}
    if is_htmx(request):
        return render(request, f"{WIDGETS}#{name}", context)
    return render(request, WIDGETS, {**context, "title": title, "partial": f"{WIDGETS}#{name}"})


@require_GET
def client_notes(request: HttpRequest, pk: int) -> HttpResponse:
    """Profile widget: the client's newest notes, 5 a page."""
    client = _client_for(request, pk, "notes.view_note")
    page = paginate(request, queries.client_notes(client), WIDGET_SIZE)
    return _widget(request, client, "notes", "Notes", {"page": page})


def _sticky_context(client: Client, *, open_more: bool = False, unstuck: Note | None = None) -> dict[str, Any]:
    notes = queries.sticky_notes(client)
    return {
        "shown": notes[: queries.STICKY_SHOWN],
        "more": notes[queries.STICKY_SHOWN :],
        "open_more": open_more,
        "unstuck": unstuck,
    }


@require_GET
def client_sticky_notes(request: HttpRequest, pk: int) -> HttpResponse:
    """Profile widget at the top: the newest-updated sticky notes, 2 shown and up to 8 more behind "Show more"."""
    client = _client_for(request, pk, "notes.view_note")
    return _widget(request, client, "sticky", "Sticky notes", _sticky_context(client))


def _form_page(request: HttpRequest, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    return render(request, "notes/note_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
def note_add(request: StaffRequest, pk: int) -> HttpResponse:
    """Add note: summary, details and sticky; back to the profile with the note on it."""
    client = _client_for(request, pk, "notes.add_note")
    context: dict[str, Any] = {"client": client, "cancel_url": client.get_absolute_url()}
    if request.method == "GET":
        form = NoteForm()
        form.fields["summary"].widget.attrs["autofocus"] = True
        return _form_page(request, {**context, "form": form})
    form = NoteForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.note_create(
                actor=request.user,
                client=client,
                summary=data["summary"],
                details=data["details"],
                sticky=data["sticky"],
            )
        except ValidationError as exc:
            apply_validation_error(exc, form)
        else:
            messages.success(request, "The note has been added.")
            return redirect(client)
    return _form_page(request, {**context, "form": form}, status=422)


@require_http_methods(["GET", "POST"])
def note_edit(request: StaffRequest, pk: int, note_pk: int) -> HttpResponse:
    """Edit note: the same fields as Add note; only what the staff member changed is saved."""
    note = get_note_for(request, pk, note_pk, perm="notes.change_note")
    client = note.client
    next_url = safe_next(request, _notes_url(client))
    context: dict[str, Any] = {"client": client, "note": note, "next": next_url, "cancel_url": next_url}
    state = actions.note_state(note)
    if request.method == "GET":
        form = NoteForm(initial={**state, "loaded": NoteForm.sign(note.pk, state)})
        return _form_page(request, {**context, "form": form})
    form = NoteForm(request.POST)
    status = 422
    base = form.loaded_state(note.pk) if form.is_valid() else None
    if base is not None:
        data = form.cleaned_data
        try:
            saved = actions.note_update(
                actor=request.user,
                note=note,
                summary=data["summary"],
                details=data["details"],
                sticky=data["sticky"],
                base=base,
            )
        except actions.NoteEditConflictError as exc:
            # Shown the current values, the staff member may save theirs over them on purpose.
            posted = request.POST.copy()
            posted["loaded"] = NoteForm.sign(note.pk, {**base, **exc.current})
            form = NoteForm(posted)
            form.is_valid()
            apply_validation_error(exc, form)
            status = 409
        except ValidationError as exc:
            apply_validation_error(exc, form)
        except Note.DoesNotExist:
            raise Http404 from None  # deleted meanwhile
        else:
            if actions.note_state(saved) == state:
                messages.info(request, "No changes to save.")
            else:
                messages.success(request, "The note has been updated.")
            return redirect(next_url)
    return _form_page(request, {**context, "form": form}, status=status)


@require_http_methods(["GET", "POST"])
def note_delete(request: StaffRequest, pk: int, note_pk: int) -> HttpResponse:
    """Delete note, after a confirmation page naming it."""
    note = get_note_for(request, pk, note_pk, perm="notes.delete_note")
    next_url = safe_next(request, _notes_url(note.client))
    if request.method == "GET":
        context = {"client": note.client, "note": note, "next": next_url}
        return render(request, "notes/note_confirm_delete.html", context)
    try:
        actions.note_delete(actor=request.user, note=note)
    except Note.DoesNotExist:
        raise Http404 from None  # deleted meanwhile
    messages.success(request, "The note has been deleted.")
    return redirect(next_url)


@require_POST
def note_unstick(request: StaffRequest, pk: int, note_pk: int) -> HttpResponse:
    """Unstick a note from the top of the profile: htmx gets the Sticky notes widget again, in place."""
    note = get_note_for(request, pk, note_pk, perm="notes.change_note")
    try:
        actions.note_set_sticky(actor=request.user, note=note, sticky=False)
    except Note.DoesNotExist:
        raise Http404 from None  # deleted meanwhile
    client = note.client
    if is_htmx(request):
        context = {"client": client, **_sticky_context(client, open_more=bool(request.POST.get("open")), unstuck=note)}
        response = render(request, f"{WIDGETS}#sticky", context)
        response["HX-Trigger"] = CHANGED
        return response
    messages.success(request, "The note is no longer sticky.")
    return redirect(safe_next(request, client.get_absolute_url()))
