from django.urls import path

from . import views

app_name = "teams"

urlpatterns = [
    path("", views.members, name="members"),
    path("invite/", views.invite, name="invite"),
    path("invitations/<int:pk>/resend/", views.resend, name="resend"),
    path("invitations/<int:pk>/revoke/", views.revoke, name="revoke"),
    path("members/<int:pk>/role/", views.change_role, name="change-role"),
    path("members/<int:pk>/remove/", views.remove, name="remove"),
    path("leave/", views.leave, name="leave"),
    path("two-factor/", views.team_mfa, name="team-mfa"),
    path("roles/", views.roles, name="roles"),
    path("roles/new/", views.role_create, name="role-create"),
    path("roles/<int:pk>/", views.role_edit, name="role-edit"),
    path("roles/<int:pk>/delete/", views.role_delete, name="role-delete"),
    path("join/<str:token>/", views.accept, name="accept"),
    path("join/<str:token>/sign-up/", views.join_signup, name="join-signup"),
]
