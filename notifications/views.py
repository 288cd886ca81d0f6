"""The inbox: the partner's notifications, opening one, marking them all read."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .models import Notification
from .services import forget_unread_count


@login_required
@require_http_methods(["GET"])
def notification_list(request):
    notifications = request.user.notifications.all()[:100]
    return render(request, "notifications/notification_list.html", {"notifications": notifications})


@login_required
@require_http_methods(["GET", "POST"])
def notification_open(request, pk):
    """The notification's link: marks it read and goes to what it is about. A GET, so it
    is an ordinary link (a new tab, a link copied from the inbox); marking one's own
    notification read is harmless if a third party makes the browser follow it."""
    notification = get_object_or_404(Notification, pk=pk, user=request.user)
    if Notification.objects.filter(pk=notification.pk, read_at=None).update(read_at=timezone.now()):
        forget_unread_count(request.user.pk)
    return redirect(notification.url or "notifications:notifications")


@login_required
@require_http_methods(["POST"])
def notifications_read_all(request):
    request.user.notifications.unread().update(read_at=timezone.now())
    forget_unread_count(request.user.pk)
    messages.success(request, _("All notifications are marked as read."))
    return redirect("notifications:notifications")
