"""Pages speak Simplified Chinese when the browser or the language switcher asks for it, and
English otherwise."""

from django.conf import settings

from accounts.models import User
from categories.models import Market, Region, ServiceCategory
from tests.conftest import PASSWORD, make_user
from tests.onboarding.conftest import make_application

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-Hans,zh;q=0.9,en;q=0.5"}


def test_english_is_the_default(alice_client):
    page = alice_client.get("/").content.decode()

    assert '<html lang="en">' in page
    assert "Start Business" in page
    assert "开始入驻" not in page


def test_dashboard_follows_the_browser_language(alice_client):
    page = alice_client.get("/", **ZH).content.decode()

    assert '<html lang="zh-hans">' in page
    assert "业务指南" in page
    assert "开始入驻" in page
    assert "TikTok Shop 服务商（TSP）" in page  # catalog rows are translated too


def test_profile_in_chinese(alice_client):
    page = alice_client.get("/my-account/profile/?tab=categories", **ZH).content.decode()

    assert "我的账号 › 个人信息主页" in page
    assert "+类目与市场" in page


def test_get_started_in_chinese(alice_client):
    page = alice_client.get("/onboarding/get-started/?type=tsp", **ZH).content.decode()

    assert "开始入驻" in page
    assert "1. 注册地区" in page
    assert "英国" in page
    assert "直播代运营" in page


def test_sign_up_and_log_in_pages_in_chinese(client):
    signup = client.get("/account/signup/", **ZH).content.decode()
    login = client.get("/account/login/", **ZH).content.decode()

    assert "注册" in signup
    assert "合作伙伴中心" in signup
    assert "登录" in login
    assert "Sign up" not in login


def test_the_switcher_keeps_the_choice_for_the_browser_and_the_account(alice_client, alice):
    # when
    response = alice_client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})

    # then
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    assert "开始入驻" in alice_client.get("/").content.decode()
    alice.refresh_from_db()
    assert alice.language == "zh-hans"


def test_switching_back_to_english(alice_client):
    alice_client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})

    alice_client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    assert "Start Business" in alice_client.get("/", **ZH).content.decode()


def test_an_unknown_language_changes_nothing(alice_client, alice):
    alice_client.post("/i18n/setlang/", {"language": "xx", "next": "/"})

    alice.refresh_from_db()
    assert alice.language == ""


def test_the_account_language_follows_the_partner_to_a_new_browser(client, db):
    make_user(email="mei@example.com", language="zh-hans")

    response = client.post("/account/login/", {"login": "mei@example.com", "password": PASSWORD})

    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    assert "开始入驻" in client.get("/").content.decode()


def test_sign_up_remembers_the_browser_language(client, db):
    client.post(
        "/account/signup/",
        {"email": "wang@example.com", "password1": PASSWORD, "password2": PASSWORD},
        **ZH,
    )

    assert User.objects.get(email="wang@example.com").language == "zh-hans"


def test_form_errors_in_chinese(alice_client):
    response = alice_client.post("/onboarding/get-started/?type=tsp", {}, **ZH)

    assert "这个字段是必填项。" in response.content.decode()


def test_market_rule_errors_in_chinese_name_the_markets_in_chinese(alice_client):
    response = alice_client.post(
        "/onboarding/get-started/?type=tsp",
        {
            "region": Region.objects.get(code="UK").pk,
            "markets": [Market.objects.get(code="US").pk],
            "categories": [ServiceCategory.objects.get(code="live-management").pk],
        },
        **ZH,
    )

    assert "本土合作伙伴只能选择其所在市场（英国）；不能选择美国。" in response.content.decode()


def test_dates_follow_the_language(alice_client, alice):
    application = make_application(alice)
    url = application.get_absolute_url()
    year = application.created_at.year

    assert f"{application.created_at:%Y-%m-%d %H:%M}" in alice_client.get(url).content.decode()
    assert f"{year}年" in alice_client.get(url, **ZH).content.decode()
