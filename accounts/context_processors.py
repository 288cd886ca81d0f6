from categories.models import Center


def portal(request):
    """The Partner Center (US or Global) the page belongs to. The partner's roles and menu
    come from `onboarding.context_processors.partner_shell`, which knows the applications."""
    center = getattr(request, "center", Center.GLOBAL)
    return {"center": center, "center_label": Center(center).label}
