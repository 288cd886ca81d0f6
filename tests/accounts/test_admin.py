from django.contrib.auth.models import Permission

from tests.conftest import make_user


def test_staff_can_lift_a_blacklist_in_admin(client, alice, db):
    # given a blacklisted partner and an ops user who may change accounts
    alice.blacklist(reason="three security review rejections")
    ops = make_user(email="ops@example.com", is_staff=True)
    ops.user_permissions.add(*Permission.objects.filter(codename__in=["change_user", "view_user"]))
    client.force_login(ops)
    page = client.get(f"/admin/accounts/user/{alice.pk}/change/")
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "password"}
    data.update(
        email=alice.email,
        blacklisted_at_0="",
        blacklisted_at_1="",
        blacklist_reason="",
        date_joined_0=alice.date_joined.strftime("%Y-%m-%d"),
        date_joined_1=alice.date_joined.strftime("%H:%M:%S"),
    )
    data.pop("blacklisted_at", None)
    data.pop("date_joined", None)
    data.pop("groups", None)
    data.pop("user_permissions", None)
    data.pop("last_login", None)
    data.pop("active_role", None)

    # when
    response = client.post(f"/admin/accounts/user/{alice.pk}/change/", data)

    # then
    assert response.status_code == 302, response.context["adminform"].form.errors
    alice.refresh_from_db()
    assert not alice.is_blacklisted
