from .models import Center


def portal(request):
    """What the shell (top bar, left menu) needs on every page."""
    center = getattr(request, "center", Center.GLOBAL)
    return {
        "center": center,
        "center_label": Center(center).label,
    }
