from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.permissions import WRITE_ONLY_MODULES, Access, Module

from .models import Role


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email"), max_length=254)
    role = forms.ModelChoiceField(label=_("Role"), queryset=Role.objects.none(), empty_label=None)

    def __init__(self, *args, account, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].queryset = Role.objects.for_account(account)


class ChangeRoleForm(forms.Form):
    role = forms.ModelChoiceField(label=_("Role"), queryset=Role.objects.none(), empty_label=None)

    def __init__(self, *args, account, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].queryset = Role.objects.for_account(account)


def module_field(module: Module) -> str:
    return f"module_{module.value}"


class RoleForm(forms.Form):
    """A role's name and, per module, none / view / manage (App secrets: none / manage)."""

    name = forms.CharField(label=_("Role name"), max_length=60)

    def __init__(self, *args, role: Role | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        for module in Module:
            choices = [(str(int(level)), level.label) for level in Access]
            if module in WRITE_ONLY_MODULES:
                choices = [c for c in choices if c[0] != str(int(Access.VIEW))]
            self.fields[module_field(module)] = forms.ChoiceField(
                label=module.label,
                choices=choices,
                widget=forms.RadioSelect,
                initial=str(int(role.access(module) if role else Access.NONE)),
            )
        if role is not None:
            self.fields["name"].initial = role.name

    def module_fields(self):
        return [self[module_field(module)] for module in Module]

    @property
    def permissions(self) -> dict:
        return {module.value: int(self.cleaned_data[module_field(module)]) for module in Module}
