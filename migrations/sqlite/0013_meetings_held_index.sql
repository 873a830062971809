-- Reading a group's meetings by status and time also gives each one's date and count of who
-- came from the index alone (the coordinators' overview reads thousands of them). It covers
-- everything meetings_group_status did.
CREATE INDEX meetings_group_held ON meetings(group_id, status, starts_at, local_date, attended);
DROP INDEX meetings_group_status;
