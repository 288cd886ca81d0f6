"""SPEC §3.5: partner documents are images, proven by decoding them, never by their name.

`DocumentField` runs the checks and the re-encoding in `pre_save`, so a file reaches storage
only through them, whether it came from a partner form, the admin or the shell. The same
checks run as the field's validator, so forms report them as field errors before saving; the
validator keeps its result for `pre_save`, so an upload is decoded once. A document that is
replaced or cleared is deleted after the commit; `purge_orphan_uploads` finds the rest.

Where they are kept is the `documents` alias of STORAGES: a local folder, or a private bucket
(onboarding/s3.py). Nothing here reads a file's path: the decoding works on the upload, the
re-encoded file is handed to the storage as a stream, and readers get it back via `open()`.
"""

import io
import mimetypes
import os
import tempfile
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.core.files.storage import FileSystemStorage, storages
from django.db import models, transaction
from django.db.models.fields.files import FileDescriptor
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils.deconstruct import deconstructible
from django.utils.functional import LazyObject
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
THUMBNAIL_SIZE = (320, 320)
THUMBNAIL_SUFFIX = ".thumb.jpg"
MB = 1024 * 1024


def max_bytes() -> int:
    return settings.ONBOARDING_MAX_UPLOAD_BYTES


def max_pixels() -> int:
    return settings.ONBOARDING_MAX_IMAGE_PIXELS


@dataclass(frozen=True)
class StoredFile:
    """One file as a storage lists it: its name there, its size and when it was written."""

    name: str
    size: int
    modified: datetime


@deconstructible
class PrivateStorage(FileSystemStorage):
    """The embedded default for documents: files outside MEDIA_ROOT with no public URL.
    `url()` points at the view that checks the reader is the owner or a reviewer."""

    @property
    def base_location(self):
        return settings.PRIVATE_MEDIA_ROOT

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        return reverse("onboarding:document", kwargs={"name": name})

    def signed_url(self, name: str, *, content_type: str, disposition: str) -> str | None:
        """None: a local file has no URL of its own; the view streams it."""
        return None

    def stored_files(self, prefix: str = "") -> Iterator[StoredFile]:
        root = Path(self.location)
        for directory, _dirs, files in os.walk(root / prefix):
            for file in files:
                path = Path(directory, file)
                stat = path.stat()
                yield StoredFile(
                    name=path.relative_to(root).as_posix(),
                    size=stat.st_size,
                    modified=datetime.fromtimestamp(stat.st_mtime, tz=UTC),
                )


class DocumentBackend(Protocol):
    """What the code asks of the `documents` storage, on disk or in a bucket."""

    def exists(self, name: str) -> bool: ...
    def open(self, name: str, mode: str = "rb") -> File: ...
    def save(self, name: str, content: File, max_length: int | None = None) -> str: ...
    def delete(self, name: str) -> None: ...
    def url(self, name: str) -> str: ...
    def signed_url(self, name: str, *, content_type: str, disposition: str) -> str | None: ...
    def stored_files(self, prefix: str = "") -> Iterator[StoredFile]: ...


class DocumentStorage(LazyObject):
    """The storage behind the `documents` alias of STORAGES: the local folder above, or a
    private bucket (onboarding.s3). Looked up on each use, as Django caches the instance
    per alias and drops it when STORAGES changes."""

    @property  # type: ignore[override]
    def _wrapped(self):
        return storages["documents"]

    @_wrapped.setter
    def _wrapped(self, value):
        pass  # nothing to remember: the alias decides

    def _setup(self):
        pass


private_storage = cast(DocumentBackend, DocumentStorage())


def serve_document(name: str, *, cache_control: str = "private, max-age=300") -> HttpResponseBase:
    """Stored document `name` to a reader whose right to it is already checked.

    From a bucket: a redirect to a signed URL that expires in AWS_QUERYSTRING_EXPIRE seconds,
    so the bytes never pass through the web process; the redirect itself is never cached,
    as a cached one would outlive its URL. From the local disk: the file, streamed.
    """
    if not private_storage.exists(name):
        raise Http404
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    signed = private_storage.signed_url(name, content_type=content_type, disposition="inline")
    if signed:
        redirect = HttpResponseRedirect(signed)
        redirect["Cache-Control"] = "no-store"
        return redirect
    response = FileResponse(private_storage.open(name), content_type=content_type)
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = cache_control
    return response


def document_path(instance, filename: str) -> str:
    """A random name: nothing the partner typed reaches the file system."""
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"onboarding/{instance._meta.model_name}/{uuid.uuid4().hex}.{ext}"


def _error(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


# The most memory one upload's pixels may take once decoded. Pillow keeps colour pixels in
# four bytes, whatever the file's compression: a 150 KB PNG can ask for 500 MB. With this
# budget a worker's peak for an upload stays under 100 MB.
DECODED_BYTES_LIMIT = 64 * MB
# Extra full-size copies some images need besides the decoded one: WebP's decoder and encoder
# each hold their own buffer; a CMYK JPEG is converted to RGB for browsers.
EXTRA_COPIES = {"WEBP": 2}
# Modes `Image.reduce` averages in place of a full-size converted copy.
AVERAGED_MODES = {"1", "L", "RGB", "CMYK", "YCbCr", "I", "F", "I;16", "I;16B", "I;16L"}
ORIENTATION = 0x0112
TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _bytes_per_pixel(mode: str) -> int:
    if mode in ("1", "L", "P"):
        return 1
    if mode.startswith("I;16"):
        return 2
    return 4


def pixel_limit(image: Image.Image) -> int:
    """How many pixels an image of this format and mode may have."""
    copies = 1 + EXTRA_COPIES.get(image.format or "", 0) + (image.mode == "CMYK")
    return min(max_pixels(), DECODED_BYTES_LIMIT // (_bytes_per_pixel(image.mode) * copies))


@dataclass
class PreparedDocument:
    """A checked upload, re-encoded (in a temporary file) with its thumbnail."""

    original: File
    ext: str
    thumbnail: bytes


def _file_size(file) -> int:
    size = getattr(file, "size", None)
    if size is None:
        file.seek(0, os.SEEK_END)
        size = file.tell()
    return size


def prepare_document(file) -> PreparedDocument:
    """Check `file`, decode it once, and write it again without metadata, or raise
    ValidationError. The format and the dimensions are read from the header before any
    pixel is decoded, so an image too large to hold is refused at the cost of its header."""
    size = _file_size(file)
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
        with warnings.catch_warnings():
            # Pillow warns between MAX_IMAGE_PIXELS and twice that; treat it as an error.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(file)  # reads the header only
            if image.format not in FORMATS:
                raise _error(not_an_image, "format")
            width, height = image.size
            limit = pixel_limit(image)
            if width * height > limit:
                raise _error(
                    _(
                        "The image is too large (%(w)s x %(h)s pixels). The limit is "
                        "%(limit)s megapixels."
                    )
                    % {"w": width, "h": height, "limit": f"{round(limit / 1_000_000, 1):g}"},
                    "too_many_pixels",
                )
            image.load()  # the one decode: it is what catches a truncated file
            return _write_again(image)
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
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise _error(
            _("The image is damaged or incomplete and cannot be read. Upload it again."),
            "corrupt",
        ) from exc
    finally:
        file.seek(0)


def _write_again(image: Image.Image) -> PreparedDocument:
    """The pixels in the same format without EXIF, XMP, ICC or comments, and a thumbnail.

    The pixels are not turned to match the EXIF orientation (that needs a second full-size
    copy): the orientation is the one tag written back, and the thumbnail is turned.
    """
    fmt = image.format or ""  # one of FORMATS: nothing else gets here
    orientation = image.getexif().get(ORIENTATION, 1)
    thumb = thumbnail(image, orientation=orientation)
    image.info = {}  # what Pillow would otherwise copy into the file (JPEG comment, ICC, …)
    if fmt == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    options: dict[str, int | bytes] = (
        {"quality": 90} if fmt in ("JPEG", "WEBP") else {"optimize": True}
    )
    if orientation in TRANSPOSE:
        exif = Image.Exif()
        exif[ORIENTATION] = orientation
        options["exif"] = exif.tobytes()
    out = tempfile.TemporaryFile()  # noqa: SIM115 (pre_save stores it, then closes it)
    image.save(out, format=fmt, **options)
    out.seek(0)
    return PreparedDocument(original=File(out), ext=FORMATS[fmt], thumbnail=thumb)


def validate_document(file) -> None:
    """Field validator: runs the checks and keeps the result for `pre_save`, so a form's
    validation and the save decode the upload once between them."""
    if file and not getattr(file, "_committed", False) and not hasattr(file, "prepared_document"):
        file.prepared_document = prepare_document(file)


def thumbnail(image: Image.Image, *, orientation: int = 1) -> bytes:
    """A small JPEG of `image`, made without a second full-size copy of it."""
    width, height = image.size
    scale = max(width / THUMBNAIL_SIZE[0], height / THUMBNAIL_SIZE[1])
    if scale < 3:
        small = image.copy()  # already small
    elif image.mode in AVERAGED_MODES:
        small = image.reduce(max(2, int(scale // 2)))  # averages; allocates only the result
    else:
        # Pillow reduces transparent images through a full-size premultiplied copy, and
        # palette images cannot be averaged: a nearest-pixel step down comes first.
        step = (max(1, round(width * 3 / scale)), max(1, round(height * 3 / scale)))
        small = image.resize(step, Image.Resampling.NEAREST)
    if orientation in TRANSPOSE:
        small = small.transpose(TRANSPOSE[orientation])
    small = small.convert("RGB")
    small.thumbnail(THUMBNAIL_SIZE)
    small.info = {}  # copies keep the upload's comment and profile: none of it is written
    out = io.BytesIO()
    small.save(out, format="JPEG", quality=80)
    return out.getvalue()


def thumbnail_name(name: str) -> str:
    return name + THUMBNAIL_SUFFIX


def document_fields():
    """(model, field) for every DocumentField of the project."""
    from django.apps import apps

    return [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, DocumentField)
    ]


def referenced_names() -> set[str]:
    names: set[str] = set()
    for model, field in document_fields():
        names.update(
            model._base_manager.exclude(**{field.attname: ""}).values_list(field.attname, flat=True)
        )
    return names


def delete_if_unreferenced(name: str) -> None:
    """Delete a stored document and its thumbnail once no row points at it (a name may be
    shared: one category's document is copied to each of its markets)."""
    for model, field in document_fields():
        if model._base_manager.filter(**{field.attname: name}).exists():
            return
    for stored in (name, thumbnail_name(name)):
        private_storage.delete(stored)


class _DocumentDescriptor(FileDescriptor):
    """Remembers the name loaded from the database, so a save that replaces or clears the
    document knows which file it leaves behind, without asking the database."""

    def __set__(self, instance, value):
        originals = instance.__dict__.setdefault("_stored_documents", {})
        # Only a name loaded from the database counts, not a file given to a new instance.
        originals.setdefault(self.field.attname, value if isinstance(value, str) else "")
        super().__set__(instance, value)


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

    descriptor_class = _DocumentDescriptor

    def pre_save(self, model_instance, add):
        file = getattr(model_instance, self.attname)
        if file and not file._committed:
            prepared = getattr(file, "prepared_document", None) or prepare_document(file)
            file.save(f"upload.{prepared.ext}", prepared.original, save=False)
            prepared.original.close()
            self.storage.save(thumbnail_name(file.name), ContentFile(prepared.thumbnail))
        originals = model_instance.__dict__.setdefault("_stored_documents", {})
        previous = originals.get(self.attname, "")
        current = file.name if file else ""
        if previous and previous != current:
            # Replaced or cleared: the old file goes once the new name is committed (a
            # rollback keeps the row, and so the file, as they were).
            transaction.on_commit(lambda: delete_if_unreferenced(previous))
        originals[self.attname] = current
        return file
