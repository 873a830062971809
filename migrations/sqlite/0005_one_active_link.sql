-- At most one working personal link per member, enforced by the database too.
UPDATE member_links SET revoked_at = created_at
WHERE revoked_at IS NULL
  AND id NOT IN (SELECT MAX(id) FROM member_links WHERE revoked_at IS NULL GROUP BY member_id);
CREATE UNIQUE INDEX member_links_one_active ON member_links(member_id) WHERE revoked_at IS NULL;
