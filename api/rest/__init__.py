"""The REST API at /api/v1/ (django-ninja): one router per resource; see api/rest/base.py for auth and errors."""

from api.rest import artifacts, courses, more, network
from api.rest.base import api

api.add_router("", courses.router)
api.add_router("", artifacts.router)
api.add_router("", network.router)
api.add_router("", more.router)

__all__ = ["api"]
