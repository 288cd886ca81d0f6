"""SPEC §6: the Seller Center stand-in pages (a seller's own login, consent, authorizations)."""

from django.urls import path

from . import signup, views

app_name = "sellers"

urlpatterns = [
    # SPEC §5.5: where a shop registration link lands ("Start selling"), and the sign-up.
    path("start/", signup.referral_start, name="referral-start"),
    path("start/signup/", signup.referral_signup, name="referral-signup"),
    path("start/welcome/", signup.referral_welcome, name="referral-welcome"),
    path("login/", views.seller_login, name="login"),
    path("logout/", views.seller_logout, name="logout"),
    path("apps/<str:service_id>/logo/", views.app_logo, name="app-logo"),
    path("authorizations/", views.authorization_list, name="authorization-list"),
    path(
        "authorizations/<int:authorization_id>/revoke/",
        views.authorization_revoke,
        name="authorization-revoke",
    ),
]
