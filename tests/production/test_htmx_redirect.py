"""An htmx request answered with a redirect (an expired session) moves the whole page, and comes back."""

from django.urls import reverse

from members.models import Invitation


def test_an_expired_session_sends_the_whole_page_to_sign_in_and_back_to_the_members_page(client, organization):
    response = client.get(
        reverse("members:invite", args=[organization.slug]),
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/o/acme/members/?status=pending"},
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/accounts/login/?next=/o/acme/members/%3Fstatus%3Dpending"
    assert response.content == b""  # nothing for htmx to swap into the dialog


def test_a_post_after_the_session_expired_changes_nothing_and_redirects(client, organization):
    response = client.post(
        reverse("members:invite", args=[organization.slug]),
        {"emails": "late@example.com", "role": "member"},
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/o/acme/members/"},
    )
    assert response["HX-Redirect"] == "/accounts/login/?next=/o/acme/members/"
    assert not Invitation.objects.exists()


def test_without_htmx_the_redirect_is_untouched(client, organization):
    response = client.get(reverse("members:invite", args=[organization.slug]))
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/o/acme/members/invite/"


def test_a_current_url_on_another_site_is_not_where_sign_in_returns(client, organization):
    response = client.get(
        reverse("members:invite", args=[organization.slug]),
        headers={"HX-Request": "true", "HX-Current-URL": "https://evil.example/o/acme/members/"},
    )
    assert response["HX-Redirect"] == "/accounts/login/?next=/o/acme/members/invite/"
