"""Login and logout: Django's views, with the throttled form and the site's own templates."""

from __future__ import annotations

from django.contrib.auth import views as auth_views

from .forms import LoginForm, lockout_rule


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "lockout_rule": lockout_rule()}


class LogoutView(auth_views.LogoutView):  # POST only (Django 5)
    template_name = "accounts/logged_out.html"
