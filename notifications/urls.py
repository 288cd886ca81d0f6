from django.urls import path

from . import views

app_name = "notifications"

# Mounted under /onboarding/, where the inbox has always been.
urlpatterns = [
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/<int:pk>/open/", views.notification_open, name="notification-open"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications-read-all"),
]
