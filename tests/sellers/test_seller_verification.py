import threading

import pytest
from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AccountBlacklisted
from apps_services.models import SellerBinding
from apps_services.services import (
    ALREADY_BOUND,
    NO_SELLER_ACCOUNT,
    SAME_LOGIN,
    verify_seller_developer,
)
from sellers.directory import LocalSellerDirectory
from sellers.models import KycStatus
from tests.conftest import make_user, requires_postgres

from .conftest import SELLER_PASSWORD, make_seller

URL = reverse("apps_services:seller-verification")


def verify_error(**kwargs) -> str:
    with pytest.raises(ValidationError) as excinfo:
        verify_seller_developer(**kwargs)
    return excinfo.value.messages[0]


def test_login_must_be_the_partner_center_login(alice):
    # given
    make_seller(email="someone-else@example.com")

    # when
    message = verify_error(user=alice, login="someone-else@example.com", password=SELLER_PASSWORD)

    # then
    assert message == "Please use the same email/phone number for verification as for login"
    assert message == SAME_LOGIN


def test_phone_login_needs_the_partners_verified_phone(db):
    # given
    partner = make_user(email="pat@example.com", phone="+14155550123", phone_verified=False)
    make_seller(phone="+14155550123", shop_ids=("7001",))

    # when
    message = verify_error(user=partner, login="+14155550123", password=SELLER_PASSWORD)
    partner.phone_verified = True
    binding = verify_seller_developer(user=partner, login="+14155550123", password=SELLER_PASSWORD)

    # then
    assert message == SAME_LOGIN
    assert binding.own_shop_id == "7001"


def test_login_without_a_seller_account_is_refused(alice):
    message = verify_error(user=alice, login="alice@example.com", password=SELLER_PASSWORD)

    assert message == "This email/phone number does not have a linked Seller Center Account"
    assert message == NO_SELLER_ACCOUNT


def test_wrong_password_is_refused(alice):
    # given
    make_seller(email="alice@example.com")

    # when
    message = verify_error(user=alice, login="alice@example.com", password="not-it")

    # then
    assert message == "The Seller Center password is incorrect."
    assert not SellerBinding.objects.exists()


def test_repeated_wrong_passwords_are_throttled(alice):
    # given
    make_seller(email="alice@example.com")
    for _ in range(5):
        verify_error(user=alice, login="alice@example.com", password="guess")

    # when
    message = verify_error(user=alice, login="alice@example.com", password=SELLER_PASSWORD)

    # then
    assert message.startswith("Too many wrong passwords")


@pytest.mark.parametrize("status", [KycStatus.PENDING, KycStatus.FAILED])
def test_seller_without_passed_kyc_is_refused(alice, status):
    # given
    make_seller(email="alice@example.com", kyc_status=status)

    # when
    message = verify_error(user=alice, login="alice@example.com", password=SELLER_PASSWORD)

    # then
    assert message == "This seller account has not passed KYC/KYB review yet."


def test_unverified_login_email_cannot_verify(db):
    partner = make_user(email="fresh@example.com", verified=False)
    make_seller(email="fresh@example.com")

    message = verify_error(user=partner, login="fresh@example.com", password=SELLER_PASSWORD)

    assert message == "Verify your login email before verifying a seller account."


def test_seller_account_bound_to_another_partner_is_refused(db):
    # given
    make_seller(email="shared@example.com", phone="+14155550123", shop_ids=("7001",))
    first = make_user(email="shared@example.com")
    second = make_user(email="second@example.com", phone="+14155550123", phone_verified=True)
    verify_seller_developer(user=first, login="shared@example.com", password=SELLER_PASSWORD)

    # when
    message = verify_error(user=second, login="+14155550123", password=SELLER_PASSWORD)

    # then
    assert message == (
        "1 seller account can only be bound with 1 TTSPC account. "
        "Please use another seller account to bind/verify"
    )
    assert message == ALREADY_BOUND
    assert SellerBinding.objects.get().partner == first


def test_success_records_the_first_shop_as_own_shop(alice):
    # given
    seller = make_seller(email="alice@example.com", shop_ids=("7001", "7002"))

    # when
    binding = verify_seller_developer(
        user=alice, login="ALICE@example.com ", password=SELLER_PASSWORD
    )

    # then
    assert binding.partner == alice
    assert binding.seller_account_id == str(seller.pk)
    assert binding.own_shop_id == "7001"
    assert verify_error(user=alice, login="alice@example.com", password=SELLER_PASSWORD) == (
        "Your account is already verified as a TikTok Shop seller."
    )


def test_blacklisted_partner_cannot_verify(alice):
    # given
    make_seller(email="alice@example.com", shop_ids=("7001",))
    alice.blacklist(by=None, reason="security form rejected three times")

    # when / then
    with pytest.raises(AccountBlacklisted):
        verify_seller_developer(user=alice, login="alice@example.com", password=SELLER_PASSWORD)
    assert not SellerBinding.objects.exists()


def test_profile_links_to_verification_until_verified(alice_client):
    response = alice_client.get(reverse("accounts:profile"))

    assert URL in response.text
    assert "Verify seller account" in response.text
    assert "TikTok Shop seller" not in response.text


def test_verifying_through_the_page_shows_the_tag_on_the_profile(alice_client):
    # given
    make_seller(email="alice@example.com", shop_ids=("7001",))

    # when
    response = alice_client.post(
        URL, {"login": "alice@example.com", "password": SELLER_PASSWORD}, follow=True
    )

    # then
    assert response.redirect_chain[-1][0] == reverse("accounts:profile")
    assert "Your seller account is verified." in response.text
    assert 'id="tag-seller"' in response.text
    assert "TikTok Shop seller" in response.text
    assert "7001" in response.text
    assert "Verify seller account" not in response.text


def test_profile_tags_cost_the_same_queries_verified_or_not(alice_client, alice):
    # given: a warm page (with Redis the shell's roles and badge are cached after the first)
    alice_client.get(reverse("accounts:profile"))
    with CaptureQueriesContext(connection) as before:
        alice_client.get(reverse("accounts:profile"))
    make_seller(email="alice@example.com", shop_ids=("7001",))
    verify_seller_developer(user=alice, login="alice@example.com", password=SELLER_PASSWORD)

    # when
    with CaptureQueriesContext(connection) as after:
        alice_client.get(reverse("accounts:profile"))

    # then
    assert len(after.captured_queries) == len(before.captured_queries)


def test_page_shows_the_exact_error(alice_client):
    response = alice_client.post(URL, {"login": "bob@example.com", "password": "whatever"})

    assert response.status_code == 200
    assert "Please use the same email/phone number for verification as for login" in response.text
    assert not SellerBinding.objects.exists()


def test_page_requires_login(client, db):
    response = client.get(URL)

    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_verified_partner_sees_the_binding_instead_of_the_form(alice_client, alice):
    make_seller(email="alice@example.com", shop_ids=("7001",))
    verify_seller_developer(user=alice, login="alice@example.com", password=SELLER_PASSWORD)

    response = alice_client.get(URL)

    assert "7001" in response.text
    assert 'name="password"' not in response.text


class _RacingDirectory(LocalSellerDirectory):
    """Holds every caller after the "already bound?" check until all have passed it."""

    barrier: threading.Barrier

    def list_shops(self, account_id):
        self.barrier.wait(timeout=10)
        return super().list_shops(account_id)


@requires_postgres()
@pytest.mark.postgres
def test_two_partners_binding_the_same_seller_at_once_only_one_wins(transactional_db, settings):
    # given
    settings.SELLER_DIRECTORY = f"{__name__}._RacingDirectory"
    _RacingDirectory.barrier = threading.Barrier(2)
    make_seller(email="shared@example.com", phone="+14155550123", shop_ids=("7001",))
    by_email = make_user(email="shared@example.com")
    by_phone = make_user(email="other@example.com", phone="+14155550123", phone_verified=True)
    EmailAddress.objects.filter(user__in=[by_email, by_phone]).update(verified=True)
    outcomes: dict[str, str] = {}

    def bind(user, login):
        try:
            verify_seller_developer(user=user, login=login, password=SELLER_PASSWORD)
            outcomes[login] = "bound"
        except ValidationError as exc:
            outcomes[login] = str(exc.messages[0])
        finally:
            connection.close()

    threads = [
        threading.Thread(target=bind, args=(by_email, "shared@example.com")),
        threading.Thread(target=bind, args=(by_phone, "+14155550123")),
    ]

    # when
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)

    # then
    assert sorted(outcomes.values()) == sorted(["bound", str(ALREADY_BOUND)])
    assert SellerBinding.objects.count() == 1
