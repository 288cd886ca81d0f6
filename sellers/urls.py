"""SPEC §6: the Seller Center stand-in's own login. Its other pages live with the apps that
own them, at paths under seller/: the consent page and the seller's authorizations
(open_api), the sign-up a shop registration link leads to (referrals)."""

from django.urls import path

from . import views

app_name = "sellers"

urlpatterns = [
    path("login/", views.seller_login, name="login"),
    path("logout/", views.seller_logout, name="logout"),
]
