from django.urls import path

from . import views

app_name = "compliance"

# Under /onboarding/compliance/ (partner_center/urls.py), where the pages have always been.
urlpatterns = [
    path("", views.compliance, name="overview"),
    path("questionnaire/", views.compliance_questionnaire, name="questionnaire"),
    path("security-review/", views.compliance_security_review, name="security-review"),
    path("appeal/", views.appeal, name="appeal"),
    path("appeal/<int:pk>/document/", views.appeal_document, name="appeal-document"),
]
