"""What the profile tabs (templates/accounts/_profile_*.html) show of onboarding."""

from django import template

from onboarding.models import Application, CompanyEntity, State

register = template.Library()


@register.simple_tag
def company_entity(user):
    return CompanyEntity.objects.filter(user=user).select_related("region").first()


@register.simple_tag
def entity_status(user, entity):
    """The entity is reviewed with the applications: approved with the first of them."""
    if entity is None:
        return None
    if entity.is_frozen:
        return State.APPROVED
    states = set(Application.objects.filter(user=user).values_list("state", flat=True))
    for state in (State.PENDING_REVIEW, State.REJECTED):
        if state in states:
            return state
    return State.DRAFT


@register.simple_tag
def partner_applications(user):
    return Application.objects.filter(user=user).select_related(
        "category", "category__role", "market", "partner_type"
    )


@register.filter
def state_label(value):
    return State(value).label if value else ""
