"""Uploads kept across a page that did not save (SPEC §3.5, §3.6).

A document chosen in the application form is checked and stored at once as a pending upload
of its account; the page then carries only the pending upload's random token. When the page
comes back with a validation error, the file is still there (shown with its thumbnail) and
the next POST reuses it without a second upload. A token is looked up together with the
account that posted it, so another partner cannot reference someone else's file.
"""

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .uploads import DocumentField, thumbnail_name, validate_document


class PendingUploadQuerySet(models.QuerySet["PendingUpload"]):
    def of(self, user, token) -> "PendingUpload | None":
        """The account's own pending upload for `token`, or None (a foreign or bad token)."""
        if user is None or not getattr(user, "is_authenticated", False) or not token:
            return None
        try:
            token = uuid.UUID(str(token))
        except ValueError:
            return None
        return self.filter(user=user, token=token).first()

    def stale(self, *, older_than: timedelta) -> "PendingUploadQuerySet":
        """Pending uploads no record took up within `older_than`: the partner left the page.
        A file a company entity or an application holds is never stale."""
        from .models import Application, CompanyEntity

        held = Q()
        for name in CompanyEntity.DOCUMENT_FIELDS:
            held |= Q(file__in=CompanyEntity.objects.values(name))
        held |= Q(file__in=Application.objects.values("supporting_document"))
        return self.filter(created_at__lt=timezone.now() - older_than).exclude(held)

    def purge_stale(self, *, older_than: timedelta, dry_run: bool = False) -> int:
        """Delete the stale pending uploads with their files; how many there were."""
        count = 0
        for pending in self.stale(older_than=older_than).iterator():
            if not dry_run:
                pending.delete_with_file()
            count += 1
        return count

    def original_name(self, stored_name: str) -> str:
        """The name the partner's file had, for a document stored through a pending upload."""
        found = self.filter(file=stored_name).values_list("original_name", flat=True).first()
        return found or stored_name.rsplit("/", 1)[-1]


class PendingUpload(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pending_uploads"
    )
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    file = DocumentField(_("file"))
    original_name = models.CharField(_("file name"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PendingUploadQuerySet.as_manager()

    class Meta:
        verbose_name = _("pending upload")
        verbose_name_plural = _("pending uploads")
        indexes = [models.Index(fields=["file"], name="onboarding_pending_file")]

    def __str__(self) -> str:
        return self.original_name

    @classmethod
    def keep(cls, *, user, upload) -> "PendingUpload | None":
        """Check, re-encode and store `upload` for `user`; None when it is refused (the form
        field then reports why, and nothing is written)."""
        name = (getattr(upload, "name", "") or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
        pending = cls(user=user, file=upload, original_name=name[:200] or "upload")
        try:
            # Refuse before anything is written; the decoded result stays on the field's
            # file, so the save below does not decode it again.
            validate_document(pending.file)
        except ValidationError:
            return None
        pending.save()
        return pending

    def delete_with_file(self) -> None:
        storage, name = self.file.storage, self.file.name
        self.delete()
        for stored in (name, thumbnail_name(name)):
            storage.delete(stored)
