from django import forms

from onboarding.forms import DateInput

from .models import Appeal, ComplianceReview


class SecurityReviewForm(forms.ModelForm):
    """SPEC §3.14: the security review, in English. "Save draft" keeps anything typed (in
    English); Submit needs every required answer, which the model checks."""

    class Meta:
        model = ComplianceReview
        fields = ComplianceReview.SECURITY_FIELDS
        widgets = {
            name: forms.Textarea(attrs={"rows": 3})
            for name in (
                "encryption_at_rest",
                "encryption_in_transit",
                "access_control",
                "data_retention",
                "third_parties",
            )
        } | {"last_penetration_test_on": DateInput}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The questions end in "?": no label suffix; the shared field template marks them.
        for name in ComplianceReview.REQUIRED_FIELDS:
            self.fields[name].required_to_submit = True
            self.fields[name].label_suffix = ""


class AppealForm(forms.Form):
    """SPEC §8.6: the appeal. The form only carries it: `services.file_appeal` checks the
    statement's length and decodes the document, as for every other entry point."""

    statement = Appeal._meta.get_field("statement").formfield(
        widget=forms.Textarea(attrs={"rows": 6})
    )
    document = Appeal._meta.get_field("document").formfield(
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
