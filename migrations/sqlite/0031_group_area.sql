-- A programme's groups can be grouped by area or region (issue 21): totals and the funder
-- report can be made for one area. Empty means no area is set.
ALTER TABLE support_groups ADD COLUMN area TEXT NOT NULL DEFAULT '';
