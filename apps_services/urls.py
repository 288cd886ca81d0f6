from django.urls import path

from . import views

app_name = "apps_services"

urlpatterns = [
    path("", views.app_list, name="app-list"),
    path("create/", views.app_create, name="app-create"),
    path("<int:pk>/", views.app_detail, name="app-detail"),
    path("<int:pk>/edit/", views.app_edit, name="app-edit"),
    path("<int:pk>/publish/", views.app_publish, name="app-publish"),
    path("<int:pk>/deactivate/", views.app_deactivate, name="app-deactivate"),
    path("<int:pk>/secret/reveal/", views.app_reveal_secret, name="app-reveal-secret"),
    path("<int:pk>/secret/rotate/", views.app_rotate_secret, name="app-rotate-secret"),
    path("<int:pk>/logo/", views.app_logo, name="app-logo"),
    path("seller-verification/", views.seller_verification, name="seller-verification"),
]
