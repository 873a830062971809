-- The short message shown after a form is saved ("Ada is signed in.") is kept with the staff
-- member's session on the server, not in a cookie, so a member's name is never stored in the
-- browser (ASVS V14.3.3). The cookie then only says that a message is waiting.
ALTER TABLE sessions ADD COLUMN flash TEXT;
