"""The baseline's three endpoints, one per kind of portal path bench/run.py measures."""

from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path


def redirect(request, token):
    # The referral redirect's baseline, as the issue defines it.
    return HttpResponseRedirect("/landing/?ref=" + token)


def plain(request):
    # The Open API's baseline: a bare HttpResponse.
    body = b'{"code":0,"data":{},"message":"Success"}'
    return HttpResponse(body, content_type="application/json")


def page(request):
    # The partner pages' baseline: render() of a small template.
    return render(request, "page.html", {"title": "Bare", "text": "A bare Django page."})


urlpatterns = [
    path("r/<str:token>", redirect),
    path("ok/", plain),
    path("page/", page),
]
