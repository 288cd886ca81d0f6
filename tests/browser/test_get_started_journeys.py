"""Issue 11, Get Started to the effect: a 4-category application saved for later, resumed
and submitted as one batch; an ISV's app key before approval; a seller developer from Get
Started through verification to the own-shop tag; the US center's defaults."""

import pytest

from apps_services.models import App, AppState
from categories.models import Center
from onboarding.models import Application, State
from sellers.models import Shop
from tests.conftest import PASSWORD, make_user
from tests.sellers.conftest import make_seller

from .test_onboarding_journey import log_in, png

pytestmark = pytest.mark.browser

FOUR = [
    "Seller Service › Shop Management",
    "Seller Service › LIVE Management",
    "Seller Service › Short Video Management",
    "Seller Service › Creator matchmaking",
]


def fill_entity(page, tmp_path, *, name="Brightline"):
    page.locator("[name=entity-legal_name]").fill(f"{name} Commerce Ltd")
    page.locator("[name=entity-registration_number]").fill("REG-0987654")
    page.locator("[name=entity-certificate_validity][value=permanent]").check()
    page.locator("[name=entity-registered_on]").fill("2019-04-01")
    page.locator("[name=entity-business_certificate]").set_input_files(
        png(tmp_path / "certificate.png", "white")
    )
    page.locator("[name=entity-id_document_type][value=passport]").check()
    page.locator("[name=entity-id_document]").set_input_files(png(tmp_path / "id.png", "grey"))
    page.locator("[name=entity-contact_email]").fill("ops@brightline.example")
    page.locator("[name=entity-contact_phone]").fill("+442071838750")
    page.locator("[name=entity-partner_name]").fill(name)
    page.locator("[name=entity-description]").fill("We run TikTok Shops for brands.")
    page.locator("[name=entity-customer_count]").select_option("11-50")
    page.locator("[name=entity-sales_opportunities]").select_option("some")


def fill_categories(page):
    for plan in page.locator("textarea[name$=service_plan]").all():
        plan.fill("Daily shop operations with a dedicated manager.")
    for size in page.locator("input[name$=team_size]").all():
        size.fill("12")


def test_four_categories_saved_for_later_are_resumed_and_submitted_as_one(
    page, live_server, shoot, tmp_path
):
    user = make_user(email="partner@example.com")
    log_in(page, "partner@example.com")

    # Get Started: picking the region narrows the markets and categories on the page.
    page.goto("/onboarding/get-started/?type=tsp")
    assert not page.get_by_role("button", name="Show my markets and categories").is_visible()
    assert page.get_by_label("Spain").is_visible()
    page.get_by_label("Registration region").select_option(label="United Kingdom")
    assert not page.get_by_label("Spain").is_visible()
    assert not page.get_by_label("Seller Service › Shop registration").is_visible()
    page.get_by_label("United Kingdom").check()
    for label in FOUR:
        page.get_by_label(label).check()
    shoot(page, "get-started")
    page.get_by_role("button", name="Next: fill in the information").click()

    # Half filled in, saved for later: the drafts are written now, as one batch.
    page.locator("[name=entity-legal_name]").fill("Brightline Commerce Ltd")
    shoot(page, "batch-page")
    page.get_by_role("button", name="Save for later").click()
    page.get_by_text("Saved. You can come back and submit later.").wait_for()
    assert Application.objects.filter(user=user, state=State.DRAFT).count() == 4

    # The profile offers one Continue for the four, leading to the batch page.
    page.goto("/my-account/profile/?tab=categories")
    continues = page.get_by_role("link", name="Continue (4 categories)")
    assert continues.count() == 1
    shoot(page, "profile-one-continue")
    continues.click()
    assert page.locator("textarea[name$=service_plan]").count() == 4
    assert page.locator("[name=entity-legal_name]").input_value() == "Brightline Commerce Ltd"

    # One Submit sends the four to review.
    fill_entity(page, tmp_path)
    fill_categories(page)
    page.get_by_role("button", name="Submit").click()
    page.get_by_text("Submitted.").wait_for()
    shoot(page, "submitted")
    states = Application.objects.filter(user=user).values_list("state", flat=True)
    assert list(states) == [State.PENDING_REVIEW] * 4
    assert page.get_by_text("Pending review").count() == 4


def test_isv_gets_an_app_key_before_approval_and_publishing_waits_for_it(page, live_server, shoot):
    make_user(email="isv@example.com")
    log_in(page, "isv@example.com")

    # Get Started as an ISV, saved for later at once: no documents yet.
    page.goto("/onboarding/get-started/?type=isv")
    page.get_by_label("Registration region").select_option(label="Hong Kong, China")
    page.get_by_label("Malaysia").check()
    page.get_by_label("App developer (ISV) › Order management").check()
    page.get_by_role("button", name="Next: fill in the information").click()
    page.get_by_role("button", name="Save for later").click()

    # Back to profile, or create an app now.
    page.get_by_role("heading", name="Your application is saved").wait_for()
    assert page.get_by_role("link", name="Back to profile").is_visible()
    assert page.locator(".menu").get_by_role("link", name="App & Service").is_visible()
    shoot(page, "what-next")
    page.get_by_role("link", name="Get app key now").click()

    page.get_by_label("Default name").fill("Order Sync")
    page.locator("select[name=market]").select_option(label="Malaysia")
    page.get_by_label("Local sellers").check()
    shoot(page, "create-app")
    page.get_by_role("button", name="Create").click()
    page.get_by_text("App created.").wait_for()
    app = App.objects.get(owner__email="isv@example.com")
    assert page.locator("#app-key").input_value() == app.app_key

    # Publish is refused, with the reason.
    page.get_by_role("button", name="Publish").click()
    page.get_by_text("Your developer certification is not approved yet.").first.wait_for()
    shoot(page, "publish-refused")
    app.refresh_from_db()
    assert app.state == AppState.DRAFT


def test_seller_developer_goes_from_get_started_through_verification_to_its_own_shop(
    page, live_server, shoot, tmp_path
):
    email = "dev@brightline.example"
    make_seller(email=email, password=PASSWORD, shop_ids=("7495001122",), region="UK")
    Shop.objects.filter(shop_id="7495001122").update(name="Brightline Home Goods")
    make_user(email=email)
    log_in(page, email)

    # Business guide > TikTok Shop Seller > Start Business: verify the seller account first.
    page.goto("/")
    card = page.locator(".card", has_text="TikTok Shop Seller (seller in-house developer)")
    card.get_by_role("link", name="Start Business").click()
    shoot(page, "get-started-unverified")
    page.get_by_role("link", name="Verify seller account").click()
    assert page.get_by_text("This field is required").count() == 0
    page.get_by_label("Seller Center email or phone number").fill(email)
    page.get_by_label("Seller Center password").fill(PASSWORD)
    shoot(page, "verification")
    page.get_by_role("button", name="Verify").click()

    # Back at Get Started: the shop's market and the seller category are chosen.
    page.get_by_text("Your seller account is verified.").wait_for()
    assert page.get_by_label("United Kingdom").is_checked()
    assert not page.get_by_label("Malaysia").is_visible()
    assert page.get_by_label("Seller inhouse developer › TikTok Shop Seller").is_checked()
    shoot(page, "get-started-verified")
    page.get_by_role("button", name="Next: fill in the information").click()

    # The category asks about the app for the own shop, not agency questions.
    page.get_by_label("What will your custom app do for your own shop?").fill("Order sync.")
    page.get_by_label("Developers working on the app").fill("2")
    assert page.get_by_text("case study").count() == 0
    fill_entity(page, tmp_path, name="Brightline Home")
    page.get_by_role("button", name="Submit").click()
    page.get_by_role("heading", name="Your application is submitted").wait_for()
    page.get_by_role("link", name="Back to profile").click()

    # My Account: the TikTok Shop seller tag and the own shop by name.
    page.goto("/my-account/profile/")
    assert page.locator("#tag-seller").inner_text() == "TikTok Shop seller"
    assert page.locator("#own-shop").inner_text() == "Own shop: Brightline Home Goods (UK)"
    shoot(page, "profile-own-shop")
    application = Application.objects.get(user__email=email)
    assert (application.market.code, application.state) == ("UK", State.PENDING_REVIEW)


def test_us_center_get_started_chooses_the_united_states_by_default(
    page, live_server, shoot, settings
):
    settings.US_HOSTS = ["us.localhost"]
    user = make_user(email="agency@us.example", center=Center.US)
    us = live_server.url.replace("localhost", "us.localhost")
    log_in(page, "agency@us.example", url=f"{us}/account/login/")

    page.goto(f"{us}/onboarding/get-started/?type=tsp")
    assert page.locator("#id_region option:checked").inner_text() == "United States"
    markets = page.locator("input[name=markets]")
    assert markets.count() == 1
    assert page.get_by_label("United States").is_checked()
    page.get_by_label("Seller Service › Shop registration").check()
    shoot(page, "us-get-started")
    page.get_by_role("button", name="Next: fill in the information").click()
    page.get_by_role("button", name="Save for later").click()
    page.get_by_text("Saved. You can come back and submit later.").wait_for()
    shoot(page, "us-saved")

    application = Application.objects.get(user=user)
    assert (application.region.code, application.market.code) == ("US", "US")


def test_without_javascript_one_form_takes_region_market_and_category_together(
    browser, live_server, settings, shoot
):
    # The trap of issue 11: a region picked without pressing a button, then Next.
    settings.ALLOWED_HOSTS = ["*"]
    make_user(email="nojs@example.com")
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    log_in(page, "nojs@example.com")

    page.goto("/onboarding/get-started/?type=tsp")
    assert page.get_by_role("button", name="Show my markets and categories").is_visible()
    page.get_by_label("Registration region").select_option(label="United Kingdom")
    page.get_by_label("United Kingdom").check()
    page.get_by_label("Seller Service › LIVE Management").check()
    shoot(page, "no-js-get-started")
    page.get_by_role("button", name="Next: fill in the information").click()

    page.get_by_role("heading", name="Fill in the required information").wait_for()
    assert page.get_by_text("This field is required").count() == 0
    page.get_by_role("button", name="Save for later").click()
    page.get_by_text("Saved. You can come back and submit later.").wait_for()
    shoot(page, "no-js-saved")
    application = Application.objects.get(user__email="nojs@example.com")
    assert (application.region.code, application.market.code) == ("UK", "UK")
    context.close()
