from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from categories.catalog import ALL_MARKETS
from sellers.directory import get_directory
from sellers.forms import SHOP_REGIONS
from sellers.models import KycStatus, SellerAccount, Shop

HEADER = "email,phone,password,name,kyc_status,region,shop_id,shop_name,shop_region,seller_type\n"
GOOD_AND_BAD = (
    HEADER
    + "ann@example.com,+14155550101,Ann-pass-1,Ann Store,passed,US,7001,Ann One,US,LOCAL\n"
    + "ann@example.com,,,,,,7002,Ann Two,UK,cross_border\n"
    + ",,pw,No Login,passed,US,,,,\n"
    + "ben@example.com,12345,pw,Ben,passed,US,,,,\n"
    + "cat@example.com,,pw,Cat,maybe,US,7003,Cat Shop,US,LOCAL\n"
    + "dan@example.com,,Dan-pass-1,Dan,PENDING,cn,7004,Dan Shop,US,CROSS_BORDER\n"
    + "eve@example.com,,,Eve,passed,US,,,,\n"
    + "fay@example.com,,pw,Fay,passed,US,7001,Stolen,US,LOCAL\n"
    + "gus@example.com,,pw,Gus,passed,US,7005,,ZZ,LOCAL\n"
)


def run_import(tmp_path, content: str, name: str = "sellers.csv"):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    out, err = StringIO(), StringIO()
    try:
        call_command("import_sellers", str(path), stdout=out, stderr=err)
    except CommandError as exc:
        return out.getvalue(), err.getvalue(), exc
    return out.getvalue(), err.getvalue(), None


@pytest.mark.django_db
def test_good_rows_are_kept_and_bad_rows_reported_by_line(tmp_path):
    # when
    out, err, error = run_import(tmp_path, GOOD_AND_BAD)

    # then
    assert error is not None
    assert error.returncode != 0
    assert "6 row(s) rejected" in str(error)
    lines = err.strip().splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "line 4",
        "line 5",
        "line 6",
        "line 8",
        "line 9",
        "line 10",
    ]
    assert "email or phone is required" in lines[0]
    assert lines[1].startswith("line 5: phone:")
    assert lines[2].startswith("line 6: kyc_status:")
    assert lines[3] == "line 8: a new seller account needs password"
    assert lines[4] == "line 9: shop 7001 belongs to another seller account"
    assert "shop_name: required when shop_id is given" in lines[5]
    assert "shop_region:" in lines[5]

    ann = SellerAccount.objects.get(email="ann@example.com")
    assert str(ann.phone) == "+14155550101"
    assert ann.kyc_status == KycStatus.PASSED
    assert ann.check_password("Ann-pass-1")
    assert list(ann.shops.values_list("shop_id", "region", "seller_type")) == [
        ("7001", "US", "LOCAL"),
        ("7002", "UK", "CROSS_BORDER"),
    ]
    dan = SellerAccount.objects.get(email="dan@example.com")
    assert (dan.region, dan.kyc_status) == ("CN", KycStatus.PENDING)
    assert set(SellerAccount.objects.values_list("email", flat=True)) == {
        "ann@example.com",
        "dan@example.com",
    }
    assert "2 accounts created" in out


@pytest.mark.django_db
def test_rerun_updates_instead_of_duplicating(tmp_path):
    # given
    run_import(tmp_path, GOOD_AND_BAD)
    ciphers = dict(Shop.objects.values_list("shop_id", "cipher"))
    changed = HEADER + "ANN@example.com,,New-pass-2,Ann Renamed,failed,US,7001,Ann Main,US,LOCAL\n"

    # when
    run_import(tmp_path, GOOD_AND_BAD)
    out, err, error = run_import(tmp_path, changed, name="changed.csv")

    # then
    assert error is None
    assert err == ""
    assert SellerAccount.objects.count() == 2
    assert Shop.objects.count() == 3
    assert dict(Shop.objects.values_list("shop_id", "cipher")) == ciphers
    ann = SellerAccount.objects.get(email="ann@example.com")
    assert (ann.name, ann.kyc_status) == ("Ann Renamed", KycStatus.FAILED)
    assert str(ann.phone) == "+14155550101"
    assert get_directory().check_password(str(ann.pk), "New-pass-2")
    assert Shop.objects.get(shop_id="7001").name == "Ann Main"
    assert "0 accounts created, 1 accounts updated, 0 shops created, 1 shops updated" in out


@pytest.mark.django_db
def test_importing_a_valid_file_succeeds(tmp_path):
    # when
    _, err, error = run_import(
        tmp_path, HEADER + ",+447911123456,Pw-12345,Phone Only,passed,UK,9001,Phone Shop,UK,LOCAL\n"
    )

    # then
    assert error is None
    assert err == ""
    assert get_directory().find_account("+447911123456").name == "Phone Only"


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="File not found"):
        call_command("import_sellers", str(tmp_path / "nope.csv"))


@pytest.mark.django_db
def test_missing_columns_are_named(tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("email,password\nann@example.com,pw\n", encoding="utf-8")

    with pytest.raises(CommandError, match=r"missing column.*phone, name, kyc_status"):
        call_command("import_sellers", str(path))
    assert not SellerAccount.objects.exists()


def test_help_documents_the_columns(capsys):
    with pytest.raises(SystemExit):
        call_command("import_sellers", "--help")

    out = capsys.readouterr().out
    for column in ("email", "phone", "kyc_status", "shop_region", "seller_type", "CROSS_BORDER"):
        assert column in out


def test_seller_center_shop_regions_are_the_catalogs_markets():
    # Seller Center keeps its own list of shop regions (sellers imports no other app); it
    # must stay the catalog's markets, which apps and referral services are created in.
    assert sorted(SHOP_REGIONS) == sorted(ALL_MARKETS)
