def site(request):
    archive = getattr(request, "archive", None)  # absent when a middleware before ours answered
    return {"site_name": archive.settings.site_name if archive else "Readingroom"}
