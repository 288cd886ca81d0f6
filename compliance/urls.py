from django.urls import path

from . import views

app_name = "compliance"

# Under /onboarding/compliance/ (partner_center/urls.py), where the pages have always been.
urlpatterns = [
    path("", views.compliance, name="overview"),
    path("questionnaire/", views.compliance_questionnaire, name="questionnaire"),
    path("security-review/", views.compliance_security_review, name="security-review"),
]
