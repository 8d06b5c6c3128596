"""GDPR rights: a person's own export of everything held about them, an organisation admin's
erasure of a person, and the retention jobs. It sits above the domains whose data it gathers
or removes, and reads their tables through the mapped metadata (every domain's, at once)."""
