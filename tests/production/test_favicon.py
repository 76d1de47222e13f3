from pathlib import Path

from django.conf import settings


def test_favicon_ico_redirects_to_the_static_icon_so_the_admin_pages_find_it(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == "/static/favicon.ico"
    icon = Path(settings.BASE_DIR, "static", "favicon.ico").read_bytes()
    assert icon[:4] == b"\x00\x00\x01\x00"  # an ICO file


def test_every_page_links_both_icons(client, db):
    page = client.get("/accounts/login/").content.decode()
    assert 'href="/static/favicon.ico"' in page
    assert 'href="/static/favicon.svg"' in page
