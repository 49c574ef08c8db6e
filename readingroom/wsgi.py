import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "readingroom.settings")
application = get_wsgi_application()

# The gazetteer and the basemap's shapes, read as the worker starts rather than on a reader's first map. Under
# `readingroom serve` the server read them before forking this worker, and this costs nothing.
from readingroom.web import maps  # noqa: E402 - after Django is set up

maps.warm()
