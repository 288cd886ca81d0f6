from django.db.models import Prefetch
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from .models import PartnerType, ServiceCategory


@require_http_methods(["GET"])
def catalog(request):
    """Public page: which business categories each partner type can apply for, and where."""
    categories = ServiceCategory.objects.select_related("role").prefetch_related("markets")
    partner_types = PartnerType.objects.filter(is_active=True).prefetch_related(
        Prefetch("categories", queryset=categories), "cross_border_markets"
    )
    return render(request, "categories/catalog.html", {"partner_types": partner_types})
