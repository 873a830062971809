-- Every change to a group's data raises that group's data version in the same transaction
-- (by these triggers, so no write can forget it); changes to what every group shows (staff
-- accounts, venues, the topic library) raise the network-wide version, scope 0. A page kept
-- in Hearth's page cache is served again only while the versions it was made at still stand
-- (see src/web/cache.rs). Sessions, tokens, sign-in throttling and the audit trail change no
-- page, so they have no trigger.
CREATE TABLE data_versions (
    scope BIGINT PRIMARY KEY,
    version BIGINT NOT NULL DEFAULT 0
);
INSERT INTO data_versions (scope, version) VALUES (0, 1);
INSERT INTO data_versions (scope, version) SELECT id, 1 FROM support_groups;

-- The triggers are deferred to commit: a transaction takes its group's version row last, after
-- every row it changes, and holds it only while committing. Taken at each statement instead,
-- two transactions in one group could each hold what the other needs next (a note saved while
-- another device moves the run-sheet on) and PostgreSQL would abort one as a deadlock.

CREATE FUNCTION bump_data_versions(a BIGINT, b BIGINT) RETURNS void LANGUAGE sql AS $$
    UPDATE data_versions SET version = version + 1 WHERE scope IN (a, b)
$$;

CREATE FUNCTION data_version_by_group() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM bump_data_versions(NEW.group_id, NULL);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM bump_data_versions(OLD.group_id, NULL);
    ELSE
        PERFORM bump_data_versions(NEW.group_id, OLD.group_id);
    END IF;
    RETURN NULL;
END;
$$;

CREATE FUNCTION data_version_by_topic() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM bump_data_versions(COALESCE(NEW.group_id, 0), NULL);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM bump_data_versions(COALESCE(OLD.group_id, 0), NULL);
    ELSE
        PERFORM bump_data_versions(COALESCE(NEW.group_id, 0), COALESCE(OLD.group_id, 0));
    END IF;
    RETURN NULL;
END;
$$;

CREATE FUNCTION data_version_by_member() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM bump_data_versions((SELECT group_id FROM members WHERE id = NEW.member_id), NULL);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM bump_data_versions((SELECT group_id FROM members WHERE id = OLD.member_id), NULL);
    ELSE
        PERFORM bump_data_versions((SELECT group_id FROM members WHERE id = NEW.member_id), (SELECT group_id FROM members WHERE id = OLD.member_id));
    END IF;
    RETURN NULL;
END;
$$;

CREATE FUNCTION data_version_by_meeting() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM bump_data_versions((SELECT group_id FROM meetings WHERE id = NEW.meeting_id), NULL);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM bump_data_versions((SELECT group_id FROM meetings WHERE id = OLD.meeting_id), NULL);
    ELSE
        PERFORM bump_data_versions((SELECT group_id FROM meetings WHERE id = NEW.meeting_id), (SELECT group_id FROM meetings WHERE id = OLD.meeting_id));
    END IF;
    RETURN NULL;
END;
$$;

CREATE FUNCTION data_version_by_poll() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM bump_data_versions((SELECT group_id FROM polls WHERE id = NEW.poll_id), NULL);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM bump_data_versions((SELECT group_id FROM polls WHERE id = OLD.poll_id), NULL);
    ELSE
        PERFORM bump_data_versions((SELECT group_id FROM polls WHERE id = NEW.poll_id), (SELECT group_id FROM polls WHERE id = OLD.poll_id));
    END IF;
    RETURN NULL;
END;
$$;

CREATE FUNCTION data_version_by_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM bump_data_versions((SELECT group_id FROM social_events WHERE id = NEW.event_id), NULL);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM bump_data_versions((SELECT group_id FROM social_events WHERE id = OLD.event_id), NULL);
    ELSE
        PERFORM bump_data_versions((SELECT group_id FROM social_events WHERE id = NEW.event_id), (SELECT group_id FROM social_events WHERE id = OLD.event_id));
    END IF;
    RETURN NULL;
END;
$$;

CREATE FUNCTION data_version_by_plan() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM bump_data_versions((SELECT m.group_id FROM action_plans p JOIN members m ON m.id = p.member_id WHERE p.id = NEW.plan_id), NULL);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM bump_data_versions((SELECT m.group_id FROM action_plans p JOIN members m ON m.id = p.member_id WHERE p.id = OLD.plan_id), NULL);
    ELSE
        PERFORM bump_data_versions((SELECT m.group_id FROM action_plans p JOIN members m ON m.id = p.member_id WHERE p.id = NEW.plan_id), (SELECT m.group_id FROM action_plans p JOIN members m ON m.id = p.member_id WHERE p.id = OLD.plan_id));
    END IF;
    RETURN NULL;
END;
$$;

CREATE FUNCTION data_version_by_global() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM bump_data_versions(0, NULL);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM bump_data_versions(0, NULL);
    ELSE
        PERFORM bump_data_versions(0, 0);
    END IF;
    RETURN NULL;
END;
$$;

CREATE FUNCTION data_version_of_group() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO data_versions (scope, version) VALUES (NEW.id, 1)
            ON CONFLICT (scope) DO UPDATE SET version = data_versions.version + 1;
    ELSE
        PERFORM bump_data_versions(NEW.id, NULL);
    END IF;
    RETURN NULL;
END;
$$;

CREATE CONSTRAINT TRIGGER data_version AFTER INSERT OR UPDATE ON support_groups
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION data_version_of_group();

CREATE CONSTRAINT TRIGGER data_version AFTER INSERT OR UPDATE OR DELETE ON group_facilitators
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION data_version_by_group();

CREATE CONSTRAINT TRIGGER data_version AFTER INSERT OR UPDATE OR DELETE ON members
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION data_version_by_group();

CREATE CONSTRAINT TRIGGER data_version AFTER INSERT OR UPDATE OR DELETE ON agenda_template_steps
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION data_version_by_group();

CREATE CONSTRAINT TRIGGER data_version AFTER INSERT OR UPDATE OR DELETE ON meetings
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION data_version_by_group();

CREATE CONSTRAINT TRIGGER data_version AFTER INSERT OR UPDATE OR DELETE ON concerns
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION data_version_by_group();

CREATE CONSTRAINT TRIGGER data_version AFTER INSERT OR UPDATE OR DELETE ON topics
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION data_version_by_topic();

CREATE CONSTRAINT TRIGGER data_version AFTER INSERT OR UPDATE OR DELETE ON topic_board
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION data_version_by_group();

CREATE CONSTRAINT TRIGGER data_version AFTER INSERT OR UPDATE OR DELETE ON topic_votes
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION data_version_by_group();

CREATE CONSTRAINT TRIGGER data_version AFTER INSERT OR UPDATE OR DELETE ON contacts
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION data_version_by_group();

CREATE CONSTRAINT TRIGGER data_version AFTER INSERT OR UPDATE OR DELETE ON calendar_feeds
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION data_version_by_group();

CREATE CONSTRAINT TRIGGER data_version AFTER INSERT OR UPDATE OR DELETE ON series
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION data_version_by_group();

CREATE CONSTRAINT TRIGGER data_version AFTER INSERT OR UPDATE OR DELETE ON polls
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION data_version_by_group();

CREATE CONSTRAINT TRIGGER data_version AFTER INSERT OR UPDATE OR DELETE ON jobs
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION data_version_by_group();

CREATE CONSTRAINT TRIGGER data_version AFTER INSERT OR UPDATE OR DELETE ON social_events
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION data_version_by_group();

CREATE CONSTRAINT TRIGGER data_version AFTER INSERT OR UPDATE OR DELETE ON consents
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION data_version_by_member();

CREATE CONSTRAINT TRIGGER data_version AFTER INSERT OR UPDATE OR DELETE ON member_links
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION data_version_by_member();

CREATE CONSTRAINT TRIGGER data_version AFTER INSERT OR UPDATE OR DELETE ON action_plans
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION data_version_by_member();

CREATE CONSTRAINT TRIGGER data_version AFTER INSERT OR UPDATE OR DELETE ON rota_members
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION data_version_by_member();

CREATE CONSTRAINT TRIGGER data_version AFTER INSERT OR UPDATE OR DELETE ON mail_links
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION data_version_by_member();

CREATE CONSTRAINT TRIGGER data_version AFTER INSERT OR UPDATE OR DELETE ON meeting_steps
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION data_version_by_meeting();

CREATE CONSTRAINT TRIGGER data_version AFTER INSERT OR UPDATE OR DELETE ON rsvps
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION data_version_by_meeting();

CREATE CONSTRAINT TRIGGER data_version AFTER INSERT OR UPDATE OR DELETE ON attendance
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION data_version_by_meeting();

CREATE CONSTRAINT TRIGGER data_version AFTER INSERT OR UPDATE OR DELETE ON meeting_actions
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION data_version_by_meeting();

CREATE CONSTRAINT TRIGGER data_version AFTER INSERT OR UPDATE OR DELETE ON reflections
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION data_version_by_meeting();

CREATE CONSTRAINT TRIGGER data_version AFTER INSERT OR UPDATE OR DELETE ON checkins
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION data_version_by_meeting();

CREATE CONSTRAINT TRIGGER data_version AFTER INSERT OR UPDATE OR DELETE ON meeting_hosts
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION data_version_by_meeting();

CREATE CONSTRAINT TRIGGER data_version AFTER INSERT OR UPDATE OR DELETE ON meeting_feedback
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION data_version_by_meeting();

CREATE CONSTRAINT TRIGGER data_version AFTER INSERT OR UPDATE OR DELETE ON poll_options
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION data_version_by_poll();

CREATE CONSTRAINT TRIGGER data_version AFTER INSERT OR UPDATE OR DELETE ON poll_responses
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION data_version_by_poll();

CREATE CONSTRAINT TRIGGER data_version AFTER INSERT OR UPDATE OR DELETE ON poll_answers
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION data_version_by_poll();

CREATE CONSTRAINT TRIGGER data_version AFTER INSERT OR UPDATE OR DELETE ON plan_reviews
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION data_version_by_plan();

CREATE CONSTRAINT TRIGGER data_version AFTER INSERT OR UPDATE OR DELETE ON social_rsvps
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION data_version_by_event();

CREATE CONSTRAINT TRIGGER data_version AFTER INSERT OR UPDATE OR DELETE ON accounts
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION data_version_by_global();

CREATE CONSTRAINT TRIGGER data_version AFTER INSERT OR UPDATE OR DELETE ON venues
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION data_version_by_global();
