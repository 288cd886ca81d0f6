"""The dashboard's stepper: each latest application's row of steps, the current one marked."""

from .conftest import make_application


def progress_row(page: str) -> str:
    table = page.split('<ol class="stepper stepper-small">', 1)[1]
    return " ".join(table.split("</ol>", 1)[0].split())


def test_a_pending_application_is_at_the_review_step(alice, alice_client):
    # given
    make_application(alice, state="pending_review")

    # when
    page = alice_client.get("/").content.decode()

    # then
    assert progress_row(page) == (
        '<li class="step step-done">Draft</li> '
        '<li class="step step-current step-pending_review" aria-current="step">'
        "Pending review</li> "
        '<li class="step">Approved / Not approved</li>'
    )


def test_an_approved_application_has_every_step_behind_it(alice, alice_client, rita):
    # given
    make_application(alice, state="approved", reviewer=rita)

    # when
    page = alice_client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    # then: in the reader's language
    row = progress_row(page)
    assert row.count("step-done") == 2
    assert 'class="step step-current step-approved" aria-current="step"' in row
    assert "Approved" not in row
