from categories.models import PartnerRole


def test_the_catalog_says_which_roles_are_developers_and_what_they_build(db):
    def codes(queryset):
        return sorted(queryset.values_list("code", flat=True))

    assert codes(PartnerRole.objects.developer()) == ["app-developer", "seller-inhouse-developer"]
    assert codes(PartnerRole.objects.filter(publishes_public_apps=True)) == ["app-developer"]
    assert codes(PartnerRole.objects.filter(builds_for_own_shop=True)) == [
        "seller-inhouse-developer"
    ]
