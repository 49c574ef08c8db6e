"""Login and logout: Django's views, with the throttled form and the site's own templates."""

from __future__ import annotations

from django.contrib.auth import views as auth_views

from readingroom.web.context_processors import site

from .forms import LoginForm, lockout_rule

# Django's auth views put the request's host in `site_name`, over the archive's name that every other page shows
# (web/context_processors.py): it is set back here.


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **site(self.request), "lockout_rule": lockout_rule()}


class LogoutView(auth_views.LogoutView):  # POST only (Django 5)
    template_name = "accounts/logged_out.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **site(self.request)}
