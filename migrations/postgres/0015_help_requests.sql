-- Asking for help is its own request, not only a feeling: what would help, and how a
-- coordinator can reach the facilitator who asked.
ALTER TABLE reflections ADD COLUMN help_note TEXT NOT NULL DEFAULT '';
ALTER TABLE reflections ADD COLUMN help_contact TEXT NOT NULL DEFAULT '';
