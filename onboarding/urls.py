from django.urls import path

from . import views

app_name = "onboarding"

urlpatterns = [
    path("get-started/", views.get_started, name="get-started"),
    path("add-category/", views.add_category, name="add-category"),
    path("batches/<uuid:batch>/", views.batch_edit, name="batch-edit"),
    path("batches/<uuid:batch>/next/", views.batch_next, name="batch-next"),
    path("batches/<uuid:batch>/delete/", views.batch_delete, name="batch-delete"),
    path("applications/<int:pk>/", views.application_detail, name="application-detail"),
    path("applications/<int:pk>/edit/", views.application_edit, name="application-edit"),
    path("documents/<path:name>", views.document, name="document"),
    path("role/", views.switch_role, name="switch-role"),
]
