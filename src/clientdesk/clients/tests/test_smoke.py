def test_profile_renders_for_admin(admin, login_as, make_client):
    c = make_client(phones=("(202) 555-0143",), company="Acme <b>")
    web = login_as(admin)
    r = web.get(c.get_absolute_url())
    assert r.status_code == 200
    assert b"Acme &lt;b&gt;" in r.content
