from .models import Center


def center_middleware(get_response):
    """Attach the Partner Center (US or Global) that this request's host belongs to."""

    def middleware(request):
        request.center = Center.for_host(request.get_host())
        return get_response(request)

    return middleware
