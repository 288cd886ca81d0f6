"""SPEC §3.5: partner documents are images, proven by decoding them, never by their name.

`DocumentField` runs the checks and the re-encoding in `pre_save`, so a file reaches storage
only through them, whether it came from a partner form, the admin or the shell. The same
checks run as the field's validator, so forms report them as field errors before saving.
"""

import io
import os
import uuid
import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.urls import reverse
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
THUMBNAIL_SIZE = (320, 320)
THUMBNAIL_SUFFIX = ".thumb.jpg"
MB = 1024 * 1024


def max_bytes() -> int:
    return settings.ONBOARDING_MAX_UPLOAD_BYTES


def max_pixels() -> int:
    return settings.ONBOARDING_MAX_IMAGE_PIXELS


@deconstructible
class PrivateStorage(FileSystemStorage):
    """Documents live outside MEDIA_ROOT and have no public URL: `url()` points at the view
    that checks the reader is the owner or a reviewer."""

    @property
    def base_location(self):
        return settings.PRIVATE_MEDIA_ROOT

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        return reverse("onboarding:document", kwargs={"name": name})


private_storage = PrivateStorage()


def document_path(instance, filename: str) -> str:
    """A random name: nothing the partner typed reaches the file system."""
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"onboarding/{instance._meta.model_name}/{uuid.uuid4().hex}.{ext}"


def _error(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def open_image(file) -> Image.Image:
    """Decode `file` fully and return the loaded image, or raise ValidationError."""
    size = getattr(file, "size", None)
    if size is None:
        file.seek(0, os.SEEK_END)
        size = file.tell()
    if size > max_bytes():
        raise _error(
            _("The file is too large (%(size).1f MB). The limit is %(limit).0f MB.")
            % {"size": size / MB, "limit": max_bytes() / MB},
            "too_large",
        )
    if size == 0:
        raise _error(_("The file is empty."), "empty")
    not_an_image = _(
        "This file is not a JPEG, PNG or WebP image (SVG, PDF and other files are not "
        "accepted). Upload a photo or scan of the document."
    )
    try:
        file.seek(0)
        data = file.read()
        with warnings.catch_warnings():
            # Pillow warns between MAX_IMAGE_PIXELS and twice that; treat it as an error.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            if probe.format not in FORMATS:
                raise _error(not_an_image, "format")
            width, height = probe.size
            if width * height > max_pixels():
                raise _error(
                    _(
                        "The image is too large (%(w)s x %(h)s pixels). The limit is "
                        "%(limit)s megapixels."
                    )
                    % {"w": width, "h": height, "limit": max_pixels() // 1_000_000},
                    "too_many_pixels",
                )
            probe.verify()
            # verify() leaves the image unusable and does not decode pixel data; load() does,
            # which is what catches a truncated file.
            image = Image.open(io.BytesIO(data))
            image.load()
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _error(
            _("The image is too large to process (more than %(limit)s megapixels).")
            % {"limit": max_pixels() // 1_000_000},
            "too_many_pixels",
        ) from exc
    except UnidentifiedImageError as exc:
        raise _error(not_an_image, "format") from exc
    except (OSError, SyntaxError, ValueError, Image.UnidentifiedImageError) as exc:
        raise _error(
            _("The image is damaged or incomplete and cannot be read. Upload it again."),
            "corrupt",
        ) from exc
    finally:
        file.seek(0)
    return image


def validate_document(file) -> None:
    """Field validator: the checks without keeping the result."""
    if file and not getattr(file, "_committed", False):
        open_image(file)


def reencode(image: Image.Image) -> tuple[bytes, str]:
    """Write the pixels again, in the same format, without EXIF, XMP, ICC or comments."""
    fmt = image.format
    image = ImageOps.exif_transpose(image)  # keep the orientation the EXIF tag described
    if fmt == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    clean = Image.new(image.mode, image.size)
    clean.paste(image)  # a fresh image carries no .info (metadata) from the upload
    if image.mode == "P" and image.getpalette():
        clean.putpalette(image.getpalette())
    out = io.BytesIO()
    options = {"quality": 90} if fmt in ("JPEG", "WEBP") else {"optimize": True}
    clean.save(out, format=fmt, **options)
    return out.getvalue(), FORMATS[fmt]


def thumbnail(image: Image.Image) -> bytes:
    thumb = ImageOps.exif_transpose(image).convert("RGB")
    thumb.thumbnail(THUMBNAIL_SIZE)
    out = io.BytesIO()
    thumb.save(out, format="JPEG", quality=80)
    return out.getvalue()


def thumbnail_name(name: str) -> str:
    return name + THUMBNAIL_SUFFIX


class DocumentField(models.FileField):
    """An image document, checked, re-encoded and thumbnailed before it is stored."""

    default_validators = [validate_document]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("storage", private_storage)
        kwargs.setdefault("upload_to", document_path)
        kwargs.setdefault("max_length", 200)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        for key in ("storage", "upload_to", "max_length"):
            kwargs.pop(key, None)
        return name, path, args, kwargs

    def formfield(self, **kwargs):
        from django import forms

        widget = forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"})
        return super().formfield(**{"widget": widget, **kwargs})

    def pre_save(self, model_instance, add):
        file = getattr(model_instance, self.attname)
        if file and not file._committed:
            image = open_image(file)  # raises before anything is written
            data, ext = reencode(image)
            thumb = thumbnail(image)
            file.save(f"upload.{ext}", ContentFile(data), save=False)
            self.storage.save(thumbnail_name(file.name), ContentFile(thumb))
        return file
