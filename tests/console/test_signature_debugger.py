"""The signature debugger page (apps/<pk>/signature-debugger/): App secrets (manage) only,
another account's app is a 404, and the secret never reaches the page."""

import hashlib
import hmac
import time

from django.urls import reverse

from apps_services import credentials
from apps_services import services as app_services
from tests.conftest import make_member
from tests.open_api.conftest import SHOPS_PATH, secret_of


def url(app) -> str:
    return reverse("console:signature-debugger", kwargs={"pk": app.pk})


def signed_url(app, secret: str, *, upper: bool = False, leave_out_timestamp: bool = False):
    stamp = str(int(time.time()))
    params = {"app_key": app.app_key, "timestamp": stamp}
    signed = {k: v for k, v in params.items() if not (leave_out_timestamp and k == "timestamp")}
    message = secret + SHOPS_PATH + "".join(f"{k}{signed[k]}" for k in sorted(signed)) + secret
    sign = hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()
    sign = sign.upper() if upper else sign
    return (
        f"https://partner.example{SHOPS_PATH}?app_key={app.app_key}&timestamp={stamp}&sign={sign}"
    )


def paste(client, app, request_url: str, body: str = ""):
    return client.post(
        url(app), {"method": "GET", "url": request_url, "content_type": "", "body": body}
    )


def test_a_right_signature_is_confirmed(client, alice_app):
    # given
    client.force_login(alice_app.owner)

    # when
    response = paste(client, alice_app, signed_url(alice_app, secret_of(alice_app)))

    # then
    assert response.status_code == 200
    assert response.context["diagnosis"].kind == "ok"
    assert "Signature OK" in response.content.decode()


def test_the_first_difference_is_named_and_the_secret_never_shown(client, alice_app):
    # given: a sign that leaves the timestamp out, and the secret pasted in the body
    secret = secret_of(alice_app)
    client.force_login(alice_app.owner)

    # when
    response = paste(
        client,
        alice_app,
        signed_url(alice_app, secret, leave_out_timestamp=True),
        body=f"my secret is {secret}",
    )

    # then
    page = response.content.decode()
    assert response.context["diagnosis"].kind == "signature_mismatch"  # two mistakes at once
    assert secret not in page
    assert secret[:16] not in page
    assert "{app_secret}" in page


def test_a_sign_made_over_fewer_parameters_names_the_parameter(client, alice_app):
    # given
    client.force_login(alice_app.owner)

    # when
    response = paste(
        client, alice_app, signed_url(alice_app, secret_of(alice_app), leave_out_timestamp=True)
    )

    # then
    assert response.context["diagnosis"].kind == "parameter_left_out"
    assert "leaves out the parameter timestamp" in response.content.decode()


def test_a_sign_with_the_rotated_secret_is_named_previous(client, alice_app):
    # given
    old = secret_of(alice_app)
    app_services.rotate_app_secret(app_id=alice_app.pk, by=alice_app.owner, ip=None)
    credentials.forget_all()
    client.force_login(alice_app.owner)

    # when
    response = paste(client, alice_app, signed_url(alice_app, old))

    # then
    assert response.context["diagnosis"].kind == "previous_secret_in_grace"
    assert old not in response.content.decode()


def test_another_accounts_app_is_not_found(client, alice_app, bob):
    client.force_login(bob)

    assert client.get(url(alice_app)).status_code == 404
    assert paste(client, alice_app, "/x?sign=1").status_code == 404


def test_a_member_without_secrets_manage_is_refused(client, alice_app):
    # given: a member who may manage everything else, and one who may only view secrets
    others = make_member(
        account=alice_app.owner,
        email="ops@example.com",
        role={"apps": 2, "authorizations": 2, "webhooks": 2},
    )
    viewer = make_member(account=alice_app.owner, email="viv@example.com", role={"secrets": 1})

    for member in (others, viewer):
        client.force_login(member)
        # when
        page = client.get(url(alice_app))
        pasted = paste(client, alice_app, signed_url(alice_app, "guess"))
        # then
        assert page.status_code == 403
        assert pasted.status_code == 403


def test_a_member_with_secrets_manage_uses_it(client, alice_app):
    member = make_member(account=alice_app.owner, email="sec@example.com", role={"secrets": 2})
    client.force_login(member)

    response = paste(client, alice_app, signed_url(alice_app, secret_of(alice_app), upper=True))

    assert response.status_code == 200
    assert response.context["diagnosis"].kind == "sign_uppercase"
