"""Issue "Every journey reaches its end": on a phone (390 x 844) no page scrolls sideways and
the top bar folds into a menu button.

The pages and their users are the accessibility audit's (tests/browser/test_accessibility.py),
on the same demo data, so both tests walk the same pages. One test per language walks them all
in one browser and photographs each under test-artifacts/screenshots/phone-<language>/.
"""

import pytest
from django.conf import settings as django_settings

from . import test_accessibility as a11y
from .conftest import SCREENSHOTS

pytestmark = pytest.mark.browser

# The accessibility test's fixture: the demo accounts and the ids the page URLs need.
demo_data = a11y.demo_data

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 3,
}
# Elements wider than the page: named in the failure so it says what to fix.
OVERFLOW = """() => {
  const doc = document.documentElement;
  const width = doc.clientWidth;
  const culprits = [...document.querySelectorAll("body *")]
    .filter(el => el.getBoundingClientRect().right > width + 0.5)
    .filter(el => el.parentElement.getBoundingClientRect().right <= width + 0.5)
    .slice(0, 5)
    .map(el => el.outerHTML.slice(0, 100));
  return {scrollWidth: doc.scrollWidth, clientWidth: width, culprits};
}"""


# The top bar's menu: whatever its <nav> holds (account, language, role; the main menu too).
TOP_MENU = "header.topbar nav"


def has_menu(page, target: a11y.Page) -> bool:
    """Does the page's top bar hold a menu to fold? Every page of a logged-in partner does;
    Django's admin has its own header, the sellers' sign-up pages show only the brand."""
    if target.who in a11y.USERS and not target.url.startswith("/admin/"):
        return True
    return page.evaluate(f"() => !!document.querySelector('{TOP_MENU}')?.children.length")


def open_page(browser, live_server, target, language, data):
    context = browser.new_context(
        base_url=live_server.url, locale=a11y.LANGUAGES[language], **PHONE
    )
    cookies = [{"name": "django_language", "value": language, "url": live_server.url}]
    session = a11y.session_cookie(target.who, data)
    if session:
        cookies.append(
            {"name": django_settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}
        )
    context.add_cookies(cookies)
    page = context.new_page()
    page.set_default_timeout(15_000)
    # Chromium reports every script, style or frame the Content-Security-Policy blocks.
    page.csp_violations = []
    page.on(
        "console",
        lambda message: (
            page.csp_violations.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    page.goto(target.url.format(**data))
    for selector, value in target.fill.items():
        page.locator(selector).fill(value)
    if target.submit:
        with page.expect_navigation():
            page.locator(target.submit).click()
    return context, page


def check_menu(page) -> list[str]:
    """What is wrong with the top bar's menu button (nothing: an empty list)."""
    button = page.locator(".menu-button")
    menu = page.locator(TOP_MENU)
    if button.count() != 1 or not button.is_visible():
        return ["no menu button in the top bar"]
    problems = []
    if menu.is_visible():
        problems.append("the menu shows before the button is pressed")
    if page.locator("[aria-modal=true]").count():
        # A dialog (publish) covers the page: the menu waits until it is answered.
        return problems
    button.click()
    if not menu.is_visible():
        problems.append("the menu stays hidden after the button is pressed")
    return problems


@pytest.mark.parametrize("language", a11y.LANGUAGES)
def test_no_page_scrolls_sideways_or_breaks_its_policy_on_a_phone(
    browser, live_server, settings, demo_data, language
):
    # given: the demo data, and a phone-sized browser in the language under test
    settings.ALLOWED_HOSTS = ["*"]
    folder = SCREENSHOTS / f"phone-{language}"
    folder.mkdir(parents=True, exist_ok=True)
    problems: dict[str, list[str]] = {}

    for target in a11y.PAGES:
        # when: each page of the accessibility list is shown as its user sees it
        context, page = open_page(browser, live_server, target, language, demo_data)
        try:
            assert page.locator("html").get_attribute("lang") == language
            page.screenshot(path=str(folder / f"{target.name}.png"), full_page=True, scale="css")
            found = []
            # then: nothing sticks out on the right
            overflow = page.evaluate(OVERFLOW)
            if overflow["scrollWidth"] > overflow["clientWidth"]:
                found.append(f"scrolls sideways: {overflow}")
            # and the top bar shows a menu button, the menu opening only when pressed
            if has_menu(page, target):
                found += check_menu(page)
                page.screenshot(path=str(folder / f"{target.name}-menu.png"), scale="css")
                overflow = page.evaluate(OVERFLOW)
                if overflow["scrollWidth"] > overflow["clientWidth"]:
                    found.append(f"scrolls sideways with the menu open: {overflow}")
            # and the Content-Security-Policy blocked nothing the page needs
            found += [f"CSP: {text}" for text in page.csp_violations]
            if found:
                problems[target.name] = found
        finally:
            context.close()

    assert not problems, f"{len(problems)} of {len(a11y.PAGES)} pages ({language}): {problems}"
