"""SPEC §3.5: documents are images proven by decoding; anything else is refused, with a
clear message, and nothing is stored."""

import io
import struct
import zlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from PIL import Image

from onboarding.models import CompanyEntity
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
