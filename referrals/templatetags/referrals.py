from django import template

from referrals import services
from referrals.models import ShopRegistrationService

register = template.Library()


@register.inclusion_tag("referrals/_app_list_entry.html", takes_context=True)
def shop_registration_entry(context):
    """The shop registration service's place on the App & Service page (SPEC §5.2)."""
    user = context["request"].user
    return {
        "services": ShopRegistrationService.objects.owned_by(user).select_related(
            "category", "market"
        ),
        "can_create": services.can_create_service(user),
    }
