#!/usr/bin/env python3
"""Writes src/api/openapi.json, the OpenAPI 3 description of Hearth's JSON API.
Run it after changing the API: python3 tools/openapi.py (a test checks every route is described)."""
import json, pathlib

def ref(name): return {"$ref": f"#/components/schemas/{name}"}
def s(t, **kw): d = {"type": t}; d.update(kw); return d
nullable_str = {"type": ["string", "null"]}
nullable_int = {"type": ["integer", "null"]}
date = {"type": ["string", "null"], "format": "date", "description": "YYYY-MM-DD"}

def ok(schema, desc="OK"): return {"description": desc, "content": {"application/json": {"schema": schema}}}
ERR = {"$ref": "#/components/responses/Error"}
def errors(*codes): return {str(c): ERR for c in codes}
def path_id(name="id", desc="id"): return {"name": name, "in": "path", "required": True, "schema": {"type": "integer", "format": "int64"}, "description": desc}
def body(schema, required=True): return {"required": required, "content": {"application/json": {"schema": schema}}}

group_fields = {
    "name": s("string", maxLength=120),
    "description": s("string", maxLength=4000),
    "timezone": s("string", description="IANA time zone name, e.g. Europe/London"),
    "usual_meeting_length": s("integer", minimum=15, maximum=480, description="minutes"),
    "open_to_new_members": s("boolean"),
    "format": s("string", enum=["open_ended", "fixed"]),
    "number_of_meetings": {"type": ["integer", "null"], "minimum": 1, "maximum": 200, "description": "required when format is fixed"},
    "ground_rules": s("string", maxLength=8000, description="the group agreement"),
    "ground_rules_reviewed_on": date,
    "usual_venue_id": nullable_int,
    "reminder_hours": s("integer", minimum=0, maximum=336, description="hours before a meeting that members who use email are reminded; 0 for no reminder (default 48)"),
}
venue_fields = {
    "name": s("string", maxLength=120),
    "address": s("string"), "how_to_get_there": s("string"), "toilets": s("string"), "fire_exits": s("string"),
    "step_free": s("string", enum=["no", "partly", "fully"]),
    "hearing_loop": s("boolean"), "accessible_toilet": s("boolean"), "parking": s("boolean"), "quiet_room": s("boolean"),
    "requires_sign_in_sheet": s("boolean"),
    "capacity": {"type": ["integer", "null"], "minimum": 1, "maximum": 10000},
    "booking_contact": s("string"), "notes": s("string"),
}
member_fields = {
    "preferred_name": s("string", maxLength=80, description="the only required field"),
    "full_name": s("string"), "phone": s("string"), "email": s("string"),
    "preferred_contact": s("string", enum=["phone", "text", "email", "post"]),
    "needs": s("array", items=s("string", enum=["hearing", "sight", "mobility", "dietary", "other"])),
    "needs_note": s("string"),
    "happy_to_share_story": s("string", enum=["yes", "no", "not_asked"]),
    "joined_on": date, "left_on": date,
}
def with_id(fields, extra=None):
    props = {"id": s("integer", format="int64"), **fields, **(extra or {})}
    return s("object", properties=props, required=list(props.keys()))

social_fields = {"title": s("string", maxLength=120), "date": s("string", format="date"), "start_time": s("string", description="HH:MM, local time"),
    "duration_minutes": s("integer", minimum=15, maximum=720, description="default 120"), "place": s("string", maxLength=300),
    "details": s("string", maxLength=4000), "accessibility": s("string", maxLength=2000, description="getting there and access")}
schemas = {
    "Error": s("object", required=["error"], properties={"error": s("object", required=["code", "message"], properties={
        "code": s("string", enum=["not_found", "forbidden", "unauthorized", "form_expired", "bad_request", "invalid_input", "conflict", "too_many_requests", "rate_limited", "read_only_token", "gone", "method_not_allowed", "payload_too_large", "unsupported_media_type", "unavailable", "internal"]),
        "message": s("string"),
        "fields": s("array", items=s("object", required=["field", "message"], properties={"field": s("string"), "message": s("string")})),
    })}),
    "Poll": s("object", required=["id", "group_id", "title", "status", "show_answers"], properties={
        "id": s("integer"), "group_id": s("integer"), "title": s("string"), "note": s("string"), "show_answers": s("boolean"),
        "status": s("string", enum=["open", "closed"]), "chosen_option_id": nullable_int, "meeting_id": nullable_int, "from_meeting_id": nullable_int}),
    "PollResults": s("object", required=["id", "status", "options", "rows", "not_answered"], properties={
        "id": s("integer"), "group_id": s("integer"), "title": s("string"), "note": s("string"), "show_answers": s("boolean"),
        "status": s("string", enum=["open", "closed"]), "chosen_option_id": nullable_int, "meeting_id": nullable_int, "from_meeting_id": nullable_int,
        "options": s("array", items=s("object", properties={
            "option": s("object", properties={"id": s("integer"), "date": s("string", format="date"), "start_time": s("string"), "venue_id": nullable_int, "venue_name": {"type": ["string", "null"]}}),
            "yes": s("integer"), "if_need_be": s("integer"), "no": s("integer"),
            "acceptable_to_all": s("boolean", description="someone answered and nobody who answered said no")})),
        "rows": s("array", items=s("object", properties={"member_id": s("integer"), "member_name": s("string"),
            "answers": s("array", items=s("string"), description="one per option, in order: yes, if_need_be, no or empty"),
            "comment": s("string"), "recorded_by": s("string", description="member, or the staff account that recorded it")})),
        "not_answered": s("array", items=s("array", items={}), description="[member id, preferred name] of current members who have not answered"),
        "best": {**nullable_int, "description": "the option to suggest: acceptable to all, with the most yes answers"},
        "email": ref("EmailOutcome")}),
    "EmailOutcome": s("object", required=["configured", "queued"], properties={"configured": s("boolean", description="false when no SMTP server is set up: nothing was sent"), "queued": s("integer", description="messages newly queued")}),
    "MailMessage": s("object", properties={"id": s("integer"), "kind": s("string"), "dedupe_key": s("string"), "group_id": nullable_int, "member_id": nullable_int,
        "recipient": s("string"), "subject": s("string"), "status": s("string", enum=["pending", "sent", "failed"]), "run_at": s("integer", description="unix seconds"),
        "attempts": s("integer"), "last_error": s("string"), "created_at": s("integer"), "done_at": nullable_int}),
    "SocialEventInput": s("object", required=["title", "date", "start_time"], properties=social_fields),
    "SocialEventChange": s("object", properties={**social_fields, "status": s("string", enum=["planned", "cancelled"])}),
    "SocialEvent": s("object", required=["id", "group_id", "title", "date", "start_time", "starts_at", "status", "rsvps"], properties={
        "id": s("integer"), "group_id": s("integer"), **social_fields, "timezone": s("string"), "starts_at": s("string", format="date-time"),
        "status": s("string", enum=["planned", "cancelled"]), "version": s("integer", description="the calendar SEQUENCE; goes up with every change"),
        "rsvps": s("array", items=s("object", properties={"member_id": s("integer"), "member_name": s("string"), "answer": s("string", enum=["yes", "maybe", "no"])})),
        "email": ref("EmailOutcome")}),
    "Staff": s("object", properties={"id": s("integer"), "email": s("string"), "name": s("string"), "role": s("string", enum=["coordinator", "facilitator"])}, required=["id", "email", "name", "role"]),
    "Facilitator": s("object", properties={"id": s("integer"), "name": s("string"), "email": s("string")}, required=["id", "name", "email"]),
    "Group": with_id(group_fields, {"facilitators": s("array", items=ref("Facilitator"))}),
    "GroupSummary": with_id(group_fields, {"active_members": s("integer"), "venue_name": nullable_str}),
    "GroupInput": s("object", properties=group_fields, description="On create, name is required. On PUT/PATCH any subset; fields left out keep their values."),
    "Venue": with_id(venue_fields),
    "VenueInput": s("object", properties=venue_fields),
    "Consent": s("object", properties={"id": s("integer"), "member_id": s("integer"), "kind": s("string", enum=["contact", "records"]), "how_given": s("string", enum=["in_person", "phone", "in_writing", "personal_link"]), "note": s("string"), "given_at": s("integer", description="Unix seconds"), "withdrawn_at": nullable_int, "recorded_by": s("string")}, required=["id", "member_id", "kind", "how_given", "note", "given_at", "withdrawn_at", "recorded_by"]),
    "ConsentInput": s("object", required=["kind", "how_given"], properties={"kind": s("string", enum=["contact", "records"]), "how_given": s("string", enum=["in_person", "phone", "in_writing", "personal_link"]), "note": s("string")}),
    "Member": with_id(member_fields, {"group_id": s("integer"), "consents": s("array", items=ref("Consent"))}),
    "MemberSummary": with_id(member_fields, {"group_id": s("integer")}),
    "MemberInput": s("object", properties=member_fields),
}

step_out = s("object", properties={"position": s("integer"), "title": s("string"), "minutes": s("integer"), "purpose": s("string"),
    "prompts": s("array", items=s("string")), "kind": s("string"), "checked": s("array", items=s("integer")), "notes": s("string")},
    required=["position", "title", "minutes", "prompts", "kind", "checked", "notes"])
meeting_props = {
    "id": s("integer"), "group_id": s("integer"),
    "date": s("string", format="date", description="local date in the group's time zone"),
    "start_time": s("string", description="HH:MM, local time in the group's time zone"),
    "timezone": s("string"),
    "starts_at": s("string", format="date-time", description="RFC 3339 with the UTC offset in force that day"),
    "duration_minutes": s("integer"), "venue_id": nullable_int,
    "status": s("string", enum=["planned", "under_way", "held", "cancelled"]), "cancel_reason": s("string"),
    "topic": s("string"), "current_step": s("integer"), "started_at": nullable_int, "ended_at": nullable_int,
    "version": s("integer", description="goes up with every change"),
    "step_started_at": nullable_int,
    "round_up_good": s("string"), "round_up_not_so_good": s("string"), "round_up_sharing": s("string"),
    "topics_discussed": s("string"), "key_points": s("string"), "pass_on": s("string"),
}
schemas["AgendaStep"] = step_out
schemas["Meeting"] = s("object", properties={**meeting_props, "number": s("integer", description="1 for the group's first meeting"), "agenda": s("array", items=ref("AgendaStep"))}, required=["id", "date", "start_time", "starts_at", "duration_minutes", "status", "agenda"])
schemas["MeetingSummary"] = s("object", properties={**meeting_props, "coming": s("integer"), "attended": s("integer"), "venue_name": nullable_str})
schemas["MeetingInput"] = s("object", properties={"date": s("string", format="date"), "start_time": s("string", description="HH:MM (also 7:30 pm)"), "duration_minutes": s("integer", minimum=15, maximum=480), "venue_id": nullable_int, "topic": s("string")}, required=["date", "start_time"])
schemas["MeetingChange"] = s("object", description="Any subset. status cancelled needs cancel_reason. A status follows the meeting's table of changes: planned puts a cancelled meeting back on, or undoes the start of one under way; under_way starts a planned meeting, or reopens a held one; held is refused (409) while the meeting's day has not come.", properties={"date": s("string", format="date"), "start_time": s("string"), "duration_minutes": s("integer"), "venue_id": nullable_int, "topic": s("string"), "status": s("string", enum=["planned", "under_way", "held", "cancelled"]), "cancel_reason": s("string"), "current_step": s("integer")})
schemas["Attendance"] = s("object", properties={"id": s("integer"), "member_id": nullable_int, "name": s("string"), "is_guest": s("boolean"), "signed_in_at": s("integer", description="Unix seconds")}, required=["id", "member_id", "name", "is_guest", "signed_in_at"])
schemas["Rsvp"] = s("object", properties={"member_id": s("integer"), "answer": s("string", enum=["yes", "no", "maybe"]), "note": s("string"), "at": s("integer")})
schemas["Action"] = s("object", properties={"id": s("integer"), "meeting_id": s("integer"), "who": s("string"), "what": s("string"), "by_date": date, "done": s("boolean")})
notes_props = {k: s("string") for k in ["topics_discussed", "key_points", "pass_on", "round_up_good", "round_up_not_so_good", "round_up_sharing"]}
schemas["Notes"] = s("object", properties={**notes_props, "attended": s("integer"), "guests": s("integer"), "actions": s("array", items=ref("Action"))})
schemas["NotesInput"] = s("object", properties=notes_props)
schemas["Reflection"] = s("object", properties={"id": s("integer"), "meeting_id": s("integer"), "account_id": s("integer"), "author_name": s("string"), "went_well": s("string"), "went_less_well": s("string"), "ideas": s("string"), "feeling": s("string", enum=["great", "fine", "hard", "need_help"]), "help_answered_at": nullable_int, "updated_at": s("integer")})
schemas["ReflectionInput"] = s("object", required=["feeling"], properties={"went_well": s("string"), "went_less_well": s("string"), "ideas": s("string"), "feeling": s("string", enum=["great", "fine", "hard", "need_help"])})
schemas["Concern"] = s("object", properties={"id": s("integer"), "group_id": s("integer"), "meeting_id": nullable_int, "member_id": nullable_int, "about": s("string"), "concern": s("string"), "action_taken": s("string"), "who_told": s("string"), "recorded_by": s("integer"), "recorded_by_name": s("string"), "created_at": s("integer")})
schemas["ConcernInput"] = s("object", required=["concern"], properties={"member_id": nullable_int, "about": s("string"), "concern": s("string"), "action_taken": s("string"), "who_told": s("string"), "meeting_id": nullable_int})
def listof(key, name): return s("object", properties={key: s("array", items=ref(name))})
schemas["Topic"] = s("object", properties={"id": s("integer"), "group_id": nullable_int, "title": s("string"), "description": s("string"),
    "prompts": s("array", items=s("string")), "retired": s("boolean"),
    "status": s("string", enum=["library", "proposed", "agreed", "covered", "set_aside"], description="library: in the library, not on this group's board"),
    "votes": s("integer", description="votes from this group's members"), "meeting_id": nullable_int, "last_covered_at": nullable_int},
    required=["id", "title", "status", "votes"])
schemas["TopicInput"] = s("object", required=["title"], properties={"title": s("string", maxLength=120), "description": s("string"), "prompts": s("string", description="one per line")})
plan_props = {"id": s("integer"), "member_id": s("integer"), "what": s("string"), "how_much": s("string"), "when": s("string"), "how_often": s("string"), "by_date": date, "confidence": s("integer", minimum=0, maximum=10), "status": s("string", enum=["open", "done", "changed", "dropped"]), "created_at": s("integer")}
plan_required = ["id", "member_id", "what", "confidence", "status"]
schemas["Plan"] = s("object", properties=plan_props, required=plan_required)
schemas["NewPlan"] = s("object", properties={**plan_props, "suggestion": {"type": ["string", "null"], "description": "when confidence is below 7: a suggestion to make the plan smaller"}}, required=plan_required)
schemas["PlanWithReviews"] = s("object", properties={**plan_props, "reviews": s("array", items=ref("Review"))}, required=plan_required + ["reviews"])
schemas["PlanInput"] = s("object", required=["what", "confidence"], properties={"what": s("string"), "how_much": s("string"), "when": s("string"), "how_often": s("string"), "by_date": date, "confidence": s("integer", minimum=0, maximum=10, description="below 7, Hearth suggests making the plan smaller")})
schemas["Review"] = s("object", properties={"id": s("integer"), "plan_id": s("integer"), "meeting_id": nullable_int, "outcome": s("string", enum=["on_track", "done", "changed", "dropped"]), "note": s("string"), "at": s("integer")})
schemas["Checkin"] = s("object", properties={"id": s("integer"), "meeting_id": s("integer"), "member_id": s("integer"), "note": s("string"), "private": s("boolean"), "at": s("integer")})

paths = {
    "/openapi.json": {"get": {"summary": "This document", "security": [], "responses": {"200": {"description": "OpenAPI 3 document"}}}},
    "/me": {"get": {"summary": "The account the token belongs to", "responses": {"200": ok(ref("Staff")), **errors(401)}}},
    "/groups": {
        "get": {"summary": "Groups the caller may see (coordinators: all; facilitators: their own), a page at a time in name order",
                "parameters": [
                    {"name": "limit", "in": "query", "required": False, "description": "How many groups per page, 1 to 500 (default 100).", "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 100}},
                    {"name": "offset", "in": "query", "required": False, "description": "How many groups to skip (default 0).", "schema": {"type": "integer", "minimum": 0, "default": 0}}],
                "responses": {"200": ok(s("object", required=["groups", "total", "limit", "offset", "next"], properties={
                    "groups": s("array", items=ref("GroupSummary")),
                    "total": s("integer", description="How many groups the caller may see in all"),
                    "limit": s("integer"), "offset": s("integer"),
                    "next": {"type": ["string", "null"], "description": "The next page's path, or null on the last page"}})), **errors(401, 422)}},
        "post": {"summary": "Create a group (coordinators only)", "requestBody": body(ref("GroupInput")), "responses": {"201": ok(ref("Group"), "Created"), **errors(400, 401, 403, 422)}},
    },
    "/groups/{id}": {
        "parameters": [path_id()],
        "get": {"summary": "One group", "responses": {"200": ok(ref("Group")), **errors(401, 404)}},
        "put": {"summary": "Change a group (any subset of fields)", "requestBody": body(ref("GroupInput")), "responses": {"200": ok(ref("Group")), **errors(400, 401, 404, 422)}},
        "patch": {"summary": "Change a group (any subset of fields)", "requestBody": body(ref("GroupInput")), "responses": {"200": ok(ref("Group")), **errors(400, 401, 404, 422)}},
    },
    "/groups/{id}/facilitators": {
        "parameters": [path_id()],
        "put": {"summary": "Set who facilitates the group (coordinators only)", "requestBody": body(s("object", required=["facilitator_ids"], properties={"facilitator_ids": s("array", items=s("integer"))})), "responses": {"200": ok(ref("Group")), **errors(400, 401, 403, 404, 422)}},
    },
    "/groups/{id}/members": {
        "parameters": [path_id()],
        "get": {"summary": "A group's members, with search and filters",
                "parameters": [
                    {"name": "q", "in": "query", "schema": s("string"), "description": "words in name, phone or email"},
                    {"name": "need", "in": "query", "schema": s("string", enum=["hearing", "sight", "mobility", "dietary", "other"])},
                    {"name": "preferred_contact", "in": "query", "schema": s("string", enum=["phone", "text", "email", "post"])},
                    {"name": "status", "in": "query", "schema": s("string", enum=["active", "left", "all"], default="active")},
                ],
                "responses": {"200": ok(s("object", properties={"members": s("array", items=ref("MemberSummary"))})), **errors(401, 404)}},
        "post": {"summary": "Add a member to the group", "requestBody": body(ref("MemberInput")), "responses": {"201": ok(ref("Member"), "Created"), **errors(400, 401, 404, 422)}},
    },
    "/members/{id}": {
        "parameters": [path_id()],
        "get": {"summary": "One member with their consents (access is audited)", "responses": {"200": ok(ref("Member")), **errors(401, 404)}},
        "put": {"summary": "Change a member (any subset of fields)", "requestBody": body(ref("MemberInput")), "responses": {"200": ok(ref("Member")), **errors(400, 401, 404, 422)}},
        "patch": {"summary": "Change a member (any subset of fields)", "requestBody": body(ref("MemberInput")), "responses": {"200": ok(ref("Member")), **errors(400, 401, 404, 422)}},
    },
    "/members/{id}/consents": {
        "parameters": [path_id()],
        "post": {"summary": "Record a consent", "requestBody": body(ref("ConsentInput")), "responses": {"201": ok(s("object", properties={"consents": s("array", items=ref("Consent"))}), "Created"), **errors(400, 401, 404, 422)}},
    },
    "/members/{id}/link": {
        "parameters": [path_id()],
        "post": {"summary": "Issue a new personal link (older links stop working); the URL is shown once", "responses": {"201": ok(s("object", required=["url"], properties={"url": s("string", format="uri")}), "Created"), **errors(401, 404)}},
        "delete": {"summary": "Turn the member's personal link off", "responses": {"204": {"description": "Turned off"}, **errors(401, 404)}},
    },
    "/members/{id}/consents/{cid}/withdraw": {
        "parameters": [path_id(), path_id("cid", "consent id")],
        "post": {"summary": "Mark a consent as withdrawn", "responses": {"200": ok(s("object", properties={"consents": s("array", items=ref("Consent"))})), **errors(401, 404)}},
    },
    "/groups/{id}/meetings": {
        "parameters": [path_id()],
        "get": {"summary": "A group's meetings, in date order", "responses": {"200": ok(listof("meetings", "MeetingSummary")), **errors(401, 404)}},
        "post": {"summary": "Plan a meeting (takes a copy of the group's agenda)", "requestBody": body(ref("MeetingInput")), "responses": {"201": ok(ref("Meeting"), "Created"), **errors(400, 401, 404, 422)}},
    },
    "/groups/{id}/concerns": {
        "parameters": [path_id()],
        "get": {"summary": "Concerns recorded for the group (every read is audited)", "responses": {"200": ok(listof("concerns", "Concern")), **errors(401, 404)}},
        "post": {"summary": "Record a concern", "requestBody": body(ref("ConcernInput")), "responses": {"201": ok(s("object", properties={"id": s("integer")}), "Created"), **errors(400, 401, 404, 422)}},
    },
    "/groups/{id}/series": {
        "parameters": [path_id()],
        "post": {"summary": "Plan a recurring series (all its meetings at once, or none)",
                 "requestBody": body(s("object", required=["first_date", "start_time", "rrule"], properties={
                     "first_date": s("string", format="date"), "start_time": s("string", description="HH:MM, local time"),
                     "rrule": s("string", description="RFC 5545 rule: FREQ=WEEKLY or MONTHLY, INTERVAL, COUNT or UNTIL, BYDAY (e.g. 2TU, -1FR) or BYMONTHDAY; open-ended rules make 12 meetings ahead"),
                     "duration_minutes": s("integer"), "venue_id": nullable_int, "topic": s("string")})),
                 "responses": {"201": ok(s("object", required=["series_id", "rrule", "meetings"], properties={"series_id": s("integer"), "rrule": s("string"),
                     "meetings": s("array", items=s("object", required=["id", "date", "start_time", "starts_at"], properties={"id": s("integer"), "date": s("string", format="date"), "start_time": s("string"), "starts_at": s("string", format="date-time")}))}), "Created"),
                               **errors(400, 401, 404, 422)}},
    },
    "/groups/{id}/polls": {
        "parameters": [path_id()],
        "get": {"summary": "The group's availability polls, open ones first", "responses": {"200": ok(s("object", properties={"polls": s("array", items=ref("Poll"))})), **errors(401, 404)}},
        "post": {"summary": "Open an availability poll; members who use email are invited",
                 "requestBody": body(s("object", required=["options"], properties={
                     "title": s("string", maxLength=200, description="default: When shall we meet next?"), "note": s("string", maxLength=2000),
                     "show_answers": s("boolean", description="let members see each other's answers (default false)"),
                     "options": s("array", minItems=1, maxItems=6, items=s("object", required=["date", "start_time"], properties={
                         "date": s("string", format="date"), "start_time": s("string", description="HH:MM, local time"), "venue_id": nullable_int}))})),
                 "responses": {"201": ok(ref("PollResults"), "Created"), **errors(400, 401, 404, 422)}},
    },
    "/polls/{id}": {
        "parameters": [path_id()],
        "get": {"summary": "A poll with every answer, who has not answered, and which options suit everyone who answered", "responses": {"200": ok(ref("PollResults")), **errors(401, 404)}},
    },
    "/polls/{id}/answers": {
        "parameters": [path_id()],
        "post": {"summary": "Record a member's answers (for example given by phone); replaces their earlier answers",
                 "requestBody": body(s("object", required=["member_id", "answers"], properties={
                     "member_id": s("integer"), "comment": s("string", maxLength=500),
                     "answers": s("object", description="option id to yes, if_need_be or no, for every option", additionalProperties=s("string", enum=["yes", "if_need_be", "no"]))})),
                 "responses": {"200": ok(ref("PollResults")), **errors(400, 401, 404, 409, 422)}},
    },
    "/polls/{id}/close": {
        "parameters": [path_id()],
        "post": {"summary": "Close the poll on one option: plans the meeting (those it suits are noted as coming) and emails the invitation",
                 "requestBody": body(s("object", required=["option_id"], properties={"option_id": s("integer")})),
                 "responses": {"201": ok(s("object", required=["poll_id", "meeting", "email"], properties={"poll_id": s("integer"),
                     "meeting": s("object", properties={"id": s("integer"), "date": s("string", format="date"), "start_time": s("string"), "starts_at": s("string", format="date-time"), "venue_id": nullable_int}),
                     "email": ref("EmailOutcome")}), "Created"), **errors(400, 401, 404, 409, 422)}},
    },
    "/polls/{id}/remind": {
        "parameters": [path_id()],
        "post": {"summary": "Email a reminder to members who use email and have not answered (at most once a day each)", "responses": {"200": ok(s("object", properties={"email": ref("EmailOutcome")})), **errors(401, 404, 409)}},
    },
    "/meetings/{id}/invite": {
        "parameters": [path_id()],
        "post": {"summary": "Email the invitation to a planned meeting to members who use email (once each per date and time)", "responses": {"200": ok(s("object", properties={"email": ref("EmailOutcome")})), **errors(401, 404, 409)}},
    },
    "/groups/{id}/mail": {
        "parameters": [path_id()],
        "get": {"summary": "The group's email: each message with its state (pending, sent, failed), attempts and last error",
                "responses": {"200": ok(s("object", properties={"configured": s("boolean"), "messages": s("array", items=ref("MailMessage"))})), **errors(401, 404)}},
    },
    "/groups/{id}/social-events": {
        "parameters": [path_id()],
        "get": {"summary": "The group's social events with their replies", "responses": {"200": ok(s("object", properties={"social_events": s("array", items=ref("SocialEvent"))})), **errors(401, 404)}},
        "post": {"summary": "Plan a social event; members who use email are invited", "requestBody": body(ref("SocialEventInput")),
                 "responses": {"201": ok(ref("SocialEvent"), "Created"), **errors(400, 401, 404, 422)}},
    },
    "/social-events/{id}": {
        "parameters": [path_id()],
        "get": {"summary": "One social event with its replies", "responses": {"200": ok(ref("SocialEvent")), **errors(401, 404)}},
        "put": {"summary": "Change a social event (any subset of fields) or its status; members who use email hear of a move or cancellation", "requestBody": body(ref("SocialEventChange")), "responses": {"200": ok(ref("SocialEvent")), **errors(400, 401, 404, 422)}},
        "patch": {"summary": "Change a social event (any subset of fields) or its status; members who use email hear of a move or cancellation", "requestBody": body(ref("SocialEventChange")), "responses": {"200": ok(ref("SocialEvent")), **errors(400, 401, 404, 422)}},
    },
    "/social-events/{id}/rsvps": {
        "parameters": [path_id()],
        "post": {"summary": "Record a member's reply", "requestBody": body(s("object", required=["member_id", "answer"], properties={"member_id": s("integer"), "answer": s("string", enum=["yes", "maybe", "no"])})),
                 "responses": {"200": ok(ref("SocialEvent")), **errors(400, 401, 404, 422)}},
    },
    "/groups/{id}/rota": {
        "parameters": [path_id()],
        "get": {"summary": "The refreshments rota: who is on it, when they last hosted, and the next meetings with their host or the fair suggestion",
                "responses": {"200": ok(s("object", properties={
                    "members": s("array", items=s("object", properties={"member_id": s("integer"), "member_name": s("string"), "last_hosted": nullable_int, "times_hosted": s("integer")})),
                    "meetings": s("array", items=s("object", properties={"meeting_id": s("integer"), "starts_at": s("string", format="date-time"),
                        "host": {"type": ["object", "null"], "properties": {"member_id": s("integer"), "name": s("string")}},
                        "suggested": {"type": ["object", "null"], "properties": {"member_id": s("integer"), "name": s("string")}}}))})), **errors(401, 404)}},
    },
    "/members/{id}/rota": {
        "parameters": [path_id()],
        "put": {"summary": "Put a member on the refreshments rota or take them off", "requestBody": body(s("object", required=["on"], properties={"on": s("boolean")})),
                "responses": {"200": ok(s("object", properties={"member_id": s("integer"), "on_rota": s("boolean")})), **errors(400, 401, 404, 422)}},
    },
    "/meetings/{id}/host": {
        "parameters": [path_id()],
        "put": {"summary": "Confirm or swap who hosts the refreshments (null for nobody); a host who uses email is told", "requestBody": body(s("object", properties={"member_id": nullable_int})),
                "responses": {"200": ok(s("object", properties={"meeting_id": s("integer"), "host": {"type": ["object", "null"]}, "email": {"type": ["object", "null"]}})), **errors(400, 401, 404, 422)}},
    },
    "/groups/{id}/stats": {
        "parameters": [path_id(), {"name": "from", "in": "query", "schema": s("string", format="date"), "description": "first day (default: a year before `to`)"},
                       {"name": "to", "in": "query", "schema": s("string", format="date"), "description": "last day, included (default: today)"}],
        "get": {"summary": "A group's figures for a date range: meetings held and, per meeting, attended and expected; first-timers and how many came back; topics; goals; social events; feedback counts; members not seen at the last 3 meetings",
                "responses": {"200": ok(s("object", required=["meetings_held", "meetings"], properties={
                    "range": s("object", properties={"from": s("string", format="date"), "to": s("string", format="date")}),
                    "meetings_held": s("integer"), "meetings_cancelled": s("integer"), "total_attendances": s("integer"), "average_attendance": s("number"),
                    "distinct_members": s("integer"), "first_timers": s("integer"), "came_back": s("integer"),
                    "meetings": s("array", items=s("object", required=["meeting_id", "date", "attended", "expected"], properties={
                        "meeting_id": s("integer"), "date": s("string", format="date"), "topic": s("string"), "attended": s("integer", description="everyone signed in, members and guests"),
                        "expected": s("integer", description="members who said they were coming"), "first_timers": s("integer"),
                        "feedback_average": {"type": ["number", "null"]}, "feedback_count": s("integer")})),
                    "topics_covered": s("array", items=s("object", properties={"date": s("string", format="date"), "topic": s("string")})),
                    "goals_set": s("integer"), "goals_done": s("integer"), "goals_dropped": s("integer"), "social_events_held": s("integer"),
                    "feedback_counts": s("array", items=s("integer"), description="how many gave each rating, 1 to 5"),
                    "not_seen_last_3_meetings": s("array", items=s("object", properties={"member_id": s("integer"), "member_name": s("string"), "last_came": {"type": ["string", "null"]}}))})),
                    **errors(401, 404, 422)}},
    },
    "/groups/{id}/search": {
        "parameters": [path_id(), {"name": "q", "in": "query", "required": True, "schema": s("string", maxLength=200), "description": "words to look for"}],
        "get": {"summary": "Full-text search of the group's meeting records, run-sheet notes, topics and contact record, best first, with the matching words",
                "responses": {"200": ok(s("object", properties={"query": s("string"), "hits": s("array", items=s("object", properties={
                    "kind": s("string", enum=["meeting", "step", "contact", "topic"]), "link": s("string"), "date": {"type": ["string", "null"]},
                    "title": s("string"), "snippet": s("string"), "matches": s("array", items=s("string")), "rank": s("number")}))})), **errors(401, 404, 422)}},
    },
    "/groups/{id}/feedback": {
        "parameters": [path_id(), {"name": "from", "in": "query", "schema": s("string", format="date")}, {"name": "to", "in": "query", "schema": s("string", format="date")}],
        "get": {"summary": "Members' feedback after meetings (How was it for you? 1 to 5, with comments)",
                "responses": {"200": ok(s("object", properties={"feedback": s("array", items=s("object", properties={"meeting_id": s("integer"), "date": s("string", format="date"), "member_id": s("integer"), "member_name": s("string"), "rating": s("integer"), "comment": s("string")}))})), **errors(401, 404, 422)}},
    },
    "/overview": {
        "parameters": [{"name": "from", "in": "query", "schema": s("string", format="date")}, {"name": "to", "in": "query", "schema": s("string", format="date")}],
        "get": {"summary": "Every group the caller can see, side by side: meetings held, average attendance and its trend, last and next meeting, open help requests, concerns",
                "responses": {"200": ok(s("object", properties={"groups": s("array", items=s("object", properties={
                    "group_id": s("integer"), "name": s("string"), "meetings_held": s("integer"), "attendances": s("integer"), "average_attendance": s("number"),
                    "trend": s("string"), "last_held": {"type": ["string", "null"]}, "next_planned": {"type": ["string", "null"]},
                    "help_requests": s("integer"), "open_concerns": s("integer")}))})), **errors(401, 422)}},
    },
    "/meetings/{id}": {
        "parameters": [path_id()],
        "get": {"summary": "One meeting with its agenda and the state of each step", "responses": {"200": ok(ref("Meeting")), **errors(401, 404)}},
        "put": {"summary": "Move or change a meeting, change its status or current step", "requestBody": body(ref("MeetingChange")), "responses": {"200": ok(ref("Meeting")), **errors(400, 401, 404, 422)}},
        "patch": {"summary": "Move or change a meeting, change its status or current step", "requestBody": body(ref("MeetingChange")), "responses": {"200": ok(ref("Meeting")), **errors(400, 401, 404, 422)}},
    },
    "/meetings/{id}/steps/{position}": {
        "parameters": [path_id(), path_id("position", "the step's position, from 0")],
        "put": {"summary": "Save a step's ticked prompts and notes", "requestBody": body(s("object", properties={"checked": s("array", items=s("integer")), "notes": s("string")})), "responses": {"200": ok(ref("Meeting")), **errors(400, 401, 404, 422)}},
    },
    "/meetings/{id}/attendance": {
        "parameters": [path_id()],
        "get": {"summary": "Who signed in", "responses": {"200": ok(listof("attendance", "Attendance")), **errors(401, 404)}},
        "post": {"summary": "Sign someone in: member_id (twice leaves one record) or guest_name", "requestBody": body(s("object", properties={"member_id": s("integer"), "guest_name": s("string")})), "responses": {"201": ok(listof("attendance", "Attendance"), "Signed in"), **errors(400, 401, 404, 422)}},
    },
    "/meetings/{id}/attendance/{member_id}": {
        "parameters": [path_id(), path_id("member_id", "member id")],
        "delete": {"summary": "Undo a member's sign-in", "responses": {"200": ok(listof("attendance", "Attendance")), **errors(401, 404)}},
    },
    "/meetings/{id}/rsvps": {
        "parameters": [path_id()],
        "get": {"summary": "Who said they are coming", "responses": {"200": ok(listof("rsvps", "Rsvp")), **errors(401, 404)}},
        "put": {"summary": "Record a member's answer", "requestBody": body(s("object", required=["member_id", "answer"], properties={"member_id": s("integer"), "answer": s("string", enum=["yes", "no", "maybe"])})), "responses": {"200": ok(listof("rsvps", "Rsvp")), **errors(400, 401, 404, 422)}},
    },
    "/meetings/{id}/notes": {
        "parameters": [path_id()],
        "get": {"summary": "The meeting's notes and round-up", "responses": {"200": ok(ref("Notes")), **errors(401, 404)}},
        "put": {"summary": "Change the notes (any subset of fields)", "requestBody": body(ref("NotesInput")), "responses": {"200": ok(ref("Notes")), **errors(400, 401, 404, 422)}},
    },
    "/meetings/{id}/actions": {
        "parameters": [path_id()],
        "post": {"summary": "Add an action or follow-up", "requestBody": body(s("object", required=["who", "what"], properties={"who": s("string"), "what": s("string"), "by_date": date})), "responses": {"201": ok(listof("actions", "Action"), "Created"), **errors(400, 401, 404, 422)}},
    },
    "/meetings/{id}/reflections": {
        "parameters": [path_id()],
        "get": {"summary": "Facilitators' reflections (facilitators of the group and coordinators only)", "responses": {"200": ok(listof("reflections", "Reflection")), **errors(401, 404)}},
        "put": {"summary": "Save your own reflection", "requestBody": body(ref("ReflectionInput")), "responses": {"200": ok(listof("reflections", "Reflection")), **errors(400, 401, 404, 422)}},
    },
    "/groups/{id}/topics": {
        "parameters": [path_id()],
        "get": {"summary": "The topic library and the group's board, each with its status and votes", "responses": {"200": ok(listof("topics", "Topic")), **errors(401, 404)}},
        "post": {"summary": "Propose a topic (the library's, if the title matches one)", "requestBody": body(ref("TopicInput")), "responses": {"201": ok(ref("Topic"), "Created"), **errors(400, 401, 404, 422)}},
    },
    "/groups/{id}/topics/{topic_id}": {
        "parameters": [path_id(), path_id("topic_id", "topic id")],
        "put": {"summary": "Move a topic on the board: proposed, agreed (with meeting_id), covered, set_aside", "requestBody": body(s("object", required=["status"], properties={"status": s("string", enum=["proposed", "agreed", "covered", "set_aside"]), "meeting_id": s("integer")})), "responses": {"200": ok(ref("Topic")), **errors(400, 401, 404, 422)}},
    },
    "/topics/{id}/votes": {
        "parameters": [path_id()],
        "post": {"summary": "A member's vote (one per member per topic)", "requestBody": body(s("object", required=["member_id"], properties={"member_id": s("integer")})), "responses": {"201": ok(ref("Topic"), "Voted"), **errors(400, 401, 404, 422)}},
    },
    "/topics/{id}/votes/{member_id}": {
        "parameters": [path_id(), path_id("member_id", "member id")],
        "delete": {"summary": "Take a member's vote back", "responses": {"200": ok(ref("Topic")), **errors(401, 404)}},
    },
    "/members/{id}/plans": {
        "parameters": [path_id()],
        "get": {"summary": "A member's action plans (the group's own facilitators only)", "responses": {"200": ok(listof("plans", "Plan")), **errors(401, 403, 404)}},
        "post": {"summary": "Add an action plan", "requestBody": body(ref("PlanInput")), "responses": {"201": ok(ref("NewPlan"), "Created"), **errors(400, 401, 403, 404, 422)}},
    },
    "/plans/{id}": {
        "parameters": [path_id()],
        "get": {"summary": "One plan with every review", "responses": {"200": ok(ref("PlanWithReviews")), **errors(401, 403, 404)}},
    },
    "/plans/{id}/reviews": {
        "parameters": [path_id()],
        "post": {"summary": "Review a plan", "requestBody": body(s("object", required=["outcome"], properties={"outcome": s("string", enum=["on_track", "done", "changed", "dropped"]), "note": s("string"), "meeting_id": s("integer")})), "responses": {"201": ok(listof("reviews", "Review"), "Created"), **errors(400, 401, 403, 404, 422)}},
    },
    "/meetings/{id}/checkins": {
        "parameters": [path_id()],
        "get": {"summary": "'Since last time' lines (the group's own facilitators only)", "responses": {"200": ok(listof("checkins", "Checkin")), **errors(401, 403, 404)}},
        "put": {"summary": "Note a member's line (private unless private is false)", "requestBody": body(s("object", required=["member_id", "note"], properties={"member_id": s("integer"), "note": s("string"), "private": s("boolean", default=True)})), "responses": {"200": ok(listof("checkins", "Checkin")), **errors(400, 401, 403, 404, 422)}},
    },
    "/venues": {
        "get": {"summary": "All venues", "responses": {"200": ok(s("object", properties={"venues": s("array", items=ref("Venue"))})), **errors(401)}},
        "post": {"summary": "Add a venue", "requestBody": body(ref("VenueInput")), "responses": {"201": ok(ref("Venue"), "Created"), **errors(400, 401, 422)}},
    },
    "/venues/{id}": {
        "parameters": [path_id()],
        "get": {"summary": "One venue", "responses": {"200": ok(ref("Venue")), **errors(401, 404)}},
        "put": {"summary": "Change a venue (any subset of fields)", "requestBody": body(ref("VenueInput")), "responses": {"200": ok(ref("Venue")), **errors(400, 401, 404, 422)}},
        "patch": {"summary": "Change a venue (any subset of fields)", "requestBody": body(ref("VenueInput")), "responses": {"200": ok(ref("Venue")), **errors(400, 401, 404, 422)}},
    },
}

doc = {
    "openapi": "3.1.0",
    "info": {"title": "Hearth API", "version": "1", "description": "Hearth's JSON API. Authenticate with `Authorization: Bearer <token>` (create one with `hearth token create --email E`). A token has the same permissions as its owner: coordinators see every group, facilitators only the groups they are assigned to. Errors always have the shape of the Error schema; bad input answers 422 with `error.fields` naming each offending field. Each person (all their tokens and sessions together) may make `--requests-per-minute` requests a minute (600 by default: a minute's worth at once, then evenly); more are answered 429 `rate_limited` with `Retry-After` in seconds."},
    "servers": [{"url": "/api/v1"}],
    "security": [{"bearer": []}],
    "paths": paths,
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "responses": {"Error": {"description": "An error", "content": {"application/json": {"schema": ref("Error")}}}},
        "schemas": schemas,
    },
}
out = pathlib.Path(__file__).resolve().parent.parent / "src" / "api" / "openapi.json"
out.write_text(json.dumps(doc, indent=2) + "\n")
print(f"wrote {out}")
