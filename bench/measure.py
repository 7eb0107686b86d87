"""Time the search, list and profile pages server-side, and a naive substring scan for comparison.

Pages are requested through Django's test client, signed in as a staff member with the Admin
role, so the figures include the middleware, the session, the view, the queries and the template.
Query terms are sampled from the clients in the database and vary across iterations.
"""

import json
import math
import os
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import phonenumbers
from django.conf import settings
from django.db import connection
from django.db.models import Count, Max, Min, Q
from django.test import Client as TestClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clientdesk.clients.models import Client, Contact, PhoneNumber
from clientdesk.clients.search import MIN_SUBSTRING, has_cjk
from clientdesk.notes.models import Note

BENCH_EMAIL = "bench@clientdesk.example"
SEARCH_CASES = (
    "rare substring",
    "common surname",
    "two words",
    "phone fragment",
    "email fragment",
    "two-letter surname",
    "CJK name",
    "note reference",
    "note phrase",
)
# Only a few % of clients have two-letter surnames or CJK names: their terms come from a larger
# sample, of this many clients per iteration.
RARE_NAME_SAMPLE = 40
PAGE_CASES = (
    "client list",
    "client profile",
    "profile, 100k notes",
    "notes widget, 100k notes",
    "sticky notes, 100k notes",
    "notes page 50, 100k notes",
)
# The same list and search through the REST API, with a token (SPEC §5: p95 ≤ 100 ms at 1M).
API_CASES = ("API: client list", "API: search")
# The client with the most notes is measured when it has at least this many (`bench seed --heavy-notes`).
HEAVY_MIN = 10_000
TARGETS_MS = {
    **dict.fromkeys((*SEARCH_CASES, *PAGE_CASES), 50.0),  # p95 of every page at 1M (SPEC §6)
    **dict.fromkeys(API_CASES, 100.0),
}
NAIVE_LIMIT = 20


@dataclass
class Figures:
    """The timings (ms) and query counts of one case."""

    samples_ms: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)

    def percentile(self, p: float) -> float:
        """Nearest-rank percentile."""
        ordered = sorted(self.samples_ms)
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] if ordered else 0.0

    def summary(self) -> dict[str, Any]:
        return {
            "p50_ms": round(self.percentile(50), 2),
            "p95_ms": round(self.percentile(95), 2),
            "p99_ms": round(self.percentile(99), 2),
            "queries_min": min(self.queries, default=0),
            "queries_max": max(self.queries, default=0),
            "status_codes": sorted(set(self.statuses)),
            **asdict(self),
        }


def staff_admin() -> Any:
    """The benchmark's staff member, with the Admin role (created through the accounts' actions when missing)."""
    from clientdesk.accounts.actions import user_create, user_roles_set
    from clientdesk.accounts.models import User
    from clientdesk.accounts.roles import roles_exist, roles_sync
    from clientdesk.core.contract import Role

    if not roles_exist():  # a flushed database; `migrate` syncs them otherwise
        roles_sync(actor=None)
    user = User.objects.filter(email=BENCH_EMAIL).first()
    if user is None:
        return user_create(actor=None, email=BENCH_EMAIL, full_name="Benchmark", password=None, roles=[Role.ADMIN])
    if Role.ADMIN.value not in user.role_names:
        user_roles_set(actor=None, user=user, roles=[*user.role_names, Role.ADMIN])
    return user


def api_token(user: Any) -> tuple[Any, str]:
    """A new API token of the benchmark's staff member, made by the real action: (token, secret)."""
    from clientdesk.api.actions import api_token_create

    return api_token_create(actor=None, owner=user, name=f"bench {time.time_ns()}")


def sample_clients(rng: random.Random, count: int) -> list[Client]:
    """About `count` random clients with their contacts and numbers (random ids, no full-table sort)."""
    bounds = Client.objects.aggregate(lo=Min("id"), hi=Max("id"))
    if bounds["lo"] is None:
        return []
    picked: dict[int, Client] = {}
    for _ in range(5):
        ids = [rng.randint(bounds["lo"], bounds["hi"]) for _ in range(count * 2)]
        for client in Client.objects.filter(pk__in=ids).prefetch_related("contacts__phone_numbers"):
            if client.contacts.all():
                picked.setdefault(client.pk, client)
        if len(picked) >= count:
            break
    clients = sorted(picked.values(), key=lambda c: c.pk)
    rng.shuffle(clients)
    return clients[:count]


def note_terms(rng: random.Random, count: int) -> dict[str, list[str]]:
    """Terms of the note cases, from random notes: a ticket reference (a note or two hold it) and a
    phrase of a summary (thousands do)."""
    bounds = Note.objects.aggregate(lo=Min("id"), hi=Max("id"))
    terms: dict[str, list[str]] = {"note reference": [], "note phrase": []}
    if bounds["lo"] is None:
        return terms
    for _ in range(5):
        ids = [rng.randint(bounds["lo"], bounds["hi"]) for _ in range(count * 4)]
        for summary, details in Note.objects.filter(pk__in=ids).values_list("summary", "details"):
            words = summary.split()
            if len(terms["note phrase"]) < count and len(words) >= 3:
                start = rng.randrange(len(words) - 1)
                terms["note phrase"].append(" ".join(words[start : start + 2]))
            reference = next((w.rstrip(".") for w in details.split() if w.startswith("INC")), "")
            if reference and len(terms["note reference"]) < count:
                terms["note reference"].append(reference.lower())
        if all(len(found) >= count for found in terms.values()):
            break
    return terms


def heavy_client() -> int | None:
    """The client with the most notes, when it has HEAVY_MIN or more (one aggregate over the notes)."""
    top = Note.objects.order_by().values("client_id").annotate(n=Count("id")).order_by("-n").first()
    return top["client_id"] if top and top["n"] >= HEAVY_MIN else None


def _typed_phone(number: PhoneNumber) -> str:
    """The start of a number as staff type it: national format with its punctuation, e.g. `(201) 555-01`."""
    parsed = phonenumbers.parse(number.number, None)
    national = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    digits = 0
    for i, ch in enumerate(national):
        digits += ch.isdigit()
        if digits == 8:
            return national[: i + 1]
    return national


def _plain_name(contact: Contact) -> bool:
    """A name the trigram index finds: no CJK, a surname of 3 letters or more."""
    return len(contact.last_name) >= MIN_SUBSTRING and not has_cjk(contact.first_name + contact.last_name)


def search_terms(clients: list[Client], rare_name_clients: list[Client] | None = None) -> dict[str, list[str]]:
    """Query terms for each search case, taken from real rows.

    Two-letter surnames (`Wu`) and CJK names (`山田太郎`, family name first) are taken from
    `rare_name_clients`, a larger sample: only a few % of clients have them.
    """
    terms: dict[str, list[str]] = {case: [] for case in SEARCH_CASES}
    for client in clients:
        contacts = list(client.contacts.all())
        contact = contacts[len(terms["rare substring"]) % len(contacts)]
        local, _, domain = contact.email.partition("@")
        # A piece of the name and the number of an email address: a handful of clients hold it.
        terms["rare substring"].append(local[-9:-1] if len(local) > 9 else local)
        if _plain_name(contact):  # the others have cases of their own
            terms["common surname"].append(contact.last_name)
            terms["two words"].append(f"{contact.first_name} {contact.last_name}")
        numbers = [number for c in contacts for number in c.phone_numbers.all()]
        if numbers:
            terms["phone fragment"].append(_typed_phone(numbers[len(terms["phone fragment"]) % len(numbers)]))
        terms["email fragment"].append(f"{local}@{domain[:4]}")
    for client in rare_name_clients or []:
        for contact in client.contacts.all():
            if has_cjk(contact.first_name + contact.last_name):
                terms["CJK name"].append(f"{contact.last_name}{contact.first_name}")
            elif len(contact.last_name) == 2:
                terms["two-letter surname"].append(contact.last_name)
    return terms


def _timed_get(
    browser: TestClient, path: str, data: dict[str, str] | None = None, headers: dict[str, str] | None = None
) -> tuple[float, int, int]:
    """(ms, queries, status) of one page request."""
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = browser.get(path, data, secure=settings.SECURE_SSL_REDIRECT, headers=headers)
        elapsed = (time.perf_counter() - started) * 1000
    return elapsed, len(queries.captured_queries), response.status_code


def naive_search(text: str) -> list[Client]:
    """The search of a peer CRM: OR of icontains across the client and its contacts, DISTINCT, 20 rows."""
    text = text.strip()
    q = (
        Q(id_code__icontains=text)
        | Q(contacts__first_name__icontains=text)
        | Q(contacts__last_name__icontains=text)
        | Q(contacts__company__icontains=text)
        | Q(contacts__email__icontains=text)
        | Q(contacts__address1__icontains=text)
    )
    return list(Client.objects.filter(q).distinct()[:NAIVE_LIMIT])


def _fmt(ms: float) -> str:
    return f"{ms:9.1f}"


def run(
    *,
    iterations: int = 50,
    naive_iterations: int | None = None,
    json_path: str | None = None,
    seed: int = 1500,
    say: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Measure every case and print a table; every figure is returned (and written to `json_path`)."""
    if "testserver" not in settings.ALLOWED_HOSTS and "*" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS.append("testserver")
    iterations = max(1, iterations)
    naive_iterations = min(iterations, 5) if naive_iterations is None else max(1, naive_iterations)
    rng = random.Random(seed)
    clients = sample_clients(rng, max(iterations, 10))
    if not clients:
        raise RuntimeError("No clients to search: run `bench seed --clients N` first (see bench/README.md).")
    # Sampled after `clients`, so the other cases keep the terms they had before these cases existed.
    terms = search_terms(clients, sample_clients(rng, RARE_NAME_SAMPLE * iterations))
    terms |= note_terms(rng, iterations)
    total_clients = Client.objects.count()
    say(f"Measuring on {connection.vendor} with {total_clients:,} clients, {iterations} iterations per case…")

    browser = TestClient()
    browser.force_login(staff_admin())
    requests: dict[str, list[tuple[str, dict[str, str] | None, str]]] = {
        case: [("/search/", {"q": term}, term) for term in terms[case]] for case in SEARCH_CASES
    }
    requests["client list"] = [("/clients/", None, "/clients/")]
    requests["client profile"] = [(c.get_absolute_url(), None, c.get_absolute_url()) for c in clients]
    if (heavy := heavy_client()) is not None:
        # The widgets as pages of their own (what a click on "All notes" or a reload shows).
        requests["profile, 100k notes"] = [(reverse("clients:client_detail", args=[heavy]), None, f"client {heavy}")]
        for case, name in [
            ("notes widget, 100k notes", "notes:client_notes"),
            ("sticky notes, 100k notes", "notes:client_sticky_notes"),
        ]:
            requests[case] = [(reverse(name, args=[heavy]), None, f"client {heavy}")]
        requests["notes page 50, 100k notes"] = [
            (reverse("notes:note_list", args=[heavy]), {"page": "50"}, f"client {heavy}")
        ]

    requests["API: client list"] = [("/api/v1/clients/", None, "/api/v1/clients/")]
    requests["API: search"] = [("/api/v1/clients/search/", {"q": term}, term) for term in terms["common surname"]]
    token, secret = api_token(staff_admin())
    api_headers = {"Authorization": f"Bearer {secret}"}

    figures: dict[str, Figures] = {}
    for case, plan in requests.items():
        if not plan:
            continue
        headers = api_headers if case in API_CASES else None
        _timed_get(browser, plan[0][0], plan[0][1], headers)  # warm-up: connection, templates, caches
        result = figures[case] = Figures()
        for i in range(iterations):
            path, data, label = plan[i % len(plan)]
            ms, count, status = _timed_get(browser, path, data, headers)
            result.samples_ms.append(round(ms, 3))
            result.queries.append(count)
            result.statuses.append(status)
            result.inputs.append(label)

    from clientdesk.api.actions import api_token_revoke

    api_token_revoke(actor=None, token=token)
    naive: dict[str, Figures] = {}
    for case in SEARCH_CASES:
        if not terms[case] or case.startswith("note"):  # the naive scan reads no notes
            continue
        result = naive[case] = Figures()
        for i in range(naive_iterations):
            term = terms[case][i % len(terms[case])]
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                naive_search(term)
                result.samples_ms.append(round((time.perf_counter() - started) * 1000, 3))
            result.queries.append(len(queries.captured_queries))
            result.inputs.append(term)

    report = {
        "database": connection.vendor,
        "clients": total_clients,
        "contacts": Contact.objects.count(),
        "phone_numbers": PhoneNumber.objects.count(),
        "notes": Note.objects.count(),
        "iterations": iterations,
        "naive_iterations": naive_iterations,
        "cpus": os.cpu_count(),
        "targets_p95_ms": TARGETS_MS,
        "cases": {case: f.summary() for case, f in figures.items()},
        "naive": {
            case: {
                **f.summary(),
                "ratio_p50": round(f.percentile(50) / max(figures[case].percentile(50), 1e-6), 1),
                "ratio_p95": round(f.percentile(95) / max(figures[case].percentile(95), 1e-6), 1),
            }
            for case, f in naive.items()
        },
    }
    for line in table(report):
        say(line)
    if json_path:
        update_json(json_path, report)
        say(f"Wrote {json_path}")
    return report


def update_json(json_path: str, figures: dict[str, Any]) -> None:
    """Write `figures` into the JSON file, keeping what else it holds (the seed timings, say)."""
    path = Path(json_path)
    try:
        previous = json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        previous = {}
    path.parent.mkdir(parents=True, exist_ok=True)
    merged = {**(previous if isinstance(previous, dict) else {}), **figures}
    path.write_text(json.dumps(merged, indent=2, ensure_ascii=False) + "\n")


def table(report: dict[str, Any]) -> list[str]:
    """The report as a plain-text table."""
    lines = [
        "",
        f"{'case':<27}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'queries':>9}{'HTTP':>9}  {'p95 target':<14}example",
    ]
    for case, row in report["cases"].items():
        queries = (
            str(row["queries_max"])
            if row["queries_min"] == row["queries_max"]
            else f"{row['queries_min']}-{row['queries_max']}"
        )
        target = TARGETS_MS[case]
        verdict = "ok" if row["p95_ms"] <= target else "MISSED"
        lines.append(
            f"{case:<27}{_fmt(row['p50_ms'])}{_fmt(row['p95_ms'])}{_fmt(row['p99_ms'])}{queries:>9}"
            f"{'/'.join(map(str, row['status_codes'])):>9}"
            f"  {f'≤ {target:.0f} {verdict}':<14}{row['inputs'][0]}"
        )
    if report["naive"]:
        lines += [
            "",
            f"Naive substring scan (OR of icontains over client and contacts, DISTINCT, {NAIVE_LIMIT} rows), "
            f"{report['naive_iterations']} iterations, compared with our search page:",
            f"{'case':<20}{'naive p50':>10}{'naive p95':>10}{'ours p50':>10}{'ours p95':>10}{'x p50':>8}{'x p95':>8}",
        ]
        for case, row in report["naive"].items():
            ours = report["cases"][case]
            lines.append(
                f"{case:<20}{row['p50_ms']:10.1f}{row['p95_ms']:10.1f}{ours['p50_ms']:10.1f}{ours['p95_ms']:10.1f}"
                f"{row['ratio_p50']:8.1f}{row['ratio_p95']:8.1f}"
            )
    return lines
