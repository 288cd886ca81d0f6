"""SPEC §6: the Seller Center stand-in pages (a seller's own login and the shop sign-up).
The consent page and the seller's authorizations are open_api's, at paths under seller/."""

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
]
