"""A published app's logo, shown to sellers on the consent page: streamed from the disk, or a
redirect to a signed URL when documents are in a bucket."""

import io
import urllib.request

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from apps_services.models import App


def with_logo(app: App) -> App:
    out = io.BytesIO()
    Image.new("RGB", (48, 48), (10, 120, 200)).save(out, format="PNG")
    app.logo = SimpleUploadedFile("logo.png", out.getvalue(), "image/png")
    app.save()
    return app


def test_the_logo_of_a_published_app_is_streamed_from_the_disk(client, alice_app):
    app = with_logo(alice_app)

    response = client.get(reverse("open_api:app-logo", args=[app.service_id]))

    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=300"
    assert Image.open(io.BytesIO(b"".join(response.streaming_content))).format == "PNG"


def test_on_object_storage_the_logo_is_a_redirect_to_a_signed_url(client, alice_app, s3_storage):
    app = with_logo(alice_app)

    response = client.get(reverse("open_api:app-logo", args=[app.service_id]))

    # then: never a cached redirect (the URL expires), never an unsigned URL
    assert response.status_code == 302
    assert response["Cache-Control"] == "no-store"
    assert "X-Amz-Signature=" in response["Location"]
    with urllib.request.urlopen(response["Location"], timeout=10) as signed:  # noqa: S310
        assert Image.open(io.BytesIO(signed.read())).format == "PNG"
