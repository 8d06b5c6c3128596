"""The role matrix: for every endpoint, which principal gets a 2xx and which a 401/403/404.

This table is documentation as much as a test. Paths are filled with tenant_a's resources:
{organisation_id} is tenant_a, {person_id} a staff record of tenant_a, {consortium_id}
alpha-network (members: tenant_a and gamma; not tenant_b), {job_id} an export tenant_a caused.

Principals (columns, in this order):
  anon      nobody: no token, no session cookie
  staff_a   a person of tenant_a signed in through SSO (cookie session), no role
  admin_a   a person of tenant_a with the org_admin role (session)
  admin_b   a person of tenant_b with the org_admin role (session): another tenant
  coord     a person of gamma (another member of alpha-network) who coordinates it (session)
  client_a  tenant_a's API client holding every organisation scope (bearer token)
  platform  an API client with platform:admin (bearer token)

How to read it: 401 = not signed in; 403 = signed in, but the role/scope does not allow this
kind of request (decided before any lookup, so it reveals nothing); 404 = allowed in general,
but the resource belongs to someone else, so it does not exist for this caller.

Every /api/ route and /auth/session, /auth/logout must have a row: a new endpoint fails
`test_every_endpoint_has_a_row_in_the_matrix` until its row is added here. Each cell runs as a
subtest with a valid request (body, If-Match), so a 2xx is really reachable; writes use fresh
resources per cell that may reach them (2xx, 404; a 401 or 403 cell reuses its row's last
request, since those are decided before any lookup), and POST /auth/logout runs last because
it ends the sessions.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.engine import Engine

from tests.conftest import ApiClient
from tests.factories import Tenant, create_organisation, organisation_client, write_pairing
from tests.identity.role_support import (
    add_admin,
    add_coordinator,
    make_consortium,
    new_person,
    session_roles,
)
from tests.oidc import LocalIdp, sign_in_as

PRINCIPALS = ("anon", "staff_a", "admin_a", "admin_b", "coord", "client_a", "platform")

# fmt: off
MATRIX: dict[tuple[str, str], tuple[int, ...]] = {
    #                                                                       anon  staff_a  admin_a  admin_b    coord client_a platform
    ("GET",    "/api/v1/me"):                                          (     401,     200,     200,     200,     200,     200,     200),
    ("GET",    "/api/v1/organisations"):                               (     401,     200,     200,     200,     200,     200,     200),
    ("POST",   "/api/v1/organisations"):                               (     401,     403,     403,     403,     403,     403,     201),
    ("GET",    "/api/v1/organisations/{organisation_id}"):             (     401,     200,     200,     404,     404,     200,     200),
    ("PATCH",  "/api/v1/organisations/{organisation_id}"):             (     401,     403,     403,     403,     403,     403,     200),
    ("POST",   "/api/v1/organisations/{organisation_id}/exports"):     (     401,     403,     202,     404,     403,     202,     202),
    ("GET",    "/api/v1/organisations/{organisation_id}/sso"):         (     401,     403,     200,     404,     403,     403,     200),
    ("PUT",    "/api/v1/organisations/{organisation_id}/sso"):         (     401,     403,     200,     404,     403,     403,     200),
    ("GET",    "/api/v1/organisations/{organisation_id}/admins"):      (     401,     403,     200,     404,     403,     403,     200),
    ("POST",   "/api/v1/organisations/{organisation_id}/admins"):      (     401,     403,     201,     404,     403,     403,     201),
    ("DELETE", "/api/v1/organisations/{organisation_id}/admins"):      (     401,     403,     204,     404,     403,     403,     204),
    ("GET",    "/api/v1/organisations/{organisation_id}/api-clients"): (     401,     403,     200,     404,     403,     403,     200),
    ("POST",   "/api/v1/organisations/{organisation_id}/api-clients"): (     401,     403,     201,     404,     403,     403,     201),
    ("POST",   "/api/v1/organisations/{organisation_id}/api-clients/{api_client_id}/revoke"): (     401,     403,     200,     404,     403,     403,     200),
    # Webhooks: the organisation's admins and its clients holding webhooks:manage; not even a
    # platform admin (a tenant's integrations are its own).
    ("GET",    "/api/v1/organisations/{organisation_id}/webhooks"): (     401,     403,     200,     404,     403,     200,     404),
    ("POST",   "/api/v1/organisations/{organisation_id}/webhooks"): (     401,     403,     201,     404,     403,     201,     404),
    ("GET",    "/api/v1/organisations/{organisation_id}/webhooks/{webhook_id}"): (     401,     403,     200,     404,     403,     200,     404),
    ("PATCH",  "/api/v1/organisations/{organisation_id}/webhooks/{webhook_id}"): (     401,     403,     200,     404,     403,     200,     404),
    ("GET",    "/api/v1/organisations/{organisation_id}/webhooks/{webhook_id}/deliveries"): (     401,     403,     200,     404,     403,     200,     404),
    ("GET",    "/api/v1/organisations/{organisation_id}/webhooks/{webhook_id}/deliveries/{delivery_id}"): (     401,     403,     200,     404,     403,     200,     404),
    ("POST",   "/api/v1/organisations/{organisation_id}/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver"): (     401,     403,     202,     404,     403,     202,     404),
    ("DELETE", "/api/v1/organisations/{organisation_id}/webhooks/{webhook_id}"): (     401,     403,     204,     404,     403,     204,     404),
    ("GET",    "/api/v1/consortia"):                                   (     401,     200,     200,     200,     200,     200,     200),
    ("POST",   "/api/v1/consortia"):                                   (     401,     403,     403,     403,     403,     403,     201),
    ("GET",    "/api/v1/consortia/{consortium_id}"):                   (     401,     200,     200,     404,     200,     200,     200),
    ("PATCH",  "/api/v1/consortia/{consortium_id}"):                   (     401,     403,     403,     403,     403,     403,     200),
    ("GET",    "/api/v1/consortia/{consortium_id}/members"):           (     401,     200,     200,     404,     200,     200,     200),
    ("POST",   "/api/v1/consortia/{consortium_id}/members"):           (     401,     403,     403,     403,     403,     403,     201),
    ("GET",    "/api/v1/consortia/{consortium_id}/reciprocity"):       (     401,     403,     200,     404,     200,     200,     200),
    ("GET",    "/api/v1/reports/consortia/{consortium_id}/flows"): (     401,     403,     200,     404,     200,     200,     200),
    ("GET",    "/api/v1/reports/consortia/{consortium_id}/utilisation"): (     401,     403,     200,     404,     200,     200,     200),
    ("GET",    "/api/v1/reports/consortia/{consortium_id}/coach-load"): (     401,     403,     200,     404,     200,     200,     200),
    ("GET",    "/api/v1/reports/consortia/{consortium_id}/programme-outcomes"): (     401,     403,     200,     404,     200,     200,     200),
    ("GET",    "/api/v1/reports/consortia/{consortium_id}/time-to-match"): (     401,     403,     200,     404,     200,     200,     200),
    # Report builds (a job): {kind} is flows; {build_id} is a build tenant_a's admin made, in
    # tenant_a's view, so the coordinator and tenant_a's client may read it too.
    ("POST",   "/api/v1/reports/consortia/{consortium_id}/{kind}/builds"): (     401,     403,     202,     404,     202,     202,     202),
    ("GET",    "/api/v1/reports/consortia/{consortium_id}/{kind}/builds/{build_id}"): (     401,     403,     200,     404,     200,     200,     200),
    ("GET",    "/api/v1/reports/consortia/{consortium_id}/{kind}/builds/{build_id}/result"): (     401,     403,     200,     404,     200,     200,     200),
    ("GET",    "/api/v1/consortia/{consortium_id}/coordinators"):      (     401,     200,     200,     404,     200,     200,     200),
    ("POST",   "/api/v1/consortia/{consortium_id}/coordinators"):      (     401,     403,     403,     403,     201,     403,     201),
    ("DELETE", "/api/v1/consortia/{consortium_id}/coordinators"):      (     401,     403,     403,     403,     204,     403,     204),
    ("GET",    "/api/v1/jobs/{job_id}"):                               (     401,     403,     200,     404,     403,     200,     200),
    # /api/v1/people is "your organisation's staff": admin_b reads and writes tenant_b's own.
    # A platform admin has no organisation to create staff records in (403). {person_id} is
    # a colleague of staff_a's; their own record they may read (tests/identity/test_me.py).
    ("GET",    "/api/v1/people"):                                      (     401,     403,     200,     200,     403,     200,     200),
    ("POST",   "/api/v1/people"):                                      (     401,     403,     201,     201,     403,     201,     403),
    ("POST",   "/api/v1/people/import"):                               (     401,     403,     202,     202,     403,     202,     403),
    ("GET",    "/api/v1/people/{person_id}"):                          (     401,     403,     200,     404,     403,     200,     200),
    ("PATCH",  "/api/v1/people/{person_id}"):                          (     401,     403,     200,     404,     403,     200,     200),
    # The pool: {profile_id} is tenant_a's person's profile, released to alpha-network. Every
    # person lists profiles; creating one for a colleague (a fresh person of tenant_a) is for
    # tenant_a's admins and client; others cannot name a tenant_a person (422).
    ("GET",    "/api/v1/mentor-profiles"):                             (     401,     200,     200,     200,     200,     200,     200),
    ("POST",   "/api/v1/mentor-profiles"):                             (     401,     403,     201,     422,     422,     201,     201),
    ("GET",    "/api/v1/mentor-profiles/{profile_id}"):                (     401,     200,     200,     404,     200,     200,     200),
    ("PATCH",  "/api/v1/mentor-profiles/{profile_id}"):                (     401,     403,     200,     404,     403,     200,     200),
    ("POST",   "/api/v1/mentor-profiles/{profile_id}/release"):        (     401,     403,     200,     404,     403,     403,     200),
    ("POST",   "/api/v1/mentor-profiles/{profile_id}/vetting"):        (     401,     403,     200,     404,     200,     403,     200),
    ("GET",    "/api/v1/mentor-profiles/{profile_id}/cpd"):            (     401,     403,     200,     404,     403,     200,     200),
    ("POST",   "/api/v1/mentor-profiles/{profile_id}/cpd"):            (     401,     403,     201,     404,     403,     201,     201),
    # Programmes: {programme_id} is an open programme of alpha-network; {application_id} an
    # application to it by a person of tenant_a (not staff_a). Creating and changing one is for
    # its consortium's coordinators; applying is for signed-in people (a client gets 403).
    # Staff see only their own applications, org admins and clients their staff's, coordinators
    # all; withdrawing is for the applicant or their org admin (the coordinator sees, 403).
    ("GET",    "/api/v1/programmes"):                                  (     401,     200,     200,     200,     200,     200,     200),
    ("POST",   "/api/v1/programmes"):                                  (     401,     403,     403,     403,     201,     403,     201),
    ("GET",    "/api/v1/programmes/{programme_id}"):                   (     401,     200,     200,     404,     200,     200,     200),
    ("PATCH",  "/api/v1/programmes/{programme_id}"):                   (     401,     403,     403,     403,     200,     403,     200),
    ("GET",    "/api/v1/programmes/{programme_id}/applications"):      (     401,     200,     200,     404,     200,     200,     200),
    ("POST",   "/api/v1/programmes/{programme_id}/applications"):      (     401,     201,     201,     404,     201,     403,     403),
    ("GET",    "/api/v1/programmes/{programme_id}/applications/{application_id}"): (401, 404, 200, 404, 200, 200, 200),
    ("POST",   "/api/v1/programmes/{programme_id}/applications/{application_id}/withdraw"): (401, 404, 200, 404, 403, 403, 200),
    # Special-category data is the signed-in person's own: clients and the platform get 403.
    # {consent_id} is staff_a's consent to use their ethnic group for `positive`, a
    # positive-action programme of alpha-network (admin_b cannot see it: 404). The equality
    # report is for the programme's coordinators and the platform.
    ("GET",    "/api/v1/me/sensitive-attributes"):                     (     401,     200,     200,     200,     200,     403,     403),
    ("PUT",    "/api/v1/me/sensitive-attributes"):                     (     401,     200,     200,     200,     200,     403,     403),
    ("DELETE", "/api/v1/me/sensitive-attributes"):                     (     401,     204,     204,     204,     204,     403,     403),
    ("GET",    "/api/v1/me/consents"):                                 (     401,     200,     200,     200,     200,     403,     403),
    ("POST",   "/api/v1/me/consents"):                                 (     401,     200,     201,     404,     201,     403,     403),
    ("GET",    "/api/v1/me/consents/{consent_id}"):                    (     401,     200,     404,     404,     404,     403,     403),
    ("POST",   "/api/v1/me/consents/{consent_id}/withdraw"):           (     401,     200,     404,     404,     404,     403,     403),
    ("GET",    "/api/v1/reports/programmes/{programme_id}/equality"):  (     401,     403,     403,     403,     200,     403,     200),
    # Protected time: {time_approval_id} asks staff_a, the line manager of a tenant_a applicant
    # to `protected` (a programme needing it), to approve the time; each deciding cell gets a
    # fresh request. Only the person asked sees or decides it: everyone else 404 (the list is
    # theirs, empty for anyone asked nothing).
    ("GET",    "/api/v1/me/time-approvals"):                           (     401,     200,     200,     200,     200,     200,     200),
    ("GET",    "/api/v1/time-approvals/{time_approval_id}"):           (     401,     200,     404,     404,     404,     404,     404),
    ("POST",   "/api/v1/time-approvals/{time_approval_id}/approve"):   (     401,     200,     404,     404,     404,     404,     404),
    ("POST",   "/api/v1/time-approvals/{time_approval_id}/decline"):   (     401,     200,     404,     404,     404,     404,     404),
    # Matching runs are the programme's coordinators' (and the platform's); {run_id} is a run
    # the platform started on `programme`. Nobody else holds consortium:coordinate (403).
    ("GET",    "/api/v1/programmes/{programme_id}/matching-runs"):     (     401,     403,     403,     403,     200,     403,     200),
    ("POST",   "/api/v1/programmes/{programme_id}/matching-runs"):     (     401,     403,     403,     403,     202,     403,     202),
    ("GET",    "/api/v1/programmes/{programme_id}/matching-runs/{run_id}"): (401, 403,   403,     403,     200,     403,     200),
    # Pairings: {match_id} pairs a gamma mentor with staff_a (the mentee) in a programme of
    # alpha-network; each action's cell gets a fresh one in the status it needs (proposed to
    # approve or reject, approved to accept, decline or close). admin_a administers the
    # mentee's organisation and client_a is its API client: they see it, but only admin_a may
    # close it. POST proposes one by hand (staff_a's again, once the last has ended). The audit
    # trail is for org admins and coordinators (admin_b sees none of it: an empty list).
    ("GET",    "/api/v1/matches"):                                     (     401,     200,     200,     200,     200,     200,     200),
    ("POST",   "/api/v1/matches"):                                     (     401,     403,     403,     403,     201,     403,     201),
    ("GET",    "/api/v1/matches/{match_id}"):                          (     401,     200,     200,     404,     200,     200,     200),
    ("POST",   "/api/v1/matches/{match_id}/approve"):                  (     401,     403,     403,     404,     200,     403,     200),
    ("POST",   "/api/v1/matches/{match_id}/reject"):                   (     401,     403,     403,     404,     200,     403,     200),
    ("POST",   "/api/v1/matches/{match_id}/accept"):                   (     401,     200,     403,     404,     403,     403,     403),
    ("POST",   "/api/v1/matches/{match_id}/decline"):                  (     401,     200,     403,     404,     403,     403,     403),
    ("POST",   "/api/v1/matches/{match_id}/close"):                    (     401,     200,     200,     404,     200,     403,     200),
    ("GET",    "/api/v1/audit-events"):                                (     401,     403,     200,     200,     200,     403,     200),
    # Availability of {profile_id} (tenant_a's person's profile, released to alpha-network): seen
    # by whoever sees the profile; written by its person or tenant_a's admins and client.
    # {rule_id} and {exception_id} are its; writes get fresh ones. The busy feed (its URL is a
    # secret) is the person's and tenant_a's admins' only. /api/v1/slots searches alpha-network.
    ("GET",    "/api/v1/mentor-profiles/{profile_id}/availability"):   (     401,     200,     200,     404,     200,     200,     200),
    ("POST",   "/api/v1/mentor-profiles/{profile_id}/availability"):   (     401,     403,     201,     404,     403,     201,     201),
    ("GET",    "/api/v1/mentor-profiles/{profile_id}/availability/{rule_id}"): (     401,     200,     200,     404,     200,     200,     200),
    ("PATCH",  "/api/v1/mentor-profiles/{profile_id}/availability/{rule_id}"): (     401,     403,     200,     404,     403,     200,     200),
    ("DELETE", "/api/v1/mentor-profiles/{profile_id}/availability/{rule_id}"): (     401,     403,     204,     404,     403,     204,     204),
    ("GET",    "/api/v1/mentor-profiles/{profile_id}/availability-exceptions"): (     401,     200,     200,     404,     200,     200,     200),
    ("POST",   "/api/v1/mentor-profiles/{profile_id}/availability-exceptions"): (     401,     403,     201,     404,     403,     201,     201),
    ("DELETE", "/api/v1/mentor-profiles/{profile_id}/availability-exceptions/{exception_id}"): (     401,     403,     204,     404,     403,     204,     204),
    ("GET",    "/api/v1/mentor-profiles/{profile_id}/busy-feed"):      (     401,     403,     200,     404,     403,     403,     200),
    ("PUT",    "/api/v1/mentor-profiles/{profile_id}/busy-feed"):      (     401,     403,     200,     404,     403,     403,     200),
    ("DELETE", "/api/v1/mentor-profiles/{profile_id}/busy-feed"):      (     401,     403,     204,     404,     403,     403,     204),
    ("GET",    "/api/v1/mentor-profiles/{profile_id}/slots"):          (     401,     200,     200,     404,     200,     200,     200),
    ("GET",    "/api/v1/slots"):                                       (     401,     200,     200,     404,     200,     200,     200),
    # Sessions of {match_id}, here staff_a's active pairing with Gus, a gamma mentor: booked,
    # moved and marked by the pair; cancelled by the pair or a coordinator. Each writing cell
    # gets a fresh pairing and session ({session_id}), started an hour ago where it must be.
    # Notes and follow-up actions are the pair's only ({note_id}, {action_id} are staff_a's).
    ("GET",    "/api/v1/matches/{match_id}/sessions"):                 (     401,     200,     200,     404,     200,     200,     200),
    ("POST",   "/api/v1/matches/{match_id}/sessions"):                 (     401,     201,     403,     404,     403,     403,     403),
    ("GET",    "/api/v1/matches/{match_id}/sessions/{session_id}"):    (     401,     200,     200,     404,     200,     200,     200),
    ("PATCH",  "/api/v1/matches/{match_id}/sessions/{session_id}"):    (     401,     200,     403,     404,     403,     403,     403),
    ("POST",   "/api/v1/matches/{match_id}/sessions/{session_id}/cancel"): (     401,     200,     403,     404,     200,     403,     200),
    ("POST",   "/api/v1/matches/{match_id}/sessions/{session_id}/held"): (     401,     200,     403,     404,     403,     403,     403),
    ("POST",   "/api/v1/matches/{match_id}/sessions/{session_id}/no-show"): (     401,     200,     403,     404,     403,     403,     403),
    ("GET",    "/api/v1/matches/{match_id}/sessions/{session_id}/notes"): (     401,     200,     404,     404,     404,     404,     404),
    ("POST",   "/api/v1/matches/{match_id}/sessions/{session_id}/notes"): (     401,     201,     404,     404,     404,     404,     404),
    ("GET",    "/api/v1/matches/{match_id}/sessions/{session_id}/notes/{note_id}"): (     401,     200,     404,     404,     404,     404,     404),
    ("PATCH",  "/api/v1/matches/{match_id}/sessions/{session_id}/notes/{note_id}"): (     401,     200,     404,     404,     404,     404,     404),
    ("DELETE", "/api/v1/matches/{match_id}/sessions/{session_id}/notes/{note_id}"): (     401,     204,     404,     404,     404,     404,     404),
    ("GET",    "/api/v1/matches/{match_id}/sessions/{session_id}/actions"): (     401,     200,     404,     404,     404,     404,     404),
    ("POST",   "/api/v1/matches/{match_id}/sessions/{session_id}/actions"): (     401,     201,     404,     404,     404,     404,     404),
    ("GET",    "/api/v1/matches/{match_id}/sessions/{session_id}/actions/{action_id}"): (     401,     200,     404,     404,     404,     404,     404),
    ("PATCH",  "/api/v1/matches/{match_id}/sessions/{session_id}/actions/{action_id}"): (     401,     200,     404,     404,     404,     404,     404),
    ("GET",    "/api/v1/matches/{match_id}/goals"):                    (     401,     200,     200,     404,     200,     200,     200),
    ("GET",    "/api/v1/matches/{match_id}/sessions/{session_id}/goal-reviews"): (     401,     200,     200,     404,     200,     200,     200),
    ("PUT",    "/api/v1/matches/{match_id}/sessions/{session_id}/goal-reviews"): (     401,     200,     403,     404,     403,     403,     403),
    # Reverse mentoring feedback: {entry_id} is staff_a's pending entry as the junior mentor
    # of a gamma senior in alpha-network's reverse mentoring programme (each cell that reaches
    # one writes a fresh one). Entries are their author's alone: other people get 404, API
    # clients (the platform's included) 403. {programme_id} is a plain mentoring programme:
    # publishing a round of it is refused (409) once the caller may publish; the collated
    # report is the coordinators', the platform's and member org admins' (their own groups).
    ("GET",    "/api/v1/insight-entries"):                             (     401,     200,     200,     200,     200,     403,     403),
    ("POST",   "/api/v1/insight-entries"):                             (     401,     201,     403,     404,     403,     403,     403),
    ("GET",    "/api/v1/insight-entries/{entry_id}"):                  (     401,     200,     404,     404,     404,     403,     403),
    ("PATCH",  "/api/v1/insight-entries/{entry_id}"):                  (     401,     200,     404,     404,     404,     403,     403),
    ("DELETE", "/api/v1/insight-entries/{entry_id}"):                  (     401,     204,     404,     404,     404,     403,     403),
    ("POST",   "/api/v1/programmes/{programme_id}/insight-rounds"):    (     401,     403,     403,     403,     409,     403,     409),
    ("GET",    "/api/v1/programmes/{programme_id}/insights"):          (     401,     403,     200,     404,     200,     403,     200),
    # Feedback and evaluation of staff_a's pairing with Gus: given by the pair only (anyone
    # else, admins and coordinators included, gets 404); PUT needs a held session, POST an
    # ended pairing (fresh ones per cell). Coordinators (and the platform) read evaluations,
    # and the feedback left for them through the programme. The evaluation report is for
    # coordinators and member organisations' admins and clients (staff 403, admin_b 404).
    ("GET",    "/api/v1/matches/{match_id}/sessions/{session_id}/feedback"): (     401,     200,     404,     404,     404,     404,     404),
    ("PUT",    "/api/v1/matches/{match_id}/sessions/{session_id}/feedback"): (     401,     200,     404,     404,     404,     404,     404),
    ("GET",    "/api/v1/matches/{match_id}/evaluations"):              (     401,     200,     404,     404,     200,     404,     200),
    ("POST",   "/api/v1/matches/{match_id}/evaluations"):              (     401,     201,     404,     404,     404,     404,     404),
    ("GET",    "/api/v1/programmes/{programme_id}/feedback"):          (     401,     403,     403,     403,     200,     403,     200),
    ("GET",    "/api/v1/programmes/{programme_id}/evaluation-report"): (     401,     403,     200,     404,     200,     200,     200),
    # GDPR: a person's own export ({export_id} is staff_a's): theirs alone, whoever else asks
    # (404); bearer clients have no person (403). Erasing a staff record ({person_id} here is
    # a fresh leaver of tenant_a per cell) is for its organisation's admins (and the platform).
    ("POST",   "/api/v1/me/exports"):                                  (     401,     202,     202,     202,     202,     403,     403),
    ("GET",    "/api/v1/me/exports/{export_id}"):                      (     401,     200,     404,     404,     404,     403,     403),
    ("GET",    "/api/v1/me/exports/{export_id}/download"):             (     401,     200,     404,     404,     404,     403,     403),
    ("POST",   "/api/v1/organisations/{organisation_id}/people/{person_id}/erasure"): (     401,     403,     200,     404,     403,     403,     200),
    # Concerns about {match_id} (staff_a's pairing, staff_a the mentee): raised and listed by
    # the pair only (everyone else who sees the pairing 403, admin_b 404). The queue, a
    # concern ({concern_id}, staff_a's) and its actions are the coordinators' only, as people:
    # no organisation's admins or clients, not the platform's client (403). Each action's
    # cell gets a fresh concern (and an active pairing, paused for resume); rematch comes last
    # (it ends staff_a's pairing with Gus for good).
    ("POST",   "/api/v1/matches/{match_id}/concerns"):                 (     401,     201,     403,     404,     403,     403,     403),
    ("GET",    "/api/v1/matches/{match_id}/concerns"):                 (     401,     200,     403,     404,     403,     403,     403),
    ("GET",    "/api/v1/consortia/{consortium_id}/concerns"):          (     401,     403,     403,     403,     200,     403,     403),
    ("GET",    "/api/v1/consortia/{consortium_id}/concerns/{concern_id}"): (     401,     403,     403,     403,     200,     403,     403),
    ("POST",   "/api/v1/consortia/{consortium_id}/concerns/{concern_id}/acknowledge"): (     401,     403,     403,     403,     200,     403,     403),
    ("POST",   "/api/v1/consortia/{consortium_id}/concerns/{concern_id}/pause"): (     401,     403,     403,     403,     200,     403,     403),
    ("POST",   "/api/v1/consortia/{consortium_id}/concerns/{concern_id}/resume"): (     401,     403,     403,     403,     200,     403,     403),
    ("POST",   "/api/v1/consortia/{consortium_id}/concerns/{concern_id}/resolve"): (     401,     403,     403,     403,     200,     403,     403),
    ("POST",   "/api/v1/consortia/{consortium_id}/concerns/{concern_id}/rematch"): (     401,     403,     403,     403,     200,     403,     403),
    # A calendar feed is a person's own: bearer clients have none (403).
    ("GET",    "/api/v1/me/calendar"):                                 (     401,     200,     200,     200,     200,     403,     403),
    ("POST",   "/api/v1/me/calendar/rotate"):                          (     401,     200,     200,     200,     200,     403,     403),
    # Sessions are for people; a bearer client has none. Logging out is always allowed (last).
    ("GET",    "/auth/session"):                                       (     401,     200,     200,     200,     200,     401,     401),
    ("POST",   "/auth/logout"):                                        (     204,     204,     204,     204,     204,     204,     204),
}
# fmt: on

SESSION_ROUTES = {"/auth/session", "/auth/logout"}
# What a refused request must not have changed (login sessions are left out: reading one
# refreshes its last_seen_at).
STATE_TABLES = (
    "organisations",
    "people",
    "api_clients",
    "consortia",
    "consortium_memberships",
    "role_assignments",
    "sso_configurations",
    "jobs",
    "webhook_endpoints",
    "webhook_deliveries",
    "mentor_profiles",
    "mentor_profile_shares",
    "vetting_decisions",
    "cpd_entries",
    "programmes",
    "applications",
    "sensitive_attributes",
    "consents",
    "time_approvals",
    "matches",
    "audit_events",
    "availability_rules",
    "availability_exceptions",
    "busy_feeds",
    "mentoring_sessions",
    "session_attendees",
    "session_notes",
    "session_actions",
    "match_goals",
    "goal_reviews",
    "calendar_feeds",
    "insight_entries",
    "insight_rounds",
    "insight_groups",
    "session_feedback",
    "pairing_evaluations",
    "personal_exports",
    "concerns",
)
IGNORED_METHODS = {"HEAD", "OPTIONS"}


def _template(rule: str) -> str:
    """/x/<uuid:organisation_id> → /x/{organisation_id}"""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def _matrix_routes(app: Flask) -> set[tuple[str, str]]:
    return {
        (method, _template(rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/") or rule.rule in SESSION_ROUTES
        for method in rule.methods - IGNORED_METHODS
    }


def _state(engine: Engine) -> dict[str, tuple[int, Any]]:
    """Rows and the latest change per table, read as the owner (RLS hides nothing)."""
    # One statement for every table (each cell reads this once or twice).
    sql = " UNION ALL ".join(
        f"SELECT '{t}', count(*), max(updated_at) FROM {t}" for t in STATE_TABLES
    )
    with engine.connect() as c:
        return {t: (count, latest) for t, count, latest in c.execute(text(sql))}


def render() -> str:
    """The matrix as text (printed by the test; run with -s to see it)."""
    width = max(len(f"{m} {p}") for m, p in MATRIX)
    lines = [f"{'':{width}}  " + " ".join(f"{p:>8}" for p in PRINCIPALS)]
    for (method, path), statuses in MATRIX.items():
        lines.append(f"{method + ' ' + path:{width}}  " + " ".join(f"{s:>8}" for s in statuses))
    return "\n".join(lines)


# --- the world the cells run in -------------------------------------------------------------


@dataclass
class World:
    app: Flask
    platform: ApiClient
    a: Tenant
    b: Tenant
    gamma: Tenant
    network: dict[str, Any]
    job: dict[str, Any]
    sso_a: dict[str, str]
    profile: dict[str, Any] = field(default_factory=dict)
    programme: dict[str, Any] = field(default_factory=dict)
    application: dict[str, Any] = field(default_factory=dict)
    applicant: Any = None  # the browser of the person who made `application`
    positive: dict[str, Any] = field(default_factory=dict)  # a positive-action programme
    consent: dict[str, Any] = field(default_factory=dict)  # staff_a's consent for `positive`
    run: dict[str, Any] = field(default_factory=dict)  # a matching run of `programme`
    # A gamma mentor's profile (released, vetted), a programme staff_a applied to, and
    # staff_a's pairing with that mentor in it (replaced by the cells that act on it).
    pairing_programme: dict[str, Any] = field(default_factory=dict)
    pairing_application: dict[str, Any] = field(default_factory=dict)
    match: dict[str, Any] = field(default_factory=dict)
    principals: dict[str, Any] = field(default_factory=dict)
    # The principal of the cell being built: a pairing's ETag is read as them, since what a
    # pairing shows depends on who reads it (a pause, a no-fault ending's who and why).
    cell: str = "platform"
    owner_engine: Any = None
    # Availability of `profile`: a rule and a day off (writes replace them with fresh ones).
    rule: dict[str, Any] = field(default_factory=dict)
    exception: dict[str, Any] = field(default_factory=dict)
    # Gus, a signed-in gamma mentor with availability every day, who pairs with staff_a for
    # the session cells; a session of theirs with staff_a's note and action.
    gus: Any = None
    gus_profile: dict[str, Any] = field(default_factory=dict)
    session: dict[str, Any] = field(default_factory=dict)
    note: dict[str, Any] = field(default_factory=dict)
    action: dict[str, Any] = field(default_factory=dict)
    # The standing pairing, session, note and action the read-only cells use.
    standing: dict[str, dict[str, Any]] = field(default_factory=dict)
    # tenant_a's webhook endpoint (an address that does not resolve) and a delivery to it;
    # the DELETE cells replace the endpoint with a fresh one each.
    webhook: dict[str, Any] = field(default_factory=dict)
    delivery: dict[str, Any] = field(default_factory=dict)
    standing_webhook: dict[str, Any] = field(default_factory=dict)
    # An API client of tenant_a to revoke: a fresh one per cell (_fresh_api_client).
    api_client: dict[str, Any] = field(default_factory=dict)
    # staff_a's pairing as the junior mentor of a gamma senior in a reverse mentoring
    # programme of alpha-network, and staff_a's pending feedback entry (fresh per cell).
    insight_match_id: str = ""
    insight_entry: dict[str, Any] = field(default_factory=dict)
    # A flows report build tenant_a's admin made (in tenant_a's view).
    build: dict[str, Any] = field(default_factory=dict)
    # staff_a's own data export.
    export: dict[str, Any] = field(default_factory=dict)
    # staff_a's concern about their pairing (the actions' cells replace it with fresh ones).
    concern: dict[str, Any] = field(default_factory=dict)
    # A programme needing protected time, staff_a's report applying to it (their browser and
    # open application), and the request to staff_a that the application made.
    protected: dict[str, Any] = field(default_factory=dict)
    report: Any = None
    report_application: dict[str, Any] = field(default_factory=dict)
    time_approval_id: str = ""

    def ids(self) -> dict[str, str]:
        return {
            "organisation_id": self.a.id,
            "person_id": str(self.a.person["id"]),
            "consortium_id": str(self.network["id"]),
            "job_id": str(self.job["id"]),
            "kind": "flows",
            "build_id": str(self.build.get("id", "")),
            "profile_id": str(self.profile["id"]),
            "programme_id": str(self.programme["id"]),
            "application_id": str(self.application["id"]),
            "consent_id": str(self.consent["id"]),
            "run_id": str(self.run["id"]),
            "match_id": str(self.match["id"]),
            "rule_id": str(self.rule["id"]),
            "exception_id": str(self.exception["id"]),
            "session_id": str(self.session["id"]),
            "note_id": str(self.note["id"]),
            "action_id": str(self.action["id"]),
            # Made last (see _webhooks_world): absent while the rest of the world is built.
            **(
                {"webhook_id": str(self.webhook["id"]), "delivery_id": str(self.delivery["id"])}
                if self.delivery
                else {}
            ),
            **({"api_client_id": str(self.api_client["id"])} if self.api_client else {}),
            **({"entry_id": str(self.insight_entry["id"])} if self.insight_entry else {}),
            **({"export_id": str(self.export["id"])} if self.export else {}),
            **({"concern_id": str(self.concern["id"])} if self.concern else {}),
            **({"time_approval_id": self.time_approval_id} if self.time_approval_id else {}),
        }


@dataclass
class Call:
    json: Any = None
    data: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] | None = None
    # Path arguments of this cell's own (e.g. a fresh person to erase), over World.ids().
    path_ids: dict[str, str] = field(default_factory=dict)


_unique = itertools.count(1)


def _if_match(path: str) -> Callable[[World], Call]:
    """A PATCH with the resource's current ETag (fetched by the platform) and a harmless body."""
    bodies = {
        "/api/v1/organisations/{organisation_id}": {"name": "Alpha Trust"},
        "/api/v1/consortia/{consortium_id}": {"name": "Alpha Network"},
        "/api/v1/people/{person_id}": {"job_title": "Mentor"},
        "/api/v1/mentor-profiles/{profile_id}": {"bio": "Happy to mentor."},
        "/api/v1/programmes/{programme_id}": {"description": "Mentoring across the network."},
    }

    def make(w: World) -> Call:
        url = path.format(**w.ids())
        response = w.platform.get(url)
        assert response.status_code == 200, response.get_json()
        return Call(json=bodies[path], headers={"If-Match": response.headers["ETag"]})

    return make


def _fresh_admin(w: World) -> Call:
    person = new_person(w.a, "admin")
    add_admin(w.platform, w.a.id, person["id"])
    return Call(json={"person_id": person["id"]})


def _fresh_coordinator(w: World) -> Call:
    person = new_person(w.a, "coord")
    add_coordinator(w.platform, str(w.network["id"]), person["id"])
    return Call(json={"person_id": person["id"]})


def _fresh_member(w: World) -> Call:
    organisation = create_organisation(w.platform, f"member-{next(_unique)}", "fire")
    return Call(json={"organisation_id": organisation["id"]})


def _programme(w: World) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "consortium_id": str(w.network["id"]),
        "name": f"Network Mentoring {next(_unique)}",
        "type": "mentoring",
        "status": "open",
        "application_window": {
            "opens_at": (now - timedelta(days=1)).isoformat(),
            "closes_at": (now + timedelta(days=30)).isoformat(),
        },
    }


GOALS = {"goals": [{"statement": "Lead a team.", "success_measure": "A team led."}]}


def _valid_consent(w: World) -> Call:
    """staff_a consents again for `positive` (a withdrawn consent is replaced by a new one)."""
    response = w.principals["staff_a"].post(
        "/api/v1/me/consents", json={"programme_id": w.positive["id"]}
    )
    assert response.status_code in (200, 201), response.get_json()
    w.consent = response.get_json()
    return Call()


def _fresh_application(w: World) -> Call:
    """The applicant withdraws their application and applies again: an open one per cell."""
    url = f"/api/v1/programmes/{w.programme['id']}/applications"
    w.applicant.post(f"{url}/{w.application['id']}/withdraw")
    response = w.applicant.post(url, json=GOALS)
    assert response.status_code == 201, response.get_json()
    w.application = response.get_json()
    return Call()


def _csv(w: World) -> Call:
    n = next(_unique)
    text = f"given_name,family_name,email\nIm,Ported{n},imported.{n}@alpha-trust.example.org\n"
    return Call(data=text.encode(), headers={"Content-Type": "text/csv"})


def _end_live_pairings(w: World, programme_id: str) -> None:
    """The platform ends every live pairing in the programme (a proposal is rejected, an
    approved or active one closed), so its mentees may be proposed again."""
    for status, action in (("proposed", "reject"), ("approved", "close"), ("active", "close")):
        response = w.platform.get(
            "/api/v1/matches",
            query_string={"programme_id": programme_id, "status": status, "page_size": 100},
        )
        assert response.status_code == 200, response.get_json()
        for match in response.get_json():
            url = f"/api/v1/matches/{match['id']}"
            etag = w.platform.get(url).headers["ETag"]
            ended = w.platform.post(
                f"{url}/{action}", json={"reason": "Next cell."}, headers={"If-Match": etag}
            )
            assert ended.status_code == 200, ended.get_json()


def _gamma_mentor(w: World, person: dict[str, Any] | None = None) -> dict[str, Any]:
    """A released, vetted profile of a gamma-fire mentor: `person`, or someone new (a pair
    declined or rejected by an earlier cell is never proposed again, so each proposal gets its
    own mentor)."""
    mentor = person or new_person(w.gamma, "mentor")
    response = w.gamma.api.post(
        "/api/v1/mentor-profiles",
        json={
            "person_id": mentor["id"],
            "modalities": ["mentoring"],
            "capacity": 10,
            "sharing": {"scope": "consortium"},
        },
    )
    assert response.status_code == 201, response.get_json()
    profile_url = f"/api/v1/mentor-profiles/{response.get_json()['id']}"
    assert w.platform.post(f"{profile_url}/release").status_code == 200
    response = w.platform.post(
        f"{profile_url}/vetting",
        json={"status": "approved", "expires_on": "2099-12-31", "note": None},
    )
    assert response.status_code == 200, response.get_json()
    return dict(response.get_json())


def _proposal_body(w: World, application: dict[str, Any]) -> dict[str, Any]:
    return {"application_id": application["id"], "mentor_profile_id": _gamma_mentor(w)["id"]}


def _fresh_proposal(w: World) -> Call:
    _end_live_pairings(w, str(w.pairing_programme["id"]))
    return Call(json=_proposal_body(w, w.pairing_application))


def _fresh_match(status: str, *, reason: bool = False) -> Callable[[World], Call]:
    """staff_a's pairing with the gamma mentor, new and in `status`, with its ETag."""

    def make(w: World) -> Call:
        _end_live_pairings(w, str(w.pairing_programme["id"]))
        response = w.platform.post("/api/v1/matches", json=_proposal_body(w, w.pairing_application))
        assert response.status_code == 201, response.get_json()
        w.match = response.get_json()
        url = f"/api/v1/matches/{w.match['id']}"
        if status == "approved":
            etag = w.platform.get(url).headers["ETag"]
            response = w.platform.post(f"{url}/approve", headers={"If-Match": etag})
            assert response.status_code == 200, response.get_json()
        reader = w.principals.get(w.cell, w.platform)
        response = reader.get(url)
        etag = (response if response.status_code == 200 else w.platform.get(url)).headers["ETag"]
        body = {"reason": "The role matrix ends it."} if reason else None
        return Call(json=body, headers={"If-Match": etag})

    return make


# --- availability and sessions ----------------------------------------------------------------

RULE = {"dtstart": "2026-01-01T07:00:00", "duration_minutes": 840, "rrule": "FREQ=DAILY"}
_day = itertools.count(3)


def _profile_url(w: World) -> str:
    return f"/api/v1/mentor-profiles/{w.profile['id']}"


def _fresh_rule(w: World) -> dict[str, Any]:
    response = w.platform.post(f"{_profile_url(w)}/availability", json=RULE)
    assert response.status_code == 201, response.get_json()
    w.rule = response.get_json()
    return w.rule


def _fresh_rule_etag(w: World) -> Call:
    etag = w.platform.get(f"{_profile_url(w)}/availability/{_fresh_rule(w)['id']}").headers["ETag"]
    return Call(headers={"If-Match": etag})


def _rule_change(w: World) -> Call:
    return Call(json={"duration_minutes": 600}, headers=_fresh_rule_etag(w).headers)


def _fresh_exception(w: World) -> Call:
    response = w.platform.post(
        f"{_profile_url(w)}/availability-exceptions",
        json={"starts_on": "2030-12-24", "ends_on": "2030-12-26", "reason": "Leave"},
    )
    assert response.status_code == 201, response.get_json()
    w.exception = response.get_json()
    return Call()


def _fresh_busy_feed(w: World) -> Call:
    response = w.platform.put(f"{_profile_url(w)}/busy-feed", json=BUSY_FEED)
    assert response.status_code in (200, 201), response.get_json()
    return Call()


BUSY_FEED = {"url": "https://calendar.example.invalid/free-busy.ics"}


def _week() -> dict[str, str]:
    now = datetime.now(UTC)
    return {"start": now.isoformat(), "end": (now + timedelta(days=7)).isoformat()}


def _times(days_ahead: int) -> dict[str, str]:
    """An hour at 10:00 UTC `days_ahead` days from now: inside Gus's 07:00-21:00 (London)."""
    day = datetime.now(UTC).date() + timedelta(days=days_ahead)
    start = datetime(day.year, day.month, day.day, 10, tzinfo=UTC)
    return {"start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat()}


def _active_pair(w: World) -> dict[str, Any]:
    """A new pairing of staff_a with Gus, approved and accepted by both: active."""
    _end_live_pairings(w, str(w.pairing_programme["id"]))
    response = w.platform.post(
        "/api/v1/matches",
        json={
            "application_id": w.pairing_application["id"],
            "mentor_profile_id": w.gus_profile["id"],
        },
    )
    assert response.status_code == 201, response.get_json()
    url = f"/api/v1/matches/{response.get_json()['id']}"
    for caller, action in (
        (w.platform, "approve"),
        (w.gus, "accept"),
        (w.principals["staff_a"], "accept"),
    ):
        etag = caller.get(url).headers["ETag"]
        response = caller.post(f"{url}/{action}", headers={"If-Match": etag})
        assert response.status_code == 200, response.get_json()
    w.match = response.get_json()
    return w.match


def _book(w: World, *, started: bool = False) -> dict[str, Any]:
    """staff_a books a session of the current pairing on a day of its own; `started` moves
    it (as the database owner) to have begun an hour ago, as held and no-show need."""
    staff_a = w.principals["staff_a"]
    url = f"/api/v1/matches/{w.match['id']}/sessions"
    response = staff_a.post(url, json={**_times(next(_day)), "mode": "virtual"})
    assert response.status_code == 201, response.get_json()
    session = response.get_json()
    if started:
        hours = 2 * next(_day)  # a past hour of its own, so no two moved sessions overlap
        with w.owner_engine.begin() as c:
            for table, key in (("mentoring_sessions", "id"), ("session_attendees", "session_id")):
                c.execute(
                    text(
                        f"UPDATE {table} SET starts_at = now() - make_interval(hours => :h),"
                        f" ends_at = now() - make_interval(hours => :h) + interval '1 hour'"
                        f" WHERE {key} = :s"
                    ),
                    {"h": hours, "s": session["id"]},
                )
    w.session = session
    return session


def _session_url(w: World) -> str:
    return f"/api/v1/matches/{w.match['id']}/sessions/{w.session['id']}"


def _the_session(w: World) -> Call:
    """The standing pairing, session, note and action (read-only cells)."""
    w.match, w.session, w.note, w.action = (
        w.standing[k] for k in ("match", "session", "note", "action")
    )
    return Call()


def _fresh_session(
    *, started: bool = False, held: bool = False, body: Callable[[World], Any] | None = None
) -> Callable[[World], Call]:
    """A fresh active pairing and session; the call carries the session's ETag."""

    def make(w: World) -> Call:
        _active_pair(w)
        _book(w, started=started or held)
        if held:
            etag = w.gus.get(_session_url(w)).headers["ETag"]
            response = w.gus.post(f"{_session_url(w)}/held", headers={"If-Match": etag})
            assert response.status_code == 200, response.get_json()
        etag = w.gus.get(_session_url(w)).headers["ETag"]
        return Call(json=body(w) if body else None, headers={"If-Match": etag})

    return make


def _fresh_note(w: World) -> Call:
    _fresh_session()(w)
    response = w.principals["staff_a"].post(
        f"{_session_url(w)}/notes", json={"kind": "shared", "body": "Agenda."}
    )
    assert response.status_code == 201, response.get_json()
    w.note = response.get_json()
    return Call(json={"body": "Agenda, revised."}, headers={"If-Match": "*"})


def _fresh_action(w: World) -> Call:
    _fresh_session()(w)
    response = w.principals["staff_a"].post(
        f"{_session_url(w)}/actions", json={"description": "Draft a plan.", "owner": "mentee"}
    )
    assert response.status_code == 201, response.get_json()
    w.action = response.get_json()
    return Call(json={"done": True}, headers={"If-Match": "*"})


def _goal_reviews(w: World) -> Call:
    _fresh_session(held=True)(w)
    goals = w.gus.get(f"/api/v1/matches/{w.match['id']}/goals").get_json()
    etag = w.gus.get(f"{_session_url(w)}/goal-reviews").headers["ETag"]
    return Call(
        json=[{"goal_id": goals[0]["id"], "rating": 3, "comment": "Halfway."}],
        headers={"If-Match": etag},
    )


def _feedback(w: World) -> Call:
    """A fresh held session; the If-Match is staff_a's (the mentee's) feedback list's ETag."""
    _fresh_session(held=True)(w)
    etag = w.principals["staff_a"].get(f"{_session_url(w)}/feedback").headers["ETag"]
    return Call(json={"rating": 4, "visibility": "pair"}, headers={"If-Match": etag})


def _ended_pair(w: World) -> Call:
    """A fresh pairing of staff_a with Gus, active and then closed by the platform; the body
    rates its goal."""
    _active_pair(w)
    url = f"/api/v1/matches/{w.match['id']}"
    etag = w.platform.get(url).headers["ETag"]
    response = w.platform.post(
        f"{url}/close", json={"reason": "Done."}, headers={"If-Match": etag}
    )
    assert response.status_code == 200, response.get_json()
    goals = w.platform.get(f"{url}/goals").get_json()
    return Call(
        json={
            "goals": [{"goal_id": g["id"], "outcome": "met"} for g in goals],
            "what_changed": "Confidence.",
            "would_recommend": True,
            "hours_given": 6,
            "overall_rating": 4,
        }
    )
# --- concerns ---------------------------------------------------------------------------------

CONCERN = {"kind": "not_working", "details": "We cannot agree what the sessions are for."}


def _concern_url(w: World, action: str = "") -> str:
    url = f"/api/v1/consortia/{w.network['id']}/concerns/{w.concern['id']}"
    return f"{url}/{action}" if action else url


def _raise_concern(w: World, match: dict[str, Any]) -> dict[str, Any]:
    response = w.principals["staff_a"].post(f"/api/v1/matches/{match['id']}/concerns", json=CONCERN)
    assert response.status_code == 201, response.get_json()
    w.concern = response.get_json()
    return w.concern


def _fresh_concern(
    *, active: bool = False, paused: bool = False, body: dict[str, Any] | None = None
) -> Callable[[World], Call]:
    """A new concern of staff_a's (about a new active pairing when `active`; paused by the
    coordinator when `paused`); the call carries its ETag, read by the coordinator."""

    def make(w: World) -> Call:
        _raise_concern(w, _active_pair(w) if active or paused else w.standing["match"])
        coord = w.principals["coord"]
        if paused:
            etag = coord.get(_concern_url(w)).headers["ETag"]
            response = coord.post(_concern_url(w, "pause"), json={}, headers={"If-Match": etag})
            assert response.status_code == 200, response.get_json()
        etag = coord.get(_concern_url(w)).headers["ETag"]
        return Call(json=body or {}, headers={"If-Match": etag})

    return make


def _fresh_time_approval(w: World) -> Call:
    """staff_a's report withdraws their application to `protected` (if open) and applies
    again: a new pending request to staff_a."""
    base = f"/api/v1/programmes/{w.protected['id']}/applications"
    if w.report_application:
        w.report.post(f"{base}/{w.report_application['id']}/withdraw")
    response = w.report.post(base, json=GOALS)
    assert response.status_code == 201, response.get_json()
    w.report_application = response.get_json()
    with w.owner_engine.connect() as c:
        w.time_approval_id = str(
            c.execute(
                text("SELECT id FROM time_approvals WHERE application_id = :a"),
                {"a": w.report_application["id"]},
            ).scalar_one()
        )
    return Call()


# How to make a valid request for a row (default: no body). Writes get fresh resources per cell.
WEBHOOKS = "/api/v1/organisations/{organisation_id}/webhooks"


def _new_webhook(w: World) -> dict[str, Any]:
    response = w.a.api.post(
        WEBHOOKS.format(organisation_id=w.a.id),
        json={"url": "https://hooks.example.invalid/matrix", "event_types": ["person.provisioned"]},
    )
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


def _webhooks_world(w: World) -> None:
    """tenant_a's endpoint and a delivery to it (retrying: its address does not resolve)."""
    w.webhook = w.standing_webhook = _new_webhook(w)
    new_person(w.a, "announced")
    url = WEBHOOKS.format(organisation_id=w.a.id) + f"/{w.webhook['id']}/deliveries"
    (w.delivery,) = w.a.api.get(url).get_json()


def _the_webhook(w: World) -> Call:
    w.webhook = w.standing_webhook
    return Call()


def _webhook_change(w: World) -> Call:
    w.webhook = w.standing_webhook
    etag = w.a.api.get(f"{WEBHOOKS}/{{webhook_id}}".format(**w.ids())).headers["ETag"]
    return Call(json={"description": "Matrix"}, headers={"If-Match": etag})


def _fresh_api_client(w: World) -> Call:
    response = w.platform.post(
        f"/api/v1/organisations/{w.a.id}/api-clients",
        json={"name": f"matrix {next(_unique)}", "scopes": ["people:read"]},
    )
    assert response.status_code == 201, response.get_json()
    w.api_client = response.get_json()
    return Call()


def _fresh_webhook(w: World) -> Call:
    w.webhook = _new_webhook(w)
    etag = w.a.api.get(f"{WEBHOOKS}/{{webhook_id}}".format(**w.ids())).headers["ETag"]
    return Call(headers={"If-Match": etag})


# --- reverse mentoring feedback ---------------------------------------------------------------

INSIGHT = {"theme": "culture", "sentiment": 4, "comment": "Decisions wait for the board."}


def _insights_world(w: World) -> None:
    """A reverse mentoring programme of alpha-network; staff_a mentors a gamma senior in it."""
    response = w.platform.post(
        "/api/v1/programmes",
        json={**_programme(w), "name": "Reverse Mentoring", "type": "reverse_mentoring"},
    )
    assert response.status_code == 201, response.get_json()
    staff_a = w.principals["staff_a"].get("/api/v1/me").get_json()
    senior = new_person(w.gamma, "senior", seniority=8)
    w.insight_match_id = write_pairing(
        w.app,
        programme=response.get_json(),
        mentor_id=str(staff_a["id"]),
        mentor_organisation_id=w.a.id,
        mentee_id=str(senior["id"]),
        mentee_organisation_id=w.gamma.id,
    )
    _fresh_entry(w)


def _clear_entries(w: World) -> None:
    with w.owner_engine.begin() as c:
        c.execute(text("DELETE FROM insight_entries"))


def _new_entry(w: World) -> Call:
    _clear_entries(w)
    return Call(json={"match_id": w.insight_match_id, **INSIGHT})


def _fresh_entry(w: World) -> Call:
    """staff_a's pending entry, written anew, with its ETag (and a change to send)."""
    _clear_entries(w)
    staff_a = w.principals["staff_a"]
    response = staff_a.post("/api/v1/insight-entries", json=_new_entry(w).json)
    assert response.status_code == 201, response.get_json()
    w.insight_entry = response.get_json()
    etag = staff_a.get(f"/api/v1/insight-entries/{w.insight_entry['id']}").headers["ETag"]
    return Call(json={"sentiment": 2}, headers={"If-Match": etag})


def _fresh_entry_etag(w: World) -> Call:
    return Call(headers=_fresh_entry(w).headers)


def _fresh_entry_read(w: World) -> Call:
    _fresh_entry(w)
    return Call()


REQUESTS: dict[tuple[str, str], Callable[[World], Call]] = {
    ("POST", "/api/v1/matches/{match_id}/concerns"): lambda w: Call(json=CONCERN),
    (
        "POST",
        "/api/v1/consortia/{consortium_id}/concerns/{concern_id}/acknowledge",
    ): _fresh_concern(),
    ("POST", "/api/v1/consortia/{consortium_id}/concerns/{concern_id}/pause"): _fresh_concern(
        active=True
    ),
    ("POST", "/api/v1/consortia/{consortium_id}/concerns/{concern_id}/resume"): _fresh_concern(
        paused=True
    ),
    ("POST", "/api/v1/consortia/{consortium_id}/concerns/{concern_id}/resolve"): _fresh_concern(
        body={"outcome": "Spoke to both; resolved."}
    ),
    ("POST", "/api/v1/consortia/{consortium_id}/concerns/{concern_id}/rematch"): _fresh_concern(
        active=True
    ),
    ("POST", "/api/v1/time-approvals/{time_approval_id}/approve"): _fresh_time_approval,
    ("POST", "/api/v1/time-approvals/{time_approval_id}/decline"): _fresh_time_approval,
    (
        "POST",
        "/api/v1/organisations/{organisation_id}/api-clients/{api_client_id}/revoke",
    ): _fresh_api_client,
    ("POST", "/api/v1/mentor-profiles/{profile_id}/availability"): lambda w: Call(json=RULE),
    ("PATCH", "/api/v1/mentor-profiles/{profile_id}/availability/{rule_id}"): _rule_change,
    ("DELETE", "/api/v1/mentor-profiles/{profile_id}/availability/{rule_id}"): _fresh_rule_etag,
    ("POST", "/api/v1/mentor-profiles/{profile_id}/availability-exceptions"): lambda w: Call(
        json={"starts_on": "2031-01-01", "ends_on": "2031-01-01"}
    ),
    (
        "DELETE",
        "/api/v1/mentor-profiles/{profile_id}/availability-exceptions/{exception_id}",
    ): _fresh_exception,
    ("GET", "/api/v1/mentor-profiles/{profile_id}/busy-feed"): _fresh_busy_feed,
    ("PUT", "/api/v1/mentor-profiles/{profile_id}/busy-feed"): lambda w: Call(json=BUSY_FEED),
    ("DELETE", "/api/v1/mentor-profiles/{profile_id}/busy-feed"): _fresh_busy_feed,
    ("GET", "/api/v1/mentor-profiles/{profile_id}/slots"): lambda w: Call(query=_week()),
    ("GET", "/api/v1/slots"): lambda w: Call(
        query={"consortium_id": str(w.network["id"]), **_week()}
    ),
    ("GET", "/api/v1/matches/{match_id}/sessions"): _the_session,
    ("POST", "/api/v1/matches/{match_id}/sessions"): lambda w: (
        _active_pair(w) and Call(json={**_times(next(_day)), "mode": "virtual"})
    ),
    ("GET", "/api/v1/matches/{match_id}/sessions/{session_id}"): _the_session,
    ("PATCH", "/api/v1/matches/{match_id}/sessions/{session_id}"): _fresh_session(
        body=lambda w: _times(next(_day))
    ),
    ("POST", "/api/v1/matches/{match_id}/sessions/{session_id}/cancel"): _fresh_session(
        body=lambda w: {"reason": "Unwell."}
    ),
    ("POST", "/api/v1/matches/{match_id}/sessions/{session_id}/held"): _fresh_session(started=True),
    ("POST", "/api/v1/matches/{match_id}/sessions/{session_id}/no-show"): _fresh_session(
        started=True, body=lambda w: {"absent": "mentor"}
    ),
    ("GET", "/api/v1/matches/{match_id}/sessions/{session_id}/notes"): _the_session,
    ("POST", "/api/v1/matches/{match_id}/sessions/{session_id}/notes"): _fresh_session(
        body=lambda w: {"kind": "shared", "body": "Agenda."}
    ),
    ("GET", "/api/v1/matches/{match_id}/sessions/{session_id}/notes/{note_id}"): _the_session,
    ("PATCH", "/api/v1/matches/{match_id}/sessions/{session_id}/notes/{note_id}"): _fresh_note,
    ("DELETE", "/api/v1/matches/{match_id}/sessions/{session_id}/notes/{note_id}"): _fresh_note,
    ("GET", "/api/v1/matches/{match_id}/sessions/{session_id}/actions"): _the_session,
    ("POST", "/api/v1/matches/{match_id}/sessions/{session_id}/actions"): _fresh_session(
        body=lambda w: {"description": "Draft a plan.", "owner": "mentor"}
    ),
    (
        "GET",
        "/api/v1/matches/{match_id}/sessions/{session_id}/actions/{action_id}",
    ): _the_session,
    (
        "PATCH",
        "/api/v1/matches/{match_id}/sessions/{session_id}/actions/{action_id}",
    ): _fresh_action,
    ("GET", "/api/v1/matches/{match_id}/goals"): _the_session,
    ("GET", "/api/v1/matches/{match_id}/sessions/{session_id}/goal-reviews"): _the_session,
    ("PUT", "/api/v1/matches/{match_id}/sessions/{session_id}/goal-reviews"): _goal_reviews,
    ("GET", "/api/v1/matches/{match_id}/sessions/{session_id}/feedback"): _the_session,
    ("PUT", "/api/v1/matches/{match_id}/sessions/{session_id}/feedback"): _feedback,
    ("GET", "/api/v1/matches/{match_id}/evaluations"): _the_session,
    ("POST", "/api/v1/matches/{match_id}/evaluations"): _ended_pair,
    ("POST", "/api/v1/matches"): _fresh_proposal,
    ("POST", "/api/v1/insight-entries"): _new_entry,
    ("GET", "/api/v1/insight-entries/{entry_id}"): _fresh_entry_read,
    ("PATCH", "/api/v1/insight-entries/{entry_id}"): _fresh_entry,
    ("DELETE", "/api/v1/insight-entries/{entry_id}"): _fresh_entry_etag,
    ("POST", "/api/v1/matches/{match_id}/approve"): _fresh_match("proposed"),
    ("POST", "/api/v1/matches/{match_id}/reject"): _fresh_match("proposed", reason=True),
    ("POST", "/api/v1/matches/{match_id}/accept"): _fresh_match("approved"),
    ("POST", "/api/v1/matches/{match_id}/decline"): _fresh_match("approved", reason=True),
    ("POST", "/api/v1/matches/{match_id}/close"): _fresh_match("approved", reason=True),
    ("POST", "/api/v1/organisations"): lambda w: Call(
        json={
            "name": "New Org",
            "slug": f"new-org-{(n := next(_unique))}",
            "sector": "fire",
            "email_domains": [f"new-org-{n}.example.org"],
        }
    ),
    ("PATCH", "/api/v1/organisations/{organisation_id}"): _if_match(
        "/api/v1/organisations/{organisation_id}"
    ),
    ("PUT", "/api/v1/organisations/{organisation_id}/sso"): lambda w: Call(json=dict(w.sso_a)),
    ("POST", "/api/v1/organisations/{organisation_id}/admins"): lambda w: Call(
        json={"person_id": new_person(w.a, "candidate")["id"]}
    ),
    ("DELETE", "/api/v1/organisations/{organisation_id}/admins"): _fresh_admin,
    ("POST", "/api/v1/organisations/{organisation_id}/api-clients"): lambda w: Call(
        json={"name": f"matrix {next(_unique)}", "scopes": ["people:read"]}
    ),
    ("POST", "/api/v1/consortia"): lambda w: Call(
        json={"name": "New Network", "slug": f"new-network-{next(_unique)}"}
    ),
    ("POST", WEBHOOKS): lambda w: Call(
        json={"url": "https://hooks.example.invalid/new", "event_types": ["match.active"]}
    ),
    ("GET", f"{WEBHOOKS}/{{webhook_id}}"): _the_webhook,
    ("PATCH", f"{WEBHOOKS}/{{webhook_id}}"): _webhook_change,
    ("GET", f"{WEBHOOKS}/{{webhook_id}}/deliveries"): _the_webhook,
    ("GET", f"{WEBHOOKS}/{{webhook_id}}/deliveries/{{delivery_id}}"): _the_webhook,
    ("POST", f"{WEBHOOKS}/{{webhook_id}}/deliveries/{{delivery_id}}/redeliver"): _the_webhook,
    ("DELETE", f"{WEBHOOKS}/{{webhook_id}}"): _fresh_webhook,
    ("PATCH", "/api/v1/consortia/{consortium_id}"): _if_match("/api/v1/consortia/{consortium_id}"),
    ("POST", "/api/v1/consortia/{consortium_id}/members"): _fresh_member,
    ("POST", "/api/v1/consortia/{consortium_id}/coordinators"): lambda w: Call(
        json={"person_id": new_person(w.a, "candidate")["id"]}
    ),
    ("DELETE", "/api/v1/consortia/{consortium_id}/coordinators"): _fresh_coordinator,
    ("POST", "/api/v1/people"): lambda w: Call(
        json={
            "given_name": "New",
            "family_name": "Starter",
            "email": f"new.starter.{next(_unique)}@example.org",
        }
    ),
    ("POST", "/api/v1/people/import"): _csv,
    ("PATCH", "/api/v1/people/{person_id}"): _if_match("/api/v1/people/{person_id}"),
    ("POST", "/api/v1/mentor-profiles"): lambda w: Call(
        json={"person_id": new_person(w.a, "mentor")["id"], "modalities": ["coaching"]}
    ),
    ("PATCH", "/api/v1/mentor-profiles/{profile_id}"): _if_match(
        "/api/v1/mentor-profiles/{profile_id}"
    ),
    ("POST", "/api/v1/mentor-profiles/{profile_id}/vetting"): lambda w: Call(
        json={"status": "approved", "expires_on": "2099-12-31", "note": "Checked."}
    ),
    ("POST", "/api/v1/mentor-profiles/{profile_id}/cpd"): lambda w: Call(
        json={"date": "2026-06-01", "kind": "reflection", "hours": 0.5}
    ),
    ("POST", "/api/v1/programmes"): lambda w: Call(json=_programme(w)),
    ("PATCH", "/api/v1/programmes/{programme_id}"): _if_match("/api/v1/programmes/{programme_id}"),
    ("POST", "/api/v1/programmes/{programme_id}/applications"): lambda w: Call(json=GOALS),
    # "*" matches the caller's own current ETag, whoever the caller is.
    ("PUT", "/api/v1/me/sensitive-attributes"): lambda w: Call(
        json={"ethnicity": "asian"}, headers={"If-Match": "*"}
    ),
    ("POST", "/api/v1/me/consents"): lambda w: Call(json={"programme_id": w.positive["id"]}),
    ("POST", "/api/v1/organisations/{organisation_id}/people/{person_id}/erasure"): lambda w: Call(
        path_ids={"person_id": str(new_person(w.a, "leaver")["id"])}
    ),
    ("POST", "/api/v1/me/consents/{consent_id}/withdraw"): _valid_consent,
    (
        "POST",
        "/api/v1/programmes/{programme_id}/applications/{application_id}/withdraw",
    ): _fresh_application,
}


@pytest.fixture
def world(
    app: Flask,
    platform: ApiClient,
    idp: LocalIdp,
    tenant_a: Tenant,
    tenant_b: Tenant,
    owner_engine: Engine,
) -> World:
    organisation = create_organisation(platform, "gamma-fire", "fire")
    gamma = Tenant(
        organisation=organisation, api=organisation_client(platform, organisation["id"]), person={}
    )
    network = make_consortium(platform, "alpha-network", tenant_a.id, gamma.id)
    response = tenant_a.api.post(f"/api/v1/organisations/{tenant_a.id}/exports")
    assert response.status_code == 202, response.get_json()

    staff_a, staff_a_person = sign_in_as(
        app, platform, idp, tenant_a.organisation, "sid.staff@alpha-trust.example.org"
    )
    admin_a, _ = sign_in_as(
        app,
        platform,
        idp,
        tenant_a.organisation,
        "ann.admin@alpha-trust.example.org",
        org_admin=True,
    )
    admin_b, _ = sign_in_as(
        app,
        platform,
        idp,
        tenant_b.organisation,
        "bo.admin@beta-police.example.org",
        org_admin=True,
    )
    coord, _ = sign_in_as(
        app,
        platform,
        idp,
        gamma.organisation,
        "cat.coord@gamma-fire.example.org",
        coordinator_of=[network["id"]],
    )
    # sign_in_as registered tenant_a at provider "a" as consortium-<slug>; the same settings again.
    sso_a = {
        "issuer": idp.issuer("a"),
        "client_id": f"consortium-{tenant_a.organisation['slug']}",
        "client_secret": f"secret-for-{tenant_a.organisation['slug']}",
    }
    w = World(app, platform, tenant_a, tenant_b, gamma, network, response.get_json(), sso_a)
    response = tenant_a.api.post(
        "/api/v1/mentor-profiles",
        json={
            "person_id": tenant_a.person["id"],
            "modalities": ["mentoring"],
            "sharing": {"scope": "consortium"},
        },
    )
    assert response.status_code == 201, response.get_json()
    response = platform.post(f"/api/v1/mentor-profiles/{response.get_json()['id']}/release")
    assert response.status_code == 200, response.get_json()
    w.profile = response.get_json()
    response = platform.post("/api/v1/programmes", json=_programme(w))
    assert response.status_code == 201, response.get_json()
    w.programme = response.get_json()
    w.applicant, _ = sign_in_as(
        app, platform, idp, tenant_a.organisation, "apl.applicant@alpha-trust.example.org"
    )
    response = w.applicant.post(f"/api/v1/programmes/{w.programme['id']}/applications", json=GOALS)
    assert response.status_code == 201, response.get_json()
    w.application = response.get_json()
    positive = {
        **_programme(w),
        "name": "Positive Action Mentoring",
        "rules": {
            "eligibility": {"positive_action": {"attribute": "ethnicity", "values": ["black"]}}
        },
    }
    response = platform.post("/api/v1/programmes", json=positive)
    assert response.status_code == 201, response.get_json()
    w.positive = response.get_json()
    response = staff_a.post("/api/v1/me/consents", json={"programme_id": w.positive["id"]})
    assert response.status_code == 201, response.get_json()
    w.consent = response.get_json()
    response = platform.post(f"/api/v1/programmes/{w.programme['id']}/matching-runs")
    assert response.status_code == 202, response.get_json()
    w.run = response.get_json()
    # A pairing (after the run above, which would otherwise propose the gamma mentor).
    response = platform.post("/api/v1/programmes", json=_programme(w))
    assert response.status_code == 201, response.get_json()
    w.pairing_programme = response.get_json()
    response = staff_a.post(
        f"/api/v1/programmes/{w.pairing_programme['id']}/applications", json=GOALS
    )
    assert response.status_code == 201, response.get_json()
    w.pairing_application = response.get_json()
    response = platform.post("/api/v1/matches", json=_proposal_body(w, w.pairing_application))
    assert response.status_code == 201, response.get_json()
    w.match = response.get_json()
    w.principals = {
        "anon": ApiClient(app.test_client(), None),
        "staff_a": staff_a,
        "admin_a": admin_a,
        "admin_b": admin_b,
        "coord": coord,
        "client_a": tenant_a.api,
        "platform": platform,
    }
    # Each principal is who its column says.
    assert session_roles(staff_a) == {("staff", tenant_a.id, None)}
    assert ("org_admin", tenant_a.id, None) in session_roles(admin_a)
    assert ("org_admin", tenant_b.id, None) in session_roles(admin_b)
    assert session_roles(coord) == {("staff", gamma.id, None), ("coordinator", None, network["id"])}
    assert "platform:admin" not in tenant_a.api.get("/api/v1/me").get_json()["scopes"]
    w.owner_engine = owner_engine
    _sessions_world(w, idp)
    _webhooks_world(w)
    _fresh_api_client(w)  # so {api_client_id} has a value in every cell
    _insights_world(w)
    response = admin_a.post(f"/api/v1/reports/consortia/{network['id']}/flows/builds")
    assert response.status_code == 202, response.get_json()
    w.build = response.get_json()
    response = staff_a.post("/api/v1/me/exports")
    assert response.status_code == 202, response.get_json()
    w.export = response.get_json()
    _raise_concern(w, w.standing["match"])  # so {concern_id} has one
    response = platform.post(
        "/api/v1/programmes",
        json={**_programme(w), "rules": {"protected_time_required": True}},
    )
    assert response.status_code == 201, response.get_json()
    w.protected = response.get_json()
    report = new_person(tenant_a, "report", line_manager_id=staff_a_person["id"])
    w.report, _ = sign_in_as(app, platform, idp, tenant_a.organisation, report["email"])
    _fresh_time_approval(w)
    return w


def _sessions_world(w: World, idp: LocalIdp) -> None:
    """Availability on `profile`; Gus, his available profile, and a session with staff_a."""
    _fresh_rule(w)
    _fresh_exception(w)
    w.gus, gus = sign_in_as(
        w.app, w.platform, idp, w.gamma.organisation, "gus.mentor@gamma-fire.example.org"
    )
    w.gus_profile = _gamma_mentor(w, gus)
    response = w.gus.post(f"/api/v1/mentor-profiles/{w.gus_profile['id']}/availability", json=RULE)
    assert response.status_code == 201, response.get_json()
    match = _active_pair(w)
    session = _book(w)
    staff_a = w.principals["staff_a"]
    response = staff_a.post(f"{_session_url(w)}/notes", json={"kind": "shared", "body": "Agenda."})
    assert response.status_code == 201, response.get_json()
    note = response.get_json()
    response = staff_a.post(
        f"{_session_url(w)}/actions", json={"description": "Draft a plan.", "owner": "mentee"}
    )
    assert response.status_code == 201, response.get_json()
    w.standing = {"match": match, "session": session, "note": note, "action": response.get_json()}
    _the_session(w)


def test_every_endpoint_has_a_row_in_the_matrix(app: Flask) -> None:
    routes = _matrix_routes(app)
    missing = sorted(f"{m} {p}" for m, p in routes - set(MATRIX))
    stale = sorted(f"{m} {p}" for m, p in set(MATRIX) - routes)
    assert not missing, (
        "These endpoints have no row in the role matrix (tests/identity/test_role_matrix.py): "
        "add a row saying who gets 2xx/401/403/404, and a REQUESTS entry if it takes a body: "
        + "; ".join(missing)
    )
    assert not stale, "The role matrix has rows for endpoints that no longer exist: " + "; ".join(
        stale
    )
    assert all(len(statuses) == len(PRINCIPALS) for statuses in MATRIX.values())
    assert set(REQUESTS) <= set(MATRIX)
    print("\n" + render())


def test_the_role_matrix(world: World, owner_engine: Engine, subtests: Any) -> None:
    """Every cell: the principal calls the endpoint with a valid request; the status is as
    listed, and a refused request (4xx) changed nothing."""
    routes = _matrix_routes(world.app)
    for (method, template), statuses in MATRIX.items():
        if (method, template) not in routes:
            continue  # reported by test_every_endpoint_has_a_row_in_the_matrix
        call: Call | None = None
        for name, expected in zip(PRINCIPALS, statuses, strict=True):
            with subtests.test(msg=f"{method} {template}", principal=name, expected=expected):
                # A 401 or 403 is decided before any lookup: that cell sends the row's last
                # request as it is. A cell that reaches the resource (2xx, 404) gets a fresh one.
                if call is None or expected not in (401, 403):
                    world.cell = name
                    call = REQUESTS.get((method, template), lambda w: Call())(world)
                path = template.format(**{**world.ids(), **call.path_ids})
                kwargs: dict[str, Any] = {"headers": call.headers}
                if call.json is not None:
                    kwargs["json"] = call.json
                if call.data is not None:
                    kwargs["data"] = call.data
                if call.query is not None:
                    kwargs["query_string"] = call.query
                before = _state(owner_engine)
                response = world.principals[name].request(method, path, **kwargs)
                assert response.status_code == expected, (
                    f"{method} {path} as {name}: {response.status_code}, expected {expected}: "
                    f"{response.get_data(as_text=True)[:300]}"
                )
                if response.status_code >= 400:
                    assert _state(owner_engine) == before, f"{method} {path} as {name} wrote"

    # POST /auth/logout (the last row) really ended each person's session.
    for name in ("staff_a", "admin_a", "admin_b", "coord"):
        assert world.principals[name].client.get("/auth/session").status_code == 401, name
