from django.core.management import call_command

from categories.models import Market, PartnerRole, PartnerType, Region, ServiceCategory


def test_seed_catalog_is_idempotent(db, capsys):
    counts_before = [m.objects.count() for m in (Market, Region, PartnerRole, PartnerType,
                                                  ServiceCategory)]  # fmt: skip

    call_command("seed_catalog")
    call_command("seed_catalog")

    counts_after = [m.objects.count() for m in (Market, Region, PartnerRole, PartnerType,
                                                 ServiceCategory)]  # fmt: skip
    assert counts_after == counts_before == [12, 14, 6, 6, 17]
    assert "new rows: 0 markets" in capsys.readouterr().out


def test_catalog_holds_the_spec_categories(db):
    discontinued = set(
        ServiceCategory.objects.filter(discontinued=True).values_list("name", flat=True)
    )
    assert discontinued == {"Mass Recruiting", "Mass Tutoring", "Paid Media"}
    creator = ServiceCategory.objects.get(code="creator-management")
    assert (creator.first_level, creator.role.name) == (
        "Creator Service",
        "Creator Service Partner",
    )
    assert ServiceCategory.objects.filter(grants_shop_registration=True).count() == 2


def test_catalog_page_lists_partner_types_without_login(client, db):
    response = client.get("/catalog/")

    assert response.status_code == 200
    assert "App developer or system integrator (ISV)" in response.content.decode()
