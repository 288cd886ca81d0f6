"""bench_data, from the top-floor demo app: a few partners with ten applications each."""

from io import StringIO

from django.core.management import call_command

from accounts.models import User
from onboarding.models import Application


# Transactional: on PostgreSQL it ends with VACUUM ANALYZE, which no transaction may hold.
def test_bench_data_gives_every_partner_ten_applications_and_reset_starts_over(transactional_db):
    # given
    call_command("bench_data", "--partners", "3", stdout=StringIO())

    # when
    call_command("bench_data", "--partners", "2", "--reset", stdout=StringIO())

    # then
    partners = User.objects.filter(email__endswith="@bench.example", is_staff=False)
    assert partners.count() == 2
    assert Application.objects.filter(user__in=partners).count() == 20
