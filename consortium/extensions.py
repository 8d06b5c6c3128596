"""Unbound singletons, bound to an app in create_app."""

from __future__ import annotations

from consortium.core.api import Api
from consortium.core.db import Database

api = Api()
db = Database()
