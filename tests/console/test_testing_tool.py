"""The API testing tool (apps/<pk>/api-testing/): the portal calls its own Open API as the
app, for one of its authorized shops, and shows the curl, the string signed and the answer."""

import pytest
from django.urls import reverse

from apps_services import credentials
from open_api.models import AccessToken, Authorization, RateLimit
from sellers.models import SellerAccount
from tests.conftest import make_member
from tests.open_api.conftest import SAM_SHOP, authorize, secret_of

SHOPS = "getAuthorizedShops"


@pytest.fixture
def authorization(alice_app, sam_client):
    """Sam's shop authorized Alice's app."""
    authorize(sam_client, alice_app)
    return Authorization.objects.get(app=alice_app, shop_id=SAM_SHOP)


def url(app) -> str:
    return reverse("console:api-testing", kwargs={"pk": app.pk})


def test_a_call_reaches_the_api_and_shows_the_answer_without_the_secret(
    client, alice_app, authorization
):
    # given
    secret = secret_of(alice_app)
    client.force_login(alice_app.owner)

    # when
    response = client.post(url(alice_app), {"endpoint": SHOPS, "authorization": authorization.pk})

    # then
    assert response.status_code == 200
    result = response.context["result"]
    assert result.status == 200
    assert '"code": 0' in result.body
    assert authorization.shop_name in result.body
    assert result.request_id
    assert result.request_id == result.header_request_id
    assert f"api-calls/?request_id={result.request_id}" in response.content.decode()
    assert result.curl.startswith("curl -X GET")
    assert f"sign={result.sign}" in result.curl
    assert "x-tts-access-token: ROW_" in result.curl
    assert result.canonical.startswith("{app_secret}/authorization/202309/shops")
    assert secret not in response.content.decode()
    # a fresh short-lived token, whose clear value never reached the page
    token = AccessToken.objects.filter(authorization=authorization).latest("pk")
    assert token.expires_at is not None
    assert token.token_hash not in response.content.decode()


def test_the_call_goes_through_the_rate_limit(client, alice_app, authorization):
    # given: one call per second for this app on the endpoint
    RateLimit.objects.create(endpoint=SHOPS, app=alice_app, per_second=1)
    credentials.changed([alice_app.app_key])
    client.force_login(alice_app.owner)
    body = {"endpoint": SHOPS, "authorization": authorization.pk}

    # when: three calls in well under two seconds (two of them share a one-second window)
    statuses = [client.post(url(alice_app), body).context["result"].status for _ in range(3)]

    # then
    assert statuses[0] == 200
    assert 429 in statuses


def test_the_page_is_left_as_it_was_after_the_call(client, alice_app, authorization):
    # given
    client.force_login(alice_app.owner)

    # when
    response = client.post(url(alice_app), {"endpoint": SHOPS, "authorization": authorization.pk})

    # then: the page's own links still resolve against the portal's routes
    assert reverse("apps_services:app-detail", kwargs={"pk": alice_app.pk}) in (
        response.content.decode()
    )
    assert response["X-Request-ID"] != response.context["result"].request_id


def test_a_missing_required_parameter_is_a_form_error_that_keeps_what_was_typed(
    client, alice_app, authorization
):
    # given
    client.force_login(alice_app.owner)
    before = AccessToken.objects.count()

    # when
    response = client.post(
        url(alice_app),
        {"endpoint": "deauthorizeShop", "authorization": authorization.pk, "p_shop_cipher": ""},
    )

    # then
    assert response.status_code == 200
    assert response.context["result"] is None
    assert "shop_cipher is a required parameter" in response.content.decode()
    assert response.context["form"]["endpoint"].value() == "deauthorizeShop"
    assert AccessToken.objects.count() == before
    authorization.refresh_from_db()
    assert authorization.is_active


@pytest.mark.parametrize("endpoint", ["getToken", "noSuchEndpoint"])
def test_an_unknown_or_unsigned_endpoint_is_a_form_error(
    client, alice_app, authorization, endpoint
):
    client.force_login(alice_app.owner)

    response = client.post(
        url(alice_app), {"endpoint": endpoint, "authorization": authorization.pk}
    )

    assert response.context["result"] is None
    assert "Choose one of the Open API" in response.content.decode()


def test_another_accounts_authorization_is_refused_in_the_form(
    client, alice_app, authorization, bob
):
    # given: bob's app, authorized by the same shop
    bobs = Authorization.objects.create(
        app=type(alice_app).objects.create(
            owner=bob,
            app_type=alice_app.app_type,
            category=alice_app.category,
            name="Bob Sync",
            market=alice_app.market,
            seller_type=alice_app.seller_type,
            app_key="6bobbobbobbob",
            service_id="7000000000000000001",
            secret_encrypted=alice_app.secret_encrypted,
        ),
        seller_account_id=authorization.seller_account_id,
        seller_name="Sam",
        seller_base_region="US",
        shop_id="999",
        shop_name="Sam's other",
        shop_region="US",
        shop_cipher="c",
        seller_type="LOCAL",
        open_id="o",
        expires_at=authorization.expires_at,
    )
    client.force_login(alice_app.owner)

    # when
    response = client.post(url(alice_app), {"endpoint": SHOPS, "authorization": bobs.pk})

    # then
    assert response.context["result"] is None
    assert "active authorization of this app" in response.content.decode()


def test_an_ended_authorization_cannot_be_called(client, alice_app, authorization):
    # given
    authorization.end(ended_by=Authorization.EndedBy.SELLER)
    client.force_login(alice_app.owner)

    # when
    response = client.post(url(alice_app), {"endpoint": SHOPS, "authorization": authorization.pk})

    # then
    assert response.context["result"] is None
    assert "active authorization of this app" in response.content.decode()


def test_another_accounts_app_is_not_found(client, alice_app, authorization, bob):
    client.force_login(bob)

    assert client.get(url(alice_app)).status_code == 404
    assert client.post(url(alice_app), {"endpoint": SHOPS}).status_code == 404


def test_a_viewer_of_authorizations_sees_the_form_but_cannot_send(client, alice_app, authorization):
    # given
    viewer = make_member(
        account=alice_app.owner, email="val@example.com", role={"authorizations": 1}
    )
    client.force_login(viewer)
    before = AccessToken.objects.count()

    # when
    page = client.get(url(alice_app))
    sent = client.post(url(alice_app), {"endpoint": SHOPS, "authorization": authorization.pk})

    # then
    assert page.status_code == 200
    assert authorization.shop_name in page.content.decode()
    assert "Send request" not in page.content.decode()
    assert sent.status_code == 403
    assert AccessToken.objects.count() == before


def test_a_member_without_authorizations_is_refused(client, alice_app):
    member = make_member(account=alice_app.owner, email="al@example.com", role={"apps": 2})
    client.force_login(member)

    assert client.get(url(alice_app)).status_code == 403


def test_the_tool_signs_with_the_current_secret_after_a_rotation(client, alice_app, authorization):
    # given
    from apps_services import services

    services.rotate_app_secret(app_id=alice_app.pk, by=alice_app.owner, ip=None)
    credentials.forget_all()
    client.force_login(alice_app.owner)

    # when
    response = client.post(url(alice_app), {"endpoint": SHOPS, "authorization": authorization.pk})

    # then
    assert response.context["result"].status == 200


def test_anonymous_is_sent_to_log_in(client, alice_app):
    assert client.get(url(alice_app)).status_code == 302


def test_a_test_shops_authorization_is_marked_test(client, alice_app, authorization, sam):
    # given: Sam's account is a sandbox test account of Alice's
    SellerAccount.objects.filter(pk=sam.pk).update(test_owner=alice_app.owner)
    client.force_login(alice_app.owner)

    # when
    response = client.get(url(alice_app))

    # then
    assert f"{authorization.shop_name} ({authorization.shop_id}) · TEST" in (
        response.content.decode()
    )


def test_deauthorizing_through_the_tool_ends_the_chosen_shop(client, alice_app, authorization):
    # given
    client.force_login(alice_app.owner)
    form = client.get(url(alice_app), {"endpoint": "deauthorizeShop"})
    assert form.context["form"]["p_shop_cipher"].value() == authorization.shop_cipher

    # when
    response = client.post(
        url(alice_app),
        {
            "endpoint": "deauthorizeShop",
            "authorization": authorization.pk,
            "p_shop_cipher": authorization.shop_cipher,
        },
    )

    # then: signed without an access token, as the endpoint is
    result = response.context["result"]
    assert result.status == 200, result.body
    assert not result.token_issued
    assert "shop_cipher" in result.canonical
    authorization.refresh_from_db()
    assert not authorization.is_active


def test_the_call_reaches_the_call_log_like_an_external_one(
    client, alice_app, authorization, monkeypatch
):
    # given
    from open_api import calllog

    recorded = []
    monkeypatch.setattr(calllog, "record", lambda request, note, response: recorded.append(note))
    client.force_login(alice_app.owner)

    # when
    client.post(url(alice_app), {"endpoint": SHOPS, "authorization": authorization.pk})

    # then
    assert [(note.endpoint.key, note.app_id, note.code) for note in recorded] == [
        (SHOPS, alice_app.pk, 0)
    ]


def test_an_allow_list_without_the_browsers_address_is_said_and_applied(
    client, alice_app, authorization
):
    # given: the app accepts calls from 203.0.113.0/24 only; the browser is 127.0.0.1
    alice_app.allowed_networks.create(network="203.0.113.0/24")
    credentials.changed([alice_app.app_key])
    client.force_login(alice_app.owner)

    # when
    page = client.get(url(alice_app))
    sent = client.post(url(alice_app), {"endpoint": SHOPS, "authorization": authorization.pk})

    # then: warned first, then refused like any call from outside the list
    assert "127.0.0.1, which is not on it" in page.content.decode()
    result = sent.context["result"]
    assert result.status == 403
    assert '"code": 36009007' in result.body


def test_no_warning_when_the_browsers_address_is_allowed(client, alice_app, authorization):
    # given
    alice_app.allowed_networks.create(network="127.0.0.0/8")
    credentials.changed([alice_app.app_key])
    client.force_login(alice_app.owner)

    # when
    sent = client.post(url(alice_app), {"endpoint": SHOPS, "authorization": authorization.pk})

    # then
    assert "allow-list-warning" not in sent.content.decode()
    assert sent.context["result"].status == 200
