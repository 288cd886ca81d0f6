"""Form pieces for the partner's application pages: a document input that shows the file it
keeps, and fields that carry the reviewer's note about them (SPEC §3.5, §3.8)."""

from typing import TYPE_CHECKING, cast

from django import forms
from django.forms.boundfield import BoundField
from django.http import QueryDict
from django.template.loader import render_to_string
from django.urls import reverse

from .pending import PendingUpload
from .uploads import THUMBNAIL_SUFFIX

PENDING_SUFFIX = "-pending"


class KeptFileInput(forms.FileInput):
    """A document input that shows the document it holds (thumbnail, file name, "Replace")
    rather than Django's "Currently: <storage path> [ ] Clear".

    The file comes from a new upload, from a pending upload of the form's owner named by a
    hidden token, or from what the record already holds. `owner` is set by the form.
    """

    template_name = "django/forms/widgets/kept_file.html"
    owner = None

    def __init__(self, attrs=None) -> None:
        super().__init__({"accept": "image/jpeg,image/png,image/webp", **(attrs or {})})
        self.tokens: dict[str, str] = {}

    def __deepcopy__(self, memo):
        copy = super().__deepcopy__(memo)
        copy.tokens = {}
        return copy

    def value_from_datadict(self, data, files, name):
        upload = files.get(name)
        if upload:
            return upload
        pending = PendingUpload.objects.of(self.owner, data.get(name + PENDING_SUFFIX))
        if pending is None:
            return None
        self.tokens[name] = str(pending.token)
        return pending.file

    def value_omitted_from_data(self, data, files, name):
        return name not in files and not data.get(name + PENDING_SUFFIX)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        kept = value if value and getattr(value, "url", None) and value.name else None
        context["widget"].update(
            kept=kept is not None,
            kept_url=kept.url if kept else "",
            kept_thumbnail=(
                reverse("onboarding:document", kwargs={"name": kept.name + THUMBNAIL_SUFFIX})
                if kept
                else ""
            ),
            kept_name=PendingUpload.objects.original_name(kept.name) if kept else "",
            pending_name=name + PENDING_SUFFIX,
            pending_token=self.tokens.get(name, ""),
        )
        return context

    def _render(self, template_name, context, renderer=None):
        # The template lives with the project's templates, which Django's default form
        # renderer does not search.
        return render_to_string(template_name, context)


class NotedBoundField(BoundField):
    """A field that shows the reviewer's note about it beside it, and is described by it."""

    form: "PartnerFormMixin"

    def value(self):
        # Django shows a file input its initial value only; a kept (pending) upload is the
        # value to show until the record saves it.
        if self.form.is_bound and isinstance(self.field.widget, KeptFileInput):
            data = self.data
            if data and getattr(data, "url", None):
                return data
        return super().value()

    @property
    def review_note(self) -> str:
        return self.form.review_notes.get(self.name, "")

    @property
    def aria_describedby(self):
        ids = super().aria_describedby
        if ids is None or not self.auto_id:
            return ids
        value = self.value() if isinstance(self.field.widget, KeptFileInput) else None
        kept = bool(value) and bool(getattr(value, "url", None))
        before = [f"{self.auto_id}_kept"] if kept else []
        if self.review_note:
            before.append(f"{self.auto_id}_review")
        return " ".join(filter(None, [*before, ids]))


if TYPE_CHECKING:
    # The mixin is only ever combined with ModelForm: type-check it as one.
    _ModelForm = forms.ModelForm
else:
    _ModelForm = object


class PartnerFormMixin(_ModelForm):
    """For ModelForms of something a partner owns (`instance.user`):

    - documents use `KeptFileInput`; a new upload is kept as a pending upload of the owner
      before validation, so a page that does not save still holds it;
    - `review_notes` ({field name: note}) are shown beside their fields;
    - `required_to_submit` fields get the same visible marker as required ones.
    """

    bound_field_class = NotedBoundField
    _bound_fields_cache: dict[str, BoundField]  # BaseForm's, cleared when the data changes

    def __init__(self, *args, review_notes=None, required_to_submit=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.owner = getattr(self.instance, "user", None)
        self.review_notes = review_notes or {}
        for name, field in self.fields.items():
            if isinstance(field.widget, KeptFileInput):
                field.widget.owner = self.owner
            if name in required_to_submit:
                field.required_to_submit = True
                field.widget.attrs["aria-required"] = "true"

    def full_clean(self):
        if self.is_bound and self.owner is not None:
            self.keep_uploads()
        super().full_clean()

    def keep_uploads(self) -> None:
        """Store each acceptable new document as a pending upload and carry its token
        instead of the file. A refused file stays in place for its field to report."""
        for name, field in self.fields.items():
            if not isinstance(field.widget, KeptFileInput):
                continue
            key = self.add_prefix(name)
            upload = self.files.get(key)
            if not upload:
                continue
            pending = PendingUpload.keep(user=self.owner, upload=upload)
            if pending is None:
                continue
            self.files = self.files.copy()
            self.files.pop(key)
            data = cast(QueryDict, self.data).copy()
            data[key + PENDING_SUFFIX] = str(pending.token)
            self.data = data
            self._bound_fields_cache.clear()
