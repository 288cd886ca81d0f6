"""Get Started as one form (SPEC §2.5, §3.1): what it offers for a region and market, what it
keeps after an error, and the US center's defaults."""

from categories.models import Market, Region, ServiceCategory
from onboarding.models import Application

from .conftest import make_application

URL = "/onboarding/get-started/"


def pk(model, code) -> str:
    return str(model.objects.get(code=code).pk)


def option(options, label_part):
    return next(o for o in options if label_part in o["label"])


def test_a_singapore_tsp_is_not_offered_us_only_shop_registration(alice_client):
    # when
    response = alice_client.get(URL, {"type": "tsp", "region": pk(Region, "SG")})

    # then
    form = response.context["form"]
    assert option(form.category_options(), "Shop registration")["hidden"]
    assert not option(form.category_options(), "LIVE Management")["hidden"]
    visible_markets = [o["label"] for o in form.market_options() if not o["hidden"]]
    assert visible_markets == ["Singapore"]


def test_a_singapore_tsp_posting_us_only_shop_registration_is_refused(alice_client):
    response = alice_client.post(
        f"{URL}?type=tsp",
        {
            "region": pk(Region, "SG"),
            "markets": [pk(Market, "SG")],
            "categories": [pk(ServiceCategory, "seller-shop-registration")],
        },
    )

    assert response.status_code == 200
    assert "is not available for" in response.content.decode()
    assert not Application.objects.exists()


def test_a_category_applied_for_is_not_offered_again_for_that_market(alice_client, alice):
    # given
    make_application(alice, category="live-management")

    # when
    response = alice_client.get(URL, {"type": "tsp"})

    # then
    options = response.context["form"].category_options()
    assert option(options, "LIVE Management")["hidden"]
    assert not option(options, "Shop Management")["hidden"]


def test_the_page_posts_region_markets_and_categories_in_one_form(alice_client):
    response = alice_client.get(URL, {"type": "tsp"})

    page = response.content.decode()
    start = page.index('id="get-started-form"')
    form = page[start : page.index("</form>", start)]
    assert page.count('name="region"') == 1
    for name in ('name="region"', 'name="markets"', 'name="categories"', 'value="next"'):
        assert name in form
    assert 'method="get"' not in page.split('id="get-started-form"')[0].split("<main")[-1]
    assert 'src="/static/js/get_started.js"' in page


def test_an_error_keeps_the_region_markets_and_categories_chosen(alice_client):
    # given five categories: one too many
    codes = [
        "shop-management",
        "live-management",
        "short-video-management",
        "creator-matchmaking",
        "seller-affiliate-management",
    ]

    # when
    response = alice_client.post(
        f"{URL}?type=tsp",
        {
            "region": pk(Region, "UK"),
            "markets": [pk(Market, "UK")],
            "categories": [pk(ServiceCategory, c) for c in codes],
        },
    )

    # then
    page = response.content.decode()
    form = response.context["form"]
    assert "at most 4 categories" in page
    assert "Registration region: This field is required" not in page
    assert f'<option value="{pk(Region, "UK")}" selected>' in page
    assert [o["label"] for o in form.market_options() if o["checked"]] == ["United Kingdom"]
    assert sum(o["checked"] for o in form.category_options()) == 5


def test_update_choices_narrows_to_the_region_without_errors(alice_client):
    response = alice_client.post(
        f"{URL}?type=isv", {"action": "refresh", "region": pk(Region, "HK")}
    )

    form = response.context["form"]
    assert response.status_code == 200
    assert not form.errors
    visible = {o["label"] for o in form.market_options() if not o["hidden"]}
    assert visible == {
        "United Kingdom",
        "Malaysia",
        "Vietnam",
        "Thailand",
        "Philippines",
        "Singapore",
    }
    assert not Application.objects.exists()


def test_us_center_defaults_region_and_market_to_the_united_states(client, us_user):
    # given
    client.force_login(us_user)

    # when
    response = client.get(URL, {"type": "tsp"}, HTTP_HOST="us.localhost")

    # then
    form = response.context["form"]
    assert form.initial["region"] == Region.objects.get(code="US").pk
    assert [o["label"] for o in form.market_options()] == ["United States"]
    assert [o["checked"] for o in form.market_options()] == [True]
    assert not option(form.category_options(), "Shop registration")["hidden"]


def test_us_center_next_with_the_defaults_opens_the_batch_page(client, us_user):
    # given
    client.force_login(us_user)
    form = client.get(URL, {"type": "tsp"}, HTTP_HOST="us.localhost").context["form"]

    # when
    response = client.post(
        f"{URL}?type=tsp",
        {
            "region": form.initial["region"],
            "markets": form.initial["markets"],
            "categories": [pk(ServiceCategory, "seller-shop-registration")],
        },
        HTTP_HOST="us.localhost",
    )

    # then
    assert response.status_code == 302
    assert response.url.startswith("/onboarding/batches/")
