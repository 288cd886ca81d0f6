"""Documents in a private bucket, against a real S3-compatible server (moto's, over HTTP):
stored by the partner form, handed out as short-lived signed URLs after the same permission
check as on disk, purged and migrated through the bucket's own listing."""

import urllib.request
from datetime import UTC, datetime, timedelta
from email.message import Message
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from onboarding.models import CompanyEntity
from onboarding.uploads import THUMBNAIL_SUFFIX, private_storage

from .conftest import image_bytes, make_application, upload

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:botocore.*")

PREFIX = "portal/documents/"  # the fixture's AWS_LOCATION, then the documents alias


def fetch(url: str) -> tuple[bytes, Message]:
    """What a browser following the redirect gets from the bucket."""
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (the test server)
        return response.read(), response.headers


def local_files() -> list[Path]:
    root = Path(settings.PRIVATE_MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def certificate(alice_client, alice, s3_storage) -> str:
    """A business certificate uploaded through the partner's application form."""
    application = make_application(alice)
    response = alice_client.post(
        f"/onboarding/applications/{application.pk}/edit/",
        {"action": "save", "entity-business_certificate": upload("licence.png")},
    )
    assert response.status_code == 302
    return CompanyEntity.objects.get(user=alice).business_certificate.name


def test_an_upload_from_the_form_lands_in_the_private_bucket_with_its_thumbnail(
    certificate, s3_storage
):
    # then: the re-encoded document and its thumbnail are objects, nothing is on the disk
    client = s3_storage.client
    head = client.head_object(Bucket=s3_storage.name, Key=PREFIX + certificate)
    thumb = client.head_object(Bucket=s3_storage.name, Key=PREFIX + certificate + THUMBNAIL_SUFFIX)
    assert head["ContentType"] == "image/png"
    assert thumb["ContentType"] == "image/jpeg"
    assert s3_storage.keys() == [PREFIX + certificate, PREFIX + certificate + THUMBNAIL_SUFFIX]
    assert local_files() == []
    # and: no grant to everyone, the object is private
    grants = client.get_object_acl(Bucket=s3_storage.name, Key=PREFIX + certificate)["Grants"]
    assert not [g for g in grants if "AllUsers" in g["Grantee"].get("URI", "")]


def test_the_owner_is_redirected_to_a_short_lived_signed_url_with_the_same_bytes(
    alice_client, certificate, s3_storage
):
    # when
    response = alice_client.get(f"/onboarding/documents/{certificate}")

    # then: a redirect to the bucket, never cached, signed, expiring
    assert response.status_code == 302
    assert response["Cache-Control"] == "no-store"
    location = response["Location"]
    assert location.startswith(f"{s3_storage.endpoint}/{s3_storage.name}/{PREFIX}{certificate}?")
    query = parse_qs(urlsplit(location).query)
    assert query["X-Amz-Expires"] == [str(settings.AWS_QUERYSTRING_EXPIRE)]
    assert 60 <= settings.AWS_QUERYSTRING_EXPIRE <= 300
    assert "X-Amz-Signature" in query
    assert query["response-content-type"] == ["image/png"]
    assert query["response-content-disposition"] == ["inline"]
    # and: following it gives the stored document, typed and inline
    body, headers = fetch(location)
    assert body == private_storage.open(certificate).read()
    assert body.startswith(b"\x89PNG")
    assert headers["Content-Type"] == "image/png"
    assert headers["Content-Disposition"] == "inline"
    # and: the thumbnail the same way
    thumb = alice_client.get(f"/onboarding/documents/{certificate}{THUMBNAIL_SUFFIX}")
    assert thumb.status_code == 302
    assert fetch(thumb["Location"])[0].startswith(b"\xff\xd8")  # a JPEG


def test_the_signed_url_expires_after_the_configured_seconds(alice_client, certificate, settings):
    # given: a 7-second expiry
    documents = settings.STORAGES["documents"]
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {**documents, "OPTIONS": {**documents["OPTIONS"], "querystring_expire": 7}},
    }

    # when
    location = alice_client.get(f"/onboarding/documents/{certificate}")["Location"]

    # then: signed now, valid for 7 seconds
    query = parse_qs(urlsplit(location).query)
    assert query["X-Amz-Expires"] == ["7"]
    signed_at = datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert abs(datetime.now(UTC) - signed_at) < timedelta(minutes=1)


def test_another_account_gets_a_404_and_an_anonymous_visitor_the_login(client, bob, certificate):
    url = f"/onboarding/documents/{certificate}"
    client.logout()
    anonymous = client.get(url)
    client.force_login(bob)
    other = client.get(url)

    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/account/login/")
    assert other.status_code == 404
    assert "X-Amz" not in other.content.decode()


def test_a_reviewer_opens_the_document_from_the_admin(client, rita, certificate):
    # given: the entity's page in the admin links the document and its thumbnail
    entity = CompanyEntity.objects.get(business_certificate=certificate)
    client.force_login(rita)
    page = client.get(f"/admin/onboarding/companyentity/{entity.pk}/change/").content.decode()
    url = f"/onboarding/documents/{certificate}"
    assert f'href="{url}"' in page
    assert f'src="{url}{THUMBNAIL_SUFFIX}"' in page

    # when
    response = client.get(url)

    # then
    assert response.status_code == 302
    assert fetch(response["Location"])[0] == private_storage.open(certificate).read()


def test_a_document_missing_from_the_bucket_is_a_404(alice_client, certificate, s3_storage):
    s3_storage.client.delete_object(Bucket=s3_storage.name, Key=PREFIX + certificate)

    assert alice_client.get(f"/onboarding/documents/{certificate}").status_code == 404


def test_a_replaced_document_is_deleted_from_the_bucket_after_commit(
    alice, s3_storage, django_capture_on_commit_callbacks
):
    # given
    entity = CompanyEntity.objects.create(user=alice, id_document=upload("passport.png"))
    entity = CompanyEntity.objects.get(pk=entity.pk)  # as a later request loads it

    # when
    with django_capture_on_commit_callbacks(execute=True):
        entity.id_document = upload("passport-2.png", image_bytes(size=(90, 60)))
        entity.save()

    # then: only the new document and its thumbnail remain
    new = entity.id_document.name
    assert s3_storage.keys() == [PREFIX + new, PREFIX + new + THUMBNAIL_SUFFIX]


def test_purge_orphan_uploads_deletes_orphans_from_the_bucket(alice, s3_storage, capsys):
    # given: two kept documents, and objects left behind by earlier replacements
    entity = CompanyEntity.objects.create(
        user=alice, id_document=upload("passport.png"), logo=upload("logo.png")
    )
    kept = {entity.id_document.name, entity.logo.name}
    for _ in range(3):
        stray = private_storage.save("onboarding/companyentity/stray.png", upload())
        private_storage.save(stray + THUMBNAIL_SUFFIX, upload())
    assert len(s3_storage.keys()) == 10

    # when: fresh files are kept, then a dry run, then the purge
    call_command("purge_orphan_uploads")
    recent = capsys.readouterr().out
    call_command("purge_orphan_uploads", "--dry-run", "--min-age", "0")
    dry = capsys.readouterr().out
    after_dry_run = len(s3_storage.keys())
    call_command("purge_orphan_uploads", "--min-age", "0")
    out = capsys.readouterr().out

    # then
    assert "Deleted 0 of 10 files" in recent
    assert after_dry_run == 10
    assert "Would delete 6 of 10 files" in dry
    assert "Deleted 6 of 10 files" in out
    assert s3_storage.keys() == sorted(
        PREFIX + name for name in [*kept, *(k + THUMBNAIL_SUFFIX for k in kept)]
    )


# --- moving a node's files to the bucket ----------------------------------------------------


def test_migrate_media_to_storage_refuses_without_a_bucket(db):
    with pytest.raises(CommandError, match="Object storage is not configured"):
        call_command("migrate_media_to_storage")


def test_a_document_uploaded_before_the_switch_is_served_after_the_migration(
    request, alice, alice_client, settings, capsys
):
    # given: a document and a media file written on the local disk
    entity = CompanyEntity.objects.create(user=alice, id_document=upload("passport.png"))
    name = entity.id_document.name
    on_disk = (Path(settings.PRIVATE_MEDIA_ROOT) / name).read_bytes()
    media = Path(settings.MEDIA_ROOT) / "exports" / "report.txt"
    media.parent.mkdir(parents=True)
    media.write_text("quarterly figures")
    # and: the node switches to the bucket
    bucket = request.getfixturevalue("s3_storage")
    url = f"/onboarding/documents/{name}"
    assert alice_client.get(url).status_code == 404  # not in the bucket yet

    # when: a dry run, the migration, then the migration again
    call_command("migrate_media_to_storage", "--dry-run")
    dry = capsys.readouterr()
    keys_after_dry_run = bucket.keys()
    call_command("migrate_media_to_storage")
    first = capsys.readouterr()
    call_command("migrate_media_to_storage")
    second = capsys.readouterr()

    # then: the dry run copied nothing, the first run everything, the second nothing
    assert "Would copy 3 of 3 files" in dry.out
    assert keys_after_dry_run == []
    assert "Copied 3 of 3 files" in first.out
    assert "3/3 copied: 3, skipped: 0" in first.err
    assert "Copied 0 of 3 files" in second.out
    assert "3 already in the bucket" in second.out
    assert "3/3 copied: 0, skipped: 3" in second.err
    assert bucket.keys() == sorted(
        [PREFIX + name, PREFIX + name + THUMBNAIL_SUFFIX, "portal/media/exports/report.txt"]
    )
    # and: the owner gets the old document from the bucket
    response = alice_client.get(url)
    assert response.status_code == 302
    assert fetch(response["Location"])[0] == on_disk


def test_migrate_media_to_storage_replaces_an_object_of_another_size(
    request, alice, settings, capsys
):
    # given: an object under the document's name that is not the document (a broken copy)
    entity = CompanyEntity.objects.create(user=alice, id_document=upload("passport.png"))
    name = entity.id_document.name
    bucket = request.getfixturevalue("s3_storage")
    bucket.client.put_object(Bucket=bucket.name, Key=PREFIX + name, Body=b"half")

    # when
    call_command("migrate_media_to_storage")

    # then
    assert "Copied 2 of 2 files" in capsys.readouterr().out
    stored = bucket.client.get_object(Bucket=bucket.name, Key=PREFIX + name)["Body"].read()
    assert stored == (Path(settings.PRIVATE_MEDIA_ROOT) / name).read_bytes()
