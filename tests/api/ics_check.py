"""An independent reader of Hearth's calendar files, for the integration tests.

Reads one iCalendar file (RFC 5545) on stdin and parses it with Debian's python3-icalendar,
strictly: anything the parser could not read, a missing required property, a line longer than
75 octets, a bare line feed or an event that ends before it starts is an error (the reasons on
stderr, exit status 1). Otherwise prints the events as JSON on stdout, one object each:
uid, dtstart and dtend (ISO 8601 in UTC, like 2027-01-12T19:00:00Z), sequence (a number,
0 when absent), status, summary, location, description and url (null when absent).

Run it with /usr/bin/python3 (the interpreter that has the icalendar package):
    /usr/bin/python3 tests/api/ics_check.py < meeting.ics
"""

import datetime
import json
import sys

import icalendar


def fail(errors):
    for e in errors:
        print("ics_check: " + e, file=sys.stderr)
    sys.exit(1)


def utc(value, what, errors):
    """A DTSTART, DTEND or DTSTAMP as an aware datetime in UTC, or None (with an error)."""
    if value is None:
        errors.append(what + " is missing")
        return None
    dt = value.dt
    if not isinstance(dt, datetime.datetime):
        errors.append("%s is a date, not a date and time: %r" % (what, dt))
        return None
    if dt.tzinfo is None or dt.tzinfo.utcoffset(dt) is None:
        errors.append("%s is a floating time (no time zone): %r" % (what, dt))
        return None
    return dt.astimezone(datetime.timezone.utc)


def iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def text(component, name):
    value = component.get(name)
    if value is None:
        return None
    if isinstance(value, list):
        return None  # reported as an error by the caller
    return str(value)


def main():
    data = sys.stdin.buffer.read()
    errors = []
    try:
        body = data.decode("utf-8")
    except UnicodeDecodeError as e:
        fail(["not UTF-8: %s" % e])

    # The raw form: CRLF line ends, lines of at most 75 octets (RFC 5545 3.1).
    if not body.endswith("\r\n"):
        errors.append("the file does not end with CRLF")
    physical = body.split("\r\n")
    if physical and physical[-1] == "":
        physical.pop()
    for n, line in enumerate(physical, 1):
        if "\n" in line or "\r" in line:
            errors.append("line %d has a bare CR or LF: %r" % (n, line))
        octets = len(line.encode("utf-8"))
        if octets > 75:
            errors.append("line %d is %d octets long (75 at most): %r" % (n, octets, line))
    if errors:
        fail(errors)

    try:
        cal = icalendar.Calendar.from_ical(body)
    except Exception as e:  # the parser's own errors: ValueError and friends
        fail(["icalendar could not parse the file: %s: %s" % (type(e).__name__, e)])

    if cal.name != "VCALENDAR":
        errors.append("the top component is %r, not VCALENDAR" % cal.name)
    for component in cal.walk():
        for prop, err in component.errors:
            errors.append("%s: %s could not be parsed: %s" % (component.name, prop, err))
    if text(cal, "VERSION") != "2.0":
        errors.append("VERSION is %r, not 2.0" % text(cal, "VERSION"))
    if not text(cal, "PRODID"):
        errors.append("PRODID is missing")

    events = []
    seen = set()
    for ev in cal.walk("VEVENT"):
        for name in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "SEQUENCE", "STATUS",
                     "LOCATION", "DESCRIPTION", "URL"):
            if isinstance(ev.get(name), list):
                errors.append("an event has %s more than once" % name)
        uid = text(ev, "UID")
        if not uid:
            errors.append("an event has no UID")
        elif uid in seen:
            errors.append("UID %s is used by two events" % uid)
        seen.add(uid)
        where = "event %s" % uid
        utc(ev.get("DTSTAMP"), where + ": DTSTAMP", errors)
        start = utc(ev.get("DTSTART"), where + ": DTSTART", errors)
        end = utc(ev.get("DTEND"), where + ": DTEND", errors)
        if start is not None and end is not None and not end > start:
            errors.append("%s: DTEND %s is not after DTSTART %s" % (where, iso(end), iso(start)))
        summary = text(ev, "SUMMARY")
        if not summary:
            errors.append(where + ": SUMMARY is missing")
        sequence = ev.get("SEQUENCE")
        try:
            sequence = 0 if sequence is None else int(sequence)
        except (TypeError, ValueError):
            errors.append("%s: SEQUENCE %r is not a number" % (where, sequence))
        status = text(ev, "STATUS")
        if status is not None and status not in ("TENTATIVE", "CONFIRMED", "CANCELLED"):
            errors.append("%s: STATUS %r is not one an event may have" % (where, status))
        events.append({
            "uid": uid,
            "dtstart": iso(start) if start else None,
            "dtend": iso(end) if end else None,
            "sequence": sequence,
            "status": status,
            "summary": summary,
            "location": text(ev, "LOCATION"),
            "description": text(ev, "DESCRIPTION"),
            "url": text(ev, "URL"),
        })
    if errors:
        fail(errors)
    json.dump(events, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
