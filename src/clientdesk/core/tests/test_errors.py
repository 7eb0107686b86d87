"""The 400, 403, 404 and 500 pages: in the desk's layout, in plain words, and safe to render when things are broken."""

import copy
import re

import pytest
from django.contrib.auth.models import Group
from django.test import RequestFactory
from django.urls import path, reverse
from django.views.defaults import server_error

from clientdesk import urls as root_urls
from clientdesk.core.access import missing_permissions_message

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=", re.IGNORECASE)


def explode(request):
    raise RuntimeError("the desk broke")


# A URLconf with a view that fails, for the 500 page (the tests point ROOT_URLCONF here).
urlpatterns = [path("explode/", explode), *root_urls.urlpatterns]


def broken_context_processor(request):
    raise RuntimeError("a context processor broke")


def assert_in_the_desks_layout(html):
    assert 'href="/static/bootstrap/css/bootstrap.min.css"' in html
    assert 'href="/static/clientdesk/app.css"' in html
    assert not INLINE_SCRIPT.search(html)
    assert not INLINE_STYLE.search(html)


def assert_menu_and_sign_out(html):
    assert_in_the_desks_layout(html)
    assert '<nav class="navbar' in html
    assert f'action="{reverse("accounts:sign_out")}"' in html
    assert ">Sign out</button>" in html


# --- 404 --------------------------------------------------------------------------------------


def test_an_unknown_address_is_404_inside_the_desks_layout_with_menu_search_and_sign_out(login_as, readonly):
    response = login_as(readonly).get("/no/such/page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert_menu_and_sign_out(html)
    assert f'<a class="nav-link" href="{reverse("clients:client_list")}">Clients</a>' in html
    assert 'id="search-q"' in html
    assert '<h1 class="h3 mb-3">Not found</h1>' in html
    assert f'<a href="{reverse("clients:client_list")}">Back to clients</a>' in html


def test_a_missing_client_is_404_inside_the_desks_layout(login_as, readonly):
    response = login_as(readonly).get(reverse("clients:client_detail", args=[999_999]))
    assert response.status_code == 404
    assert_menu_and_sign_out(response.content.decode())


def test_a_stranger_gets_the_404_page_without_the_menu(client):
    response = client.get("/no/such/page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert_in_the_desks_layout(html)
    assert "Sign out" not in html
    assert f'<a href="{reverse("home")}">Back to the desk</a>' in html


def test_htmx_gets_a_404_message_that_fits_where_it_lands(login_as, readonly):
    response = login_as(readonly).get(reverse("clients:client_contacts", args=[999_999]), headers=HTMX)
    html = response.content.decode().strip()
    assert response.status_code == 404
    assert html.startswith('<div class="alert alert-secondary mb-3" role="alert">')
    assert "<html" not in html
    assert "<nav" not in html


# --- 403 --------------------------------------------------------------------------------------


def test_the_403_page_names_the_missing_permission_and_the_roles_that_hold_it(login_as, support):
    response = login_as(support).get(reverse("clients:client_add"))
    html = response.content.decode()
    assert response.status_code == 403
    assert "You need the “Can add client” permission (Billing or Admin role) to do this." in html
    assert_menu_and_sign_out(html)
    assert f'<a href="{reverse("clients:client_list")}">Back to clients</a>' in html


def test_a_member_without_any_role_sees_the_403_in_the_layout_and_can_sign_out(login_as, outsider, make_client):
    response = login_as(outsider).get(reverse("clients:client_edit", args=[make_client().pk]))
    html = response.content.decode()
    assert response.status_code == 403
    assert "You need the “Can change client” permission (Billing, Support or Admin role) to do this." in html
    assert_menu_and_sign_out(html)
    assert 'id="search-q"' not in html  # the search box needs a permission the member lacks
    assert f'<a href="{reverse("home")}">Back to the desk</a>' in html


def test_a_refused_status_change_names_the_permission(login_as, readonly, make_client):
    response = login_as(readonly).post(reverse("clients:client_status", args=[make_client().pk]))
    assert response.status_code == 403
    assert "the “Can cycle a client&#x27;s status” permission (Billing or Admin role)" in response.content.decode()


def test_htmx_gets_a_403_message_that_fits_where_it_lands(login_as, outsider, make_client):
    response = login_as(outsider).post(reverse("clients:client_status", args=[make_client().pk]), headers=HTMX)
    html = response.content.decode().strip()
    assert response.status_code == 403
    assert html.startswith('<div class="alert alert-warning mb-3" role="alert">You need the “Can cycle a client')
    assert "<html" not in html


def test_an_htmx_history_restore_gets_the_whole_403_page(login_as, support):
    headers = {**HTMX, "HX-History-Restore-Request": "true"}
    response = login_as(support).get(reverse("clients:client_add"), headers=headers)
    assert response.status_code == 403
    assert "<html" in response.content.decode()


def test_several_missing_permissions_are_named_with_the_roles_holding_all_of_them(admin):
    assert missing_permissions_message(["clients.add_client", "audit.view_auditevent"]) == (
        "You need the “Can add client” and “Can view audit event” permissions (Billing or Admin role) to do this."
    )
    assert missing_permissions_message(["clients.change_client_status", "clients.change_client"]) == (
        "You need the “Can cycle a client's status” and “Can change client” permissions (Billing or Admin role)"
        " to do this."
    )


def test_a_permission_only_admin_holds_names_admin_alone(admin):
    assert missing_permissions_message(["clients.delete_client"]) == (
        "You need the “Can delete client” permission (Admin role) to do this."
    )


def test_an_unknown_permission_is_named_as_written_without_roles(admin):
    assert missing_permissions_message(["nowhere.fly"]) == "You need the “nowhere.fly” permission to do this."
    assert missing_permissions_message(["clients.add_client", "nowhere.fly"]) == (
        "You need the “Can add client” and “nowhere.fly” permissions to do this."
    )


def test_a_permission_no_role_holds_names_no_role(db):
    # Before the roles are synced (a flushed database): the permissions exist, the shipped roles do not.
    Group.objects.all().delete()
    assert missing_permissions_message(["clients.add_client"]) == (
        "You need the “Can add client” permission to do this."
    )


# --- 500 and 400 ------------------------------------------------------------------------------


@pytest.fixture
def failing_desk(settings, login_as, readonly):
    settings.ROOT_URLCONF = __name__
    web = login_as(readonly)
    web.raise_request_exception = False
    return web


def test_a_server_error_is_a_styled_500_page_with_a_way_back(failing_desk):
    response = failing_desk.get("/explode/")
    html = response.content.decode()
    assert response.status_code == 500
    assert_in_the_desks_layout(html)
    assert '<h1 class="h3 mb-3">Something went wrong</h1>' in html
    assert '<a href="/">Back to the desk</a>' in html
    assert "the desk broke" not in html


def test_the_500_page_renders_when_the_context_processors_are_what_broke(failing_desk, settings):
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["OPTIONS"]["context_processors"].append(f"{__name__}.broken_context_processor")
    settings.TEMPLATES = templates
    response = failing_desk.get("/explode/")
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()


def test_the_500_page_needs_no_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert_in_the_desks_layout(response.content.decode())


def test_a_request_for_another_host_is_a_styled_400_page(client):
    response = client.get("/", headers={"host": "elsewhere.example"})
    html = response.content.decode()
    assert response.status_code == 400
    assert_in_the_desks_layout(html)
    assert '<h1 class="h3 mb-3">Bad request</h1>' in html


# --- In the browser ---------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.error_pages(403, 404, 500)
@pytest.mark.django_db(transaction=True)
def test_the_404_and_403_pages_show_the_menu_and_pass_axe_in_a_browser(page, sign_in, check_a11y, support):
    from playwright.sync_api import expect

    sign_in(support)
    page.goto("/no/such/page/")
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    expect(page.locator("#nav").get_by_role("link", name="Clients", exact=True)).to_be_visible()
    check_a11y(page)

    page.goto(reverse("clients:client_add"))
    expect(page.get_by_role("alert")).to_have_text(
        "You need the “Can add client” permission (Billing or Admin role) to do this."
    )
    check_a11y(page)
    page.get_by_role("button", name=support.get_short_name()).click()
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/accounts/sign-in/"))


@pytest.mark.browser
@pytest.mark.error_pages(403, 404, 500)
@pytest.mark.django_db(transaction=True)
def test_the_500_page_is_styled_and_passes_axe_in_a_browser(page, sign_in, check_a11y, support, settings):
    from playwright.sync_api import expect

    sign_in(support)
    settings.ROOT_URLCONF = __name__
    page.goto("/explode/")
    expect(page.get_by_role("heading", name="Something went wrong")).to_be_visible()
    expect(page.locator(".navbar-brand")).to_have_css("color", "rgb(255, 255, 255)")  # Bootstrap's CSS applied
    check_a11y(page)
    page.get_by_role("link", name="Back to the desk").click()
    expect(page).to_have_url(re.compile(r"/clients/$"))
