"""SPEC §3.5: documents are images proven by decoding; anything else is refused, with a
clear message, and nothing is stored."""

import io
import json
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import transaction
from PIL import Image, ImageCms, ImageFile, PngImagePlugin

from onboarding import uploads
from onboarding.models import Application, CompanyEntity
from onboarding.uploads import MB, THUMBNAIL_SUFFIX, private_storage

from .conftest import image_bytes, make_application, upload


def stored_files() -> list[Path]:
    root = Path(settings.PRIVATE_MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def decompression_bomb(width=8000, height=8000) -> bytes:
    """A valid grey PNG of 64 megapixels that compresses to a few dozen kilobytes."""
    compressor = zlib.compressobj(9)
    row = b"\x00" * (width + 1)
    body = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", body)
        + png_chunk(b"IEND", b"")
    )


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG_WITH_SCRIPT = b"""<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">
  <script>alert(document.cookie)</script><rect width="10" height="10"/>
</svg>"""

REFUSED = {
    "text file named .png": ("certificate.png", b"just some text, not an image" * 10, "not a JPEG"),
    "truncated PNG": ("certificate.png", image_bytes(size=(400, 300))[:-120], "damaged"),
    "decompression bomb": ("certificate.png", decompression_bomb(), "too large"),
    "over-size file": ("certificate.png", PNG_SIGNATURE + bytes(6 * MB), "too large (6.0 MB)"),
    "SVG with script": ("certificate.svg", SVG_WITH_SCRIPT, "not a JPEG"),
    "SVG named .png": ("certificate.png", SVG_WITH_SCRIPT, "not a JPEG"),
    "GIF": ("certificate.gif", image_bytes(fmt="GIF"), "not a JPEG"),
}  # fmt: skip


@pytest.mark.parametrize("case", REFUSED.keys())
def test_bad_upload_is_refused_in_the_form_and_nothing_is_stored(alice_client, alice, case):
    # given
    name, data, message = REFUSED[case]
    application = make_application(alice)

    # when
    response = alice_client.post(
        f"/onboarding/applications/{application.pk}/edit/",
        {"action": "save", "entity-business_certificate": upload(name, data)},
    )

    # then
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not CompanyEntity.objects.get(user=alice).business_certificate
    assert stored_files() == []


@pytest.mark.parametrize("case", REFUSED.keys())
def test_bad_upload_is_refused_from_the_shell_and_nothing_is_stored(alice, case):
    # given
    name, data, message = REFUSED[case]
    entity = CompanyEntity.objects.create(user=alice)

    # when
    entity.business_certificate = upload(name, data)
    with pytest.raises(ValidationError, match=message.split(" (")[0]), transaction.atomic():
        entity.save()

    # then
    assert stored_files() == []
    entity.refresh_from_db()
    assert not entity.business_certificate


def test_a_photo_is_reencoded_without_metadata_and_gets_a_thumbnail(alice):
    # given: a JPEG carrying EXIF (camera model, GPS would live here too)
    exif = Image.Exif()
    exif[0x0110] = "Secret Camera 3000"
    photo = image_bytes(fmt="JPEG", size=(1200, 900), exif=exif.tobytes())
    assert b"Secret Camera 3000" in photo
    entity = CompanyEntity.objects.create(user=alice)

    # when
    entity.id_document = upload("passport.jpg", photo, "image/jpeg")
    entity.save()

    # then
    stored = private_storage.open(entity.id_document.name).read()
    assert b"Secret Camera 3000" not in stored
    assert not Image.open(io.BytesIO(stored)).getexif()
    assert entity.id_document.name.endswith(".jpg")
    assert "passport" not in entity.id_document.name  # nothing the partner typed
    thumb = Image.open(private_storage.open(entity.id_document.name + THUMBNAIL_SUFFIX))
    assert max(thumb.size) <= 320


def test_documents_are_not_under_the_public_media_root(alice):
    entity = CompanyEntity.objects.create(user=alice)
    entity.logo = upload("logo.png")
    entity.save()

    assert entity.logo.url == f"/onboarding/documents/{entity.logo.name}"
    assert not list(Path(settings.MEDIA_ROOT).rglob("*.png"))


def test_documents_are_served_to_the_owner_and_reviewers_only(client, alice, bob, rita):
    # given
    entity = CompanyEntity.objects.create(user=alice)
    entity.logo = upload("logo.png")
    entity.save()
    url = entity.logo.url

    # when / then
    client.force_login(alice)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert client.get(url + THUMBNAIL_SUFFIX).status_code == 200
    client.force_login(rita)
    assert client.get(url).status_code == 200
    client.force_login(bob)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


# --- memory, decoding once, metadata, replaced files ---------------------------------------


def noise_jpeg(*, size=(4000, 4000), limit=10 * MB) -> bytes:
    """A photo-like JPEG as large as `limit` allows: noise does not compress."""
    width, height = size
    noise = Image.frombytes("RGB", size, os.urandom(width * height * 3))
    for quality in (95, 90, 85, 80, 75, 70, 60):
        out = io.BytesIO()
        noise.save(out, format="JPEG", quality=quality)
        if len(out.getvalue()) <= limit:
            return out.getvalue()
    raise AssertionError("could not make the JPEG small enough")


def measure_upload(tmp_path, data: bytes, name: str) -> dict:
    """Store `data` in a fresh process (see upload_memory.py); its outcome and peak memory."""
    path = tmp_path / name
    path.write_bytes(data)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "partner_center.settings",
        "PRIVATE_MEDIA_ROOT": str(tmp_path / "private"),
        "ONBOARDING_MAX_UPLOAD_BYTES": str(10 * MB),
    }
    done = subprocess.run(
        [sys.executable, "-m", "tests.onboarding.upload_memory", str(path)],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_10_mb_photo_is_stored_with_a_peak_under_100_mb(tmp_path):
    # given: 10 MB of JPEG, 16 megapixels (the most a colour image may have)
    photo = noise_jpeg()
    assert 9 * MB < len(photo) <= 10 * MB

    # when
    measured = measure_upload(tmp_path, photo, "photo.jpg")

    # then
    assert measured["outcome"] == "stored"
    assert measured["peak_bytes"] < 100 * MB, measured
    assert measured["python_peak_bytes"] < 20 * MB, measured
    assert len(list((tmp_path / "private").rglob("*.jpg"))) == 2  # original and thumbnail


def test_a_small_file_of_huge_dimensions_is_refused_from_its_header(tmp_path):
    # given: 131 KB of PNG that decodes to 40 megapixels (160 MB of pixels)
    out = io.BytesIO()
    Image.new("RGB", (6300, 6300), (200, 30, 60)).save(out, format="PNG")
    assert len(out.getvalue()) < 200 * 1024

    # when
    measured = measure_upload(tmp_path, out.getvalue(), "tiny.png")

    # then: refused without decoding a pixel
    assert measured["outcome"] == "too_many_pixels"
    assert measured["peak_bytes"] < 20 * MB, measured


def test_the_pixel_limit_is_read_before_anything_is_decoded(alice, monkeypatch):
    # given
    decoded = []
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda image: decoded.append(image))
    out = io.BytesIO()
    Image.new("RGB", (5000, 4000), (1, 2, 3)).save(out, format="PNG")  # 20 MP: over 16
    entity = CompanyEntity.objects.create(user=alice)

    # when
    entity.logo = upload("wide.png", out.getvalue())
    with pytest.raises(ValidationError, match=r"The limit is 16\.8 megapixels"):
        entity.save()

    # then
    assert decoded == []


def test_an_upload_through_the_form_is_decoded_once(alice_client, alice, monkeypatch):
    # given
    application = make_application(alice)
    prepared = []
    prepare = uploads.prepare_document
    monkeypatch.setattr(
        uploads, "prepare_document", lambda file: prepared.append(file) or prepare(file)
    )

    # when
    response = alice_client.post(
        f"/onboarding/applications/{application.pk}/edit/",
        {"action": "save", "entity-business_certificate": upload("certificate.png")},
    )

    # then
    assert response.status_code == 302
    assert CompanyEntity.objects.get(user=alice).business_certificate
    assert len(prepared) == 1


def jpeg_with_everything() -> bytes:
    exif = Image.Exif()
    exif[0x0110] = "Secret Camera 3000"
    exif[0x0112] = 6  # taken with the phone turned: shown rotated by 90°
    out = io.BytesIO()
    Image.new("RGB", (1200, 600), (10, 120, 200)).save(
        out,
        format="JPEG",
        exif=exif.tobytes(),
        comment=b"Secret comment: employee 4711",
        icc_profile=ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes(),
    )
    return out.getvalue()


def test_metadata_and_comments_are_stripped_from_original_and_thumbnail(alice):
    # given
    photo = jpeg_with_everything()
    for secret in (b"Secret Camera 3000", b"Secret comment"):
        assert secret in photo
    entity = CompanyEntity.objects.create(user=alice)

    # when
    entity.id_document = upload("passport.jpg", photo, "image/jpeg")
    entity.save()

    # then: reopened from storage, neither file carries anything but pixels
    name = entity.id_document.name
    for stored_name in (name, name + THUMBNAIL_SUFFIX):
        raw = private_storage.open(stored_name).read()
        image = Image.open(io.BytesIO(raw))
        assert b"Secret" not in raw
        assert "comment" not in image.info
        assert "icc_profile" not in image.info
        assert set(image.getexif()) <= {0x0112}  # at most the orientation
    original = Image.open(private_storage.open(name))
    assert dict(original.getexif()) == {0x0112: 6}  # shown upright by viewers
    thumb = Image.open(private_storage.open(name + THUMBNAIL_SUFFIX))
    assert not thumb.getexif()
    assert thumb.size == (160, 320)  # turned: the thumbnail has no tag to say so


def test_png_text_chunks_are_stripped(alice):
    # given
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "Secret scanner note")
    out = io.BytesIO()
    Image.new("RGB", (300, 200), (5, 5, 5)).save(out, format="PNG", pnginfo=info)
    entity = CompanyEntity.objects.create(user=alice)

    # when
    entity.logo = upload("logo.png", out.getvalue())
    entity.save()

    # then
    raw = private_storage.open(entity.logo.name).read()
    assert b"Secret scanner note" not in raw
    assert not Image.open(io.BytesIO(raw)).text


def test_a_replaced_document_is_deleted_after_commit(alice, django_capture_on_commit_callbacks):
    # given
    entity = CompanyEntity.objects.create(user=alice, id_document=upload("passport.png"))
    old = entity.id_document.name
    entity = CompanyEntity.objects.get(pk=entity.pk)  # as a later request loads it

    # when
    with django_capture_on_commit_callbacks(execute=True):
        entity.id_document = upload("passport-2.png")
        entity.save()

    # then: only the new file and its thumbnail remain
    assert not private_storage.exists(old)
    assert not private_storage.exists(old + THUMBNAIL_SUFFIX)
    assert sorted(p.name for p in stored_files()) == sorted(
        [Path(entity.id_document.name).name, Path(entity.id_document.name).name + THUMBNAIL_SUFFIX]
    )


def test_a_cleared_document_is_deleted_after_commit(alice, django_capture_on_commit_callbacks):
    entity = CompanyEntity.objects.create(user=alice, logo=upload("logo.png"))
    entity = CompanyEntity.objects.get(pk=entity.pk)

    with django_capture_on_commit_callbacks(execute=True):
        entity.logo = ""
        entity.save()

    assert stored_files() == []


def test_a_replacement_that_rolls_back_keeps_the_old_document(alice):
    # given
    entity = CompanyEntity.objects.create(user=alice, id_document=upload("passport.png"))
    old = entity.id_document.name
    entity = CompanyEntity.objects.get(pk=entity.pk)

    def failing_request():
        with transaction.atomic():
            entity.id_document = upload("passport-2.png")
            entity.save()
            raise RuntimeError("the request failed after the save")

    # when
    with pytest.raises(RuntimeError):
        failing_request()

    # then
    assert private_storage.exists(old)
    assert CompanyEntity.objects.get(pk=entity.pk).id_document.name == old


def test_a_document_shared_by_two_rows_stays_while_one_still_points_at_it(
    alice, django_capture_on_commit_callbacks
):
    # given: one category's supporting document, copied to each of its two markets
    first = make_application(alice)
    second = make_application(alice, category="short-video-management")
    first.supporting_document = upload("award.png")
    first.save()
    shared = first.supporting_document.name
    Application.objects.filter(pk=second.pk).update(supporting_document=shared)
    first = Application.objects.get(pk=first.pk)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        first.supporting_document = upload("award-2.png")
        first.save()

    # then
    assert private_storage.exists(shared)


def test_purge_orphan_uploads_deletes_what_no_row_references(alice, capsys):
    # given: two kept documents, and files left behind by earlier replacements
    entity = CompanyEntity.objects.create(
        user=alice, id_document=upload("passport.png"), logo=upload("logo.png")
    )
    kept = {entity.id_document.name, entity.logo.name}
    for _ in range(3):
        stray = private_storage.save("onboarding/companyentity/stray.png", upload())
        private_storage.save(stray + THUMBNAIL_SUFFIX, upload())
    assert len(stored_files()) == 10

    # when: a dry run first, then the purge
    call_command("purge_orphan_uploads", "--dry-run", "--min-age", "0")
    dry = capsys.readouterr().out
    files_after_dry_run = len(stored_files())
    call_command("purge_orphan_uploads", "--min-age", "0")
    out = capsys.readouterr().out

    # then
    assert files_after_dry_run == 10
    assert "Would delete 6 of 10 files" in dry
    assert "Deleted 6 of 10 files" in out
    assert sorted(
        str(p.relative_to(settings.PRIVATE_MEDIA_ROOT)) for p in stored_files()
    ) == sorted([*kept, *(name + THUMBNAIL_SUFFIX for name in kept)])


def test_purge_orphan_uploads_leaves_recent_files_alone(alice, capsys):
    # given: a file written a moment ago, maybe by a save not committed yet
    private_storage.save("onboarding/companyentity/in-flight.png", upload())

    # when
    call_command("purge_orphan_uploads")

    # then
    assert len(stored_files()) == 1
    assert "Deleted 0 of 1 files" in capsys.readouterr().out
