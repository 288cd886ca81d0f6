"""Transitional: the compliance review admin's decision buttons, until it moves onto
`reviews.admin.ReviewAdminMixin` and the shared reject page (its own page is kept meanwhile).
"""

from reviews.admin import ReviewAdminMixin


class DecisionAdminMixin(ReviewAdminMixin):
    approve_transition = "approve"

    @property
    def reject_template(self) -> str:
        return f"admin/{self.opts.app_label}/{self.opts.model_name}/reject.html"
