"""Issue 11, defect 14: on the developer's authorized shops page, a shop's seller type reads
in words."""

from django.urls import reverse

from apps_services import services as app_services
from open_api import services
from open_api.models import Authorization
from tests.apps_services.conftest import make_app
from tests.sellers.conftest import make_seller

SHOP = "7494000000000301"


def test_authorized_shops_show_the_seller_type_in_words(certified_alice, alice_client):
    # given: a UK seller's local shop authorized Alice's UK app
    app = app_services.publish_app(app_id=make_app(certified_alice).pk, by=certified_alice)
    seller = make_seller(email="sam@shop.example", region="UK", shop_ids=(SHOP,))
    services.authorize_app(
        app_id=app.pk,
        seller_account_id=str(seller.pk),
        seller_name=seller.name,
        seller_region=seller.region,
        shop_id=SHOP,
    )
    assert Authorization.objects.get().seller_type == "LOCAL"

    # when
    text = alice_client.get(reverse("open_api:app-authorizations", args=[app.pk])).text

    # then
    assert ">Local seller</td>" in text
    assert "LOCAL" not in text
