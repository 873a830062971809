"""A test SMTP server: accepts every message and writes it, parsed, as one JSON file.

Run with Debian's /usr/bin/python3 (python3-aiosmtpd): smtp_sink.py PORT DIRECTORY. Each
message becomes DIRECTORY/<time>-<n>.json holding {mail_from, rcpt_tos, from, to, subject,
headers (the top-level header names), content_type, parts, text, html}. The file is written
before the server answers 250, so a message the sender counts as sent is already on disk.
"""

import asyncio
import email
import email.policy
import itertools
import json
import os
import sys
import time

from aiosmtpd.smtp import SMTP

PORT = int(sys.argv[1])
OUT = sys.argv[2]
COUNTER = itertools.count()


def parse(content: bytes) -> dict:
    msg = email.message_from_bytes(content, policy=email.policy.default)
    text = html = ""
    parts = []
    for part in msg.walk():
        ctype = part.get_content_type()
        parts.append(ctype)
        if part.is_multipart():
            continue
        if ctype == "text/plain" and not text:
            text = part.get_content()
        elif ctype == "text/html" and not html:
            html = part.get_content()
    return {
        "from": str(msg.get("From", "")),
        "to": str(msg.get("To", "")),
        "subject": str(msg.get("Subject", "")),
        "headers": [name for name, _ in msg.raw_items()],
        "content_type": msg.get_content_type(),
        "parts": parts,
        "text": text,
        "html": html,
    }


class Sink:
    async def handle_DATA(self, server, session, envelope):
        record = parse(envelope.content)
        record["mail_from"] = envelope.mail_from
        record["rcpt_tos"] = list(envelope.rcpt_tos)
        name = f"{time.time_ns():020d}-{os.getpid()}-{next(COUNTER):06d}"
        tmp = os.path.join(OUT, name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(record, f)
        os.replace(tmp, os.path.join(OUT, name + ".json"))
        return "250 Message accepted for delivery"


async def main():
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(Sink(), hostname="sink.test"), "127.0.0.1", PORT
    )
    print("ready", flush=True)
    await server.serve_forever()


asyncio.run(main())
