from django import template

from accounts.permissions import Access, Module, may
from referrals import services
from referrals.models import ShopRegistrationService

register = template.Library()


@register.inclusion_tag("referrals/_app_list_entry.html", takes_context=True)
def shop_registration_entry(context):
    """The shop registration service's place on the App & Service page (SPEC §5.2)."""
    user = context["request"].user
    owner = user.holder  # a team member sees the account's (SPEC §8.1)
    return {
        "services": ShopRegistrationService.objects.owned_by(owner).select_related(
            "category", "market"
        ),
        "can_create": services.can_create_service(owner),
        "can_manage": may(user, Module.SHOP_REGISTRATION, Access.MANAGE),
    }
