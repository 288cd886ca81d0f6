from django import template

register = template.Library()


@register.filter
def access_label(role, module) -> str:
    """What `role` grants in `module`, as the partner reads it (No access / View / Manage)."""
    return str(role.access(module).label)
