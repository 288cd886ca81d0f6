"""What the profile tabs (templates/accounts/_profile_*.html) show of onboarding."""

from collections import Counter

from django import template

from onboarding.models import Application, CompanyEntity, State

register = template.Library()


@register.simple_tag
def company_entity(user):
    return CompanyEntity.objects.filter(user=user).select_related("region").first()


@register.simple_tag
def entity_status(user, entity):
    """The entity is reviewed with the applications: approved with the first of them."""
    if entity is None:
        return None
    if entity.is_frozen:
        return State.APPROVED
    states = set(Application.objects.filter(user=user).values_list("state", flat=True))
    for state in (State.PENDING_REVIEW, State.REJECTED):
        if state in states:
            return state
    return State.DRAFT


# An application's columns a list of them shows: its category and market by name, its state.
SHOWN = ("state", "category__first_level", "category__name", "market__name")


@register.simple_tag
def partner_applications(user):
    """Every application; the first draft of each batch carries `batch_drafts`, how many
    drafts the batch holds, so the tab offers one Continue (and Delete) per batch."""
    applications = list(
        Application.objects.filter(user=user)
        .select_related("category", "category__role", "market")
        # What the tab shows: the other columns (the category info, the review dates) cost
        # time to load and are not read here.
        .only(*SHOWN, "rejection_reason", "batch", "category__role__name")
    )
    drafts = Counter(a.batch for a in applications if a.state == State.DRAFT)
    seen = set()
    for application in applications:
        first = application.state == State.DRAFT and application.batch not in seen
        application.batch_drafts = drafts[application.batch] if first else 0
        seen.add(application.batch)
    return applications


@register.filter
def state_label(value):
    return State(value).label if value else ""


# The stepper on the dashboard: Draft → Pending review → Approved / Not approved.
STEPS = [(State.DRAFT,), (State.PENDING_REVIEW,), (State.APPROVED, State.REJECTED)]
RECENT = 5


@register.simple_tag
def application_progress(user):
    """Counts per status and the latest applications with their step: two queries.

    Each latest application comes with its row of steps ready to print (`cells`: the CSS
    classes, whether it is the current step, the text), so the template loops once per
    row instead of testing every step against the current one.
    """
    mine = Application.objects.filter(user=user)
    counts = mine.counts_by_state()
    steps = [
        [{"state": s, "label": s.label, "count": counts[s]} for s in states] for states in STEPS
    ]
    step_text = [" / ".join(str(part["label"]) for part in step) for step in steps]
    step_of = {state: i for i, states in enumerate(STEPS) for state in states}
    recent = []
    for application in mine.select_related("category", "market").only(*SHOWN)[:RECENT]:
        current = step_of[application.state]
        cells = []
        for i, text in enumerate(step_text):
            if i < current:
                cells.append(("step step-done", False, text))
            elif i == current:
                css = f"step step-current step-{application.state}"
                cells.append((css, True, application.get_state_display()))
            else:
                cells.append(("step", False, text))
        recent.append((application, cells))
    return {"total": sum(counts.values()), "steps": steps, "recent": recent}
