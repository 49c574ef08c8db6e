"""Two middlewares: rate limits on the search page and the APIs (429 with Retry-After), and the security headers
every response carries (Content-Security-Policy; Django's SecurityMiddleware adds nosniff, Referrer-Policy and
HSTS)."""

from __future__ import annotations

from django.conf import settings

from readingroom.web.errors import error_response

from . import throttle

# No inline script, style or event handler anywhere: the site's and the admin's scripts and styles are static
# files. `frame-ancestors 'none'` is X-Frame-Options: DENY for browsers that read CSP.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)


class RateLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.counter = throttle.RateCounter()  # one per process, as the middleware is

    def __call__(self, request):
        scope = throttle.scope_of(request.path)
        if scope and settings.READINGROOM_RATE_LIMITS_ON:
            per_minute = settings.READINGROOM_RATE_LIMITS.get(scope, 0)
            limit = self.counter.hit(scope, throttle.client_ip(request), per_minute)
            if not limit.allowed:
                response = error_response(
                    request,
                    429,
                    "Too many requests",
                    f"More than {per_minute} requests a minute from your address to this part of the archive: "
                    f"try again in {limit.retry_after} seconds.",
                )
                response["Retry-After"] = str(limit.retry_after)
                return response
        return self.get_response(request)


class ContentSecurityPolicyMiddleware:
    """Sets the site's policy on responses that have none of their own (media files set a sandbox)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        return response
