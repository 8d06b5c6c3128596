"""A small OpenID Connect provider for development and tests: never part of production.

`make run` mounts it at /dev-idp so anyone can sign in as a seeded demo person through the
same SSO code path a real employer's provider uses; the tests run it on a loopback port and
turn its knobs to misbehave (forged, expired or unsigned ID tokens, a wrong nonce, rotated
keys, email only in userinfo). The production image leaves this package out (.dockerignore),
and importing it under CONSORTIUM_ENV=production fails, so no configuration can enable it.
"""

from __future__ import annotations

import os

if os.environ.get("CONSORTIUM_ENV", "").strip().lower() == "production":
    raise ImportError("The development identity provider is not available in production.")
