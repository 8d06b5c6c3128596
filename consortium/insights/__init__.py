"""Reverse mentoring insights: what junior mentors say about their senior mentees'
organisations, collated so that nobody can be singled out.

In a `reverse_mentoring` programme the junior is the mentor. The mentor of an active or ended
pairing writes entries about the mentee's organisation: a theme (a small fixed set), a 1-5
sentiment and free text. A coordinator of the consortium, or a sponsor of the mentee
organisation (its org admins: the codebase has no other sponsor concept), reads them only
collated. The design, and the attack each part answers:

- Grouping and k. Feedback is shown only as groups (mentee organisation x theme) holding at
  least K = 3 distinct people; an author has at most one entry per group (a unique key), so a
  group's size is its people, and no per-person count exists. The database refuses a group
  below K (a CHECK constraint), not only the code.
- Rounds against differencing. Entries are pending until a coordinator publishes a round. A
  round takes only groups with K *new* contributors (pending entries: nobody published
  before); smaller groups are withheld and carried forward, silently (no count, no list of
  what waits). A published group is frozen and never merged with later ones, so the report
  after one more person writes is the report before (their entry waits); when it changes, it
  changes by whole new groups of at least K new people. Subtracting two reports isolates no
  one.
- No author link at rest. Publishing copies texts and sentiment counts into the group and
  deletes the entries in the same transaction: once published, no row anywhere names who
  wrote what. (No Idempotency-Key either: its stored response would be such a row.)
- Nothing that orders or dates anyone. Groups carry their round's day only; comments are
  sorted by their text (not writing order); sentiments are counts per value, not attached to
  comments.
- Filters (round, published from/to, theme, mentee organisation) select whole rounds and
  whole groups; none reaches inside a group, so none narrows below K. CSV and chart are drawn
  from the same collated groups (CSV: a row per comment carrying its group's figures).
- Errors say nothing either. Someone else's entry, a published one and a missing one are the
  same 404 to a person and the same 403 to any API client (the platform's included), decided
  before any lookup. "Nothing to publish" reads the same whatever is pending. A sponsor's
  report is restricted to their own organisation; a filter naming another gives an empty
  report, the same whether or not it has groups.
- Who reads what. Entries: their author (and RLS says so: author and organisation). Groups:
  the consortium's coordinators and the mentee organisation's admins; other staff 403, other
  tenants 404.

Known limits (not defended): a reader who is also one of a group's contributors knows their
own entry, so K - 1 others remain indistinguishable to them, not K; free text is shown verbatim, so an author
who writes what only they could know identifies themselves (the form tells them); and, as
with any k-anonymity, people who collude (two contributors telling a reader their own texts)
leave the third exposed.
"""
