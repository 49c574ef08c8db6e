from readingroom import config


def site(request):
    return {"site_name": config.get("READINGROOM_SITE_NAME")}
