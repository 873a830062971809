-- Sign-ins are a set (issue 20): each sign-in made on a phone carries a mark of its own (made
-- there), kept here space-separated; an undo names the marks it undid, and removes the sign-in
-- only when no other device's mark is left. A sign-in without a mark (no script, the API)
-- adds none, and an undo without marks removes the sign-in, as before.
ALTER TABLE attendance ADD COLUMN marks TEXT NOT NULL DEFAULT '';
