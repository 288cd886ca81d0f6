from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.home, name="dashboard"),
    path("my-account/profile/", views.profile, name="profile"),
    path("my-account/security/", views.security, name="security"),
    path("my-account/change/<str:what>/", views.change_credential, name="change"),
    path("my-account/phone/verify/", views.verify_phone, name="verify-phone"),
    path("my-account/security-log/", views.security_log, name="security-log"),
    path(
        "account/verify-email/resend/",
        views.resend_verification,
        name="resend-verification",
    ),
]
