"""The application form as the partner sees it: reviewer's notes beside their fields
(SPEC §3.8), documents kept across a failed validation (SPEC §3.5), the seeds' sections,
required markers and the termination date of a permanent certificate (SPEC §3.3)."""

import re
from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from onboarding import services
from onboarding.models import Application, CompanyEntity, PendingUpload
from onboarding.uploads import THUMBNAIL_SUFFIX

from .conftest import complete_entity, make_application, upload
from .test_partner_pages import category_post, entity_post


def edit_url(application) -> str:
    return f"/onboarding/applications/{application.pk}/edit/"


def token_in(page: str, name: str) -> str:
    match = re.search(rf'name="{re.escape(name)}-pending" value="([^"]+)"', page)
    assert match, f"no kept upload for {name}"
    return match.group(1)


def reject_with_notes(application, reviewer, notes):
    services.decide_application(
        application_id=application.pk,
        by=reviewer,
        approve=False,
        reason="Some details need fixing.",
        field_reasons=notes,
    )
    application.refresh_from_db()
    return application


def test_fix_it_shows_each_reviewer_note_beside_its_field(alice_client, alice, rita):
    # given
    application = make_application(alice, state="pending_review")
    reject_with_notes(
        application,
        rita,
        {"entity-partner_name": "Use your trading name.", "case_url": "The link is broken."},
    )

    # when
    page = alice_client.get(edit_url(application)).content.decode()

    # then: the note sits inside the field's own block and the input is described by it
    partner = re.search(r'<div class="field[^"]*field-noted[^"]*">(.*?)</div>', page, re.S)
    assert partner is not None
    assert 'name="entity-partner_name"' in partner.group(1)
    assert "Use your trading name." in partner.group(1)
    assert re.search(
        r'<input[^>]*name="entity-partner_name"[^>]*aria-describedby="id_entity-partner_name_review',
        page,
    )
    assert 'id="id_entity-partner_name_review"' in page
    case_field = re.search(r'id="id_cat-\d+-case_url_review"[^>]*>(.*?)</p>', page, re.S)
    assert case_field is not None
    assert "The link is broken." in case_field.group(1)


def test_a_note_on_a_radio_group_describes_the_fieldset(alice_client, alice, rita):
    # given
    application = make_application(alice, state="pending_review")
    reject_with_notes(application, rita, {"entity-id_document_type": "Choose the passport."})

    # when
    page = alice_client.get(edit_url(application)).content.decode()

    # then
    fieldset = re.search(
        r'<fieldset class="field[^"]*"([^>]*)>', page[page.index("id_document_type") - 400 :]
    )
    assert fieldset is not None
    assert 'aria-describedby="id_entity-id_document_type_review' in fieldset.group(1)
    assert "Choose the passport." in page


def test_the_detail_page_shows_the_notes_beside_the_facts(alice_client, alice, rita):
    # given
    application = make_application(alice, state="pending_review")
    reject_with_notes(
        application,
        rita,
        {"entity-website": "The site is offline.", "team_size": "Count full-time staff."},
    )

    # when
    page = alice_client.get(f"/onboarding/applications/{application.pk}/").content.decode()

    # then
    website = re.search(r"<dt>Website</dt><dd>(.*?)</dd>", page, re.S)
    team = re.search(r"<dt>Team size</dt><dd>(.*?)</dd>", page, re.S)
    assert website
    assert "The site is offline." in website.group(1)
    assert team
    assert "Count full-time staff." in team.group(1)


def test_notes_are_gone_once_resubmitted_and_approved_pages_show_none(alice_client, alice, rita):
    # given
    application = make_application(alice, state="pending_review")
    reject_with_notes(application, rita, {"entity-website": "The site is offline."})

    # when
    alice_client.post(
        edit_url(application),
        {"action": "submit", **entity_post(), **category_post(application)},
    )
    page = alice_client.get(f"/onboarding/applications/{application.pk}/").content.decode()

    # then
    application.refresh_from_db()
    assert application.state == "pending_review"
    assert "The site is offline." not in page


def test_an_upload_survives_a_validation_error_and_is_saved_without_reupload(alice_client, alice):
    # given: a valid certificate posted with an invalid email
    application = make_application(alice)
    first = alice_client.post(
        edit_url(application),
        {
            "action": "save",
            "entity-contact_email": "not-an-email",
            "entity-business_certificate": upload("my certificate.png"),
        },
    )
    page = first.content.decode()
    token = token_in(page, "entity-business_certificate")
    pending = PendingUpload.objects.get(user=alice)

    # then: the page shows the kept file, its name and its thumbnail, and nothing is lost
    assert first.status_code == 200
    assert "Enter a valid email address." in page
    assert "my certificate.png" in page
    thumbnail = f"/onboarding/documents/{pending.file.name}{THUMBNAIL_SUFFIX}"
    assert f'src="{thumbnail}"' in page
    assert alice_client.get(thumbnail).status_code == 200
    assert "Replace:" in page
    assert re.search(
        r'<input type="file" name="entity-business_certificate"[^>]*'
        r'aria-describedby="id_entity-business_certificate_kept"',
        page,
    )

    # when: the partner fixes the email and saves without choosing the file again
    second = alice_client.post(
        edit_url(application),
        {
            "action": "save",
            "entity-contact_email": "ops@acme.example",
            "entity-business_certificate-pending": token,
        },
    )

    # then
    assert second.status_code == 302
    entity = CompanyEntity.objects.get(user=alice)
    assert entity.business_certificate.name == pending.file.name
    assert entity.contact_email == "ops@acme.example"


def test_a_kept_upload_counts_for_submit(alice_client, alice):
    # given: everything but a category field, so the page comes back
    application = make_application(alice)
    data = {"action": "submit", **entity_post(), **category_post(application, team_size="x")}
    first = alice_client.post(edit_url(application), data).content.decode()
    tokens = {
        name: token_in(first, name)
        for name in ("entity-business_certificate", "entity-id_document")
    }

    # when: resubmitted with the tokens instead of the files
    data = {
        "action": "submit",
        **{k: v for k, v in entity_post().items() if not k.endswith(("certificate", "document"))},
        **{f"{name}-pending": token for name, token in tokens.items()},
        **category_post(application),
    }
    response = alice_client.post(edit_url(application), data)

    # then
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.state == "pending_review"
    assert CompanyEntity.objects.get(user=alice).id_document


def test_another_partner_cannot_use_someone_elses_kept_upload(client, alice, bob):
    # given: alice's upload is kept after a failed validation
    client.force_login(alice)
    alices = make_application(alice)
    page = client.post(
        edit_url(alices),
        {
            "action": "save",
            "entity-contact_email": "bad",
            "entity-id_document": upload("alice-passport.png"),
        },
    ).content.decode()
    token = token_in(page, "entity-id_document")
    name = PendingUpload.objects.get(user=alice).file.name

    # when: bob posts alice's token into his own application
    client.force_login(bob)
    bobs = make_application(bob)
    response = client.post(edit_url(bobs), {"action": "save", "entity-id_document-pending": token})

    # then: nothing of alice's reaches bob's entity, and her file is a 404 to him
    assert response.status_code == 302
    assert not CompanyEntity.objects.get(user=bob).id_document
    assert client.get(f"/onboarding/documents/{name}").status_code == 404
    assert client.get(f"/onboarding/documents/{name}{THUMBNAIL_SUFFIX}").status_code == 404


def test_a_refused_upload_is_not_kept(alice_client, alice):
    # given
    application = make_application(alice)

    # when
    response = alice_client.post(
        edit_url(application),
        {"action": "save", "entity-logo": upload("logo.png", b"not an image at all" * 5)},
    )

    # then
    assert "not a JPEG" in response.content.decode()
    assert not PendingUpload.objects.exists()
    assert 'name="entity-logo-pending"' not in response.content.decode()


def test_a_saved_document_shows_its_thumbnail_and_name_without_a_clear_box(alice_client, alice):
    # given
    application = make_application(alice)
    alice_client.post(
        edit_url(application),
        {"action": "save", "entity-business_certificate": upload("kvk-extract.png")},
    )
    entity = CompanyEntity.objects.get(user=alice)

    # when
    page = alice_client.get(edit_url(application)).content.decode()

    # then
    assert "kvk-extract.png" in page
    assert f"/onboarding/documents/{entity.business_certificate.name}{THUMBNAIL_SUFFIX}" in page
    assert "Clear" not in page
    assert "Currently" not in page
    assert f">{entity.business_certificate.name}<" not in page


def test_the_entity_form_is_in_the_seeds_sections_with_a_step_indicator(alice_client, alice):
    # given
    application = make_application(alice)

    # when
    page = alice_client.get(edit_url(application)).content.decode()

    # then
    titles = [
        "Business information",
        "Identity",
        "Name &amp; logo",
        "Contact",
        "More about yourself",
    ]
    steps = re.search(r'<ol class="form-steps">(.*?)</ol>', page, re.S)
    assert steps is not None
    links = re.findall(r'<a href="#(section-[\w-]+)">([^<]+)</a>', steps.group(1))
    assert [title for _anchor, title in links] == titles
    legends = re.findall(
        r'<fieldset class="form-section" id="(section-[\w-]+)">\s*<legend>([^<]+)</legend>', page
    )
    assert legends == links
    identity = page[page.index('id="section-identity"') : page.index('id="section-name-logo"')]
    assert 'name="entity-id_document"' in identity


def test_fields_needed_to_submit_carry_a_required_marker(alice_client, alice):
    # given
    application = make_application(alice)

    # when
    page = alice_client.get(edit_url(application)).content.decode()

    # then
    assert 'class="required-legend"' in page
    legal = re.search(r'<div class="field([^"]*)">\s*<label for="id_entity-legal_name"', page)
    website = re.search(r'<div class="field([^"]*)">\s*<label for="id_entity-website"', page)
    assert legal
    assert "field-required" in legal.group(1)
    assert website
    assert "field-required" not in website.group(1)
    assert re.search(r'<input[^>]*name="entity-legal_name"[^>]*aria-required="true"', page)


def test_a_permanent_certificate_ignores_a_termination_date(alice_client, alice):
    # given
    application = make_application(alice)

    # when
    alice_client.post(
        edit_url(application),
        {
            "action": "save",
            "entity-certificate_validity": "permanent",
            "entity-certificate_expires_on": "2030-01-01",
        },
    )

    # then
    assert CompanyEntity.objects.get(user=alice).certificate_expires_on is None


def test_the_termination_date_is_tied_to_the_appointed_period(alice_client, alice):
    # given
    application = make_application(alice)

    # when
    page = alice_client.get(edit_url(application)).content.decode()

    # then: the script shows it for "Appointed period" only
    assert re.search(
        r'name="entity-certificate_expires_on"[^>]*data-shown-when="entity-certificate_validity=appointed"',
        page,
    )
    assert "/static/js/forms.js" in page


def test_an_appointed_period_still_needs_its_termination_date(alice_client, alice):
    # given
    complete_entity(alice)
    application = make_application(alice)

    # when
    response = alice_client.post(
        edit_url(application),
        {
            "action": "submit",
            **entity_post(**{"entity-certificate_validity": "appointed"}),
            **category_post(application),
        },
    )

    # then
    assert "Enter the termination date of an appointed period." in response.content.decode()
    assert Application.objects.get(pk=application.pk).state == "draft"


def test_purge_removes_abandoned_uploads_and_keeps_the_ones_in_use(alice_client, alice):
    # given: one upload saved into the entity, one abandoned after an error
    application = make_application(alice)
    alice_client.post(
        edit_url(application),
        {"action": "save", "entity-logo": upload("logo.png")},
    )
    alice_client.post(
        edit_url(application),
        {
            "action": "save",
            "entity-contact_email": "bad",
            "entity-id_document": upload("left-behind.png"),
        },
    )
    kept = PendingUpload.objects.get(original_name="logo.png")
    abandoned = PendingUpload.objects.get(original_name="left-behind.png")
    PendingUpload.objects.update(created_at=timezone.now() - timedelta(days=3))
    storage = abandoned.file.storage

    # when
    call_command("purge_pending_uploads", "--days", "2")

    # then
    assert list(PendingUpload.objects.values_list("pk", flat=True)) == [kept.pk]
    assert not storage.exists(abandoned.file.name)
    assert not storage.exists(abandoned.file.name + THUMBNAIL_SUFFIX)
    assert storage.exists(CompanyEntity.objects.get(user=alice).logo.name)


def test_beat_purges_abandoned_uploads_after_two_days(alice_client, alice):
    # given: an upload left behind by a page that came back with an error, 3 days ago
    from onboarding import tasks

    application = make_application(alice)
    alice_client.post(
        edit_url(application),
        {
            "action": "save",
            "entity-contact_email": "bad",
            "entity-id_document": upload("left-behind.png"),
        },
    )
    abandoned = PendingUpload.objects.get(original_name="left-behind.png")
    storage, name = abandoned.file.storage, abandoned.file.name

    # when: beat's daily task runs the day after, then two days later
    fresh = tasks.purge_pending_uploads()
    PendingUpload.objects.update(created_at=timezone.now() - timedelta(days=3))
    stale = tasks.purge_pending_uploads()

    # then
    assert (fresh, stale) == (0, 1)
    assert not PendingUpload.objects.exists()
    assert not storage.exists(name)
