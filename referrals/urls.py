"""Mounted at the site root: the partner pages live under referrals/, the public link is
the short r/<token> and the sign-up it leads to is under seller/start/ (SPEC §5.5)."""

from django.urls import path

from . import signup, views

app_name = "referrals"

urlpatterns = [
    path("r/<slug:token>", views.link_redirect, name="redirect"),
    # SPEC §5.5: where a shop registration link lands in the Seller Center stand-in
    # ("Start selling"), and the sign-up.
    path("seller/start/", signup.referral_start, name="seller-start"),
    path("seller/start/signup/", signup.referral_signup, name="seller-signup"),
    path("seller/start/welcome/", signup.referral_welcome, name="seller-welcome"),
    path("referrals/", views.service_list, name="service-list"),
    path("referrals/create/", views.service_create, name="service-create"),
    path("referrals/<int:pk>/", views.service_detail, name="service-detail"),
    path("referrals/<int:pk>/publish/", views.service_publish, name="service-publish"),
    path("referrals/<int:pk>/deactivate/", views.service_deactivate, name="service-deactivate"),
    path("referrals/<int:pk>/links/", views.service_links, name="service-links"),
    path("referrals/<int:pk>/links/<slug:kind>/qr.png", views.link_qr, name="link-qr"),
]
