"""Pages a person opens in a browser: the landing page, and the pages that mail and calendar
events link to (a pairing with its sessions, a programme with its runs and proposals).

Server-rendered HTML over the same services the API uses, so each page shows exactly what
the caller may see through the API, and another tenant's pairing is 404 here too. The
console's forms (actions.py) make changes through the very service functions the API's routes
call, with the session's CSRF token as a form field.
"""
