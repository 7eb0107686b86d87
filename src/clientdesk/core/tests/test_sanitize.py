"""Control characters are stripped from every query parameter and form field, in one place."""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.http import HttpResponse, QueryDict
from django.test import RequestFactory
from django.urls import reverse

from clientdesk.core.sanitize import ControlCharacterMiddleware, clean_query_dict, strip_control_characters
from clientdesk.core.testing import PASSWORD

C0 = [chr(c) for c in range(0x20) if chr(c) not in "\t\n\r"]
C1 = [chr(c) for c in range(0x80, 0xA0)]
KEPT = ["\t", "\n", "\r", " ", "\xa0", "é", "ß", "王", "\u2028", "\u200b", "😀", "\ufffd"]


@pytest.mark.parametrize("char", [*C0, "\x7f", *C1])
def test_every_c0_and_c1_control_and_del_are_stripped(char):
    assert strip_control_characters(f"a{char}b{char}") == "ab"


@pytest.mark.parametrize("char", KEPT)
def test_tab_line_breaks_and_ordinary_unicode_are_kept(char):
    assert strip_control_characters(f"a{char}b") == f"a{char}b"


def test_names_and_every_value_of_a_query_dict_are_cleaned():
    data = QueryDict("q=a%00b&q=%1Bc&na%00me=x&tab=%09kept")
    cleaned = clean_query_dict(data)
    assert cleaned.getlist("q") == ["ab", "c"]
    assert cleaned["name"] == "x"
    assert cleaned["tab"] == "\tkept"
    assert "na\x00me" not in cleaned
    assert not cleaned._mutable


def test_names_that_meet_once_stripped_keep_every_value():
    assert clean_query_dict(QueryDict("a=1&%00a=2")).getlist("a") == ["1", "2"]


def test_a_clean_query_dict_is_left_as_it_is():
    data = QueryDict("q=plain&name=O%E2%80%99Brien")
    assert clean_query_dict(data) is data


def echo(request):
    return HttpResponse(repr((dict(request.GET.lists()), dict(request.POST.lists()))))


def test_the_middleware_cleans_the_query_string_and_the_form():
    request = RequestFactory().post("/?q=%00zebra", {"name": "Gr\x00ace", "note\x01": "a\x85b"})
    ControlCharacterMiddleware(echo)(request)
    assert request.GET["q"] == "zebra"
    assert request.POST["name"] == "Grace"
    assert request.POST["note"] == "ab"


def test_the_middleware_leaves_uploaded_files_as_they_were_sent():
    upload = SimpleUploadedFile("re\x01port.bin", b"\x00\x01binary\x9f", content_type="application/octet-stream")
    request = RequestFactory().post("/", {"title": "Re\x00port", "file": upload})
    ControlCharacterMiddleware(echo)(request)
    assert request.POST["title"] == "Report"
    file = request.FILES["file"]
    assert isinstance(file, UploadedFile)
    assert file.read() == b"\x00\x01binary\x9f"


def test_the_middleware_leaves_a_get_without_control_characters_untouched():
    request = RequestFactory().get("/?q=plain")
    before = request.GET
    ControlCharacterMiddleware(echo)(request)
    assert request.GET is before


def test_the_middleware_runs_before_any_view_or_the_csrf_check():
    middleware = settings.MIDDLEWARE
    ours = middleware.index("clientdesk.core.sanitize.ControlCharacterMiddleware")
    assert ours < middleware.index("django.middleware.csrf.CsrfViewMiddleware")
    assert ours < middleware.index("django.contrib.auth.middleware.AuthenticationMiddleware")


@pytest.mark.django_db
@pytest.mark.parametrize("char", ["\x00", "\x1b", "\x9f"])
def test_a_control_character_pasted_into_the_sign_in_email_is_no_other_spelling_of_it(client, admin, char):
    response = client.post(reverse("accounts:sign_in"), {"email": f"ada@staff{char}.test", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(admin.pk)
