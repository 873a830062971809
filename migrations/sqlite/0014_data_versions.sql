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

CREATE TRIGGER dv_support_groups_ins AFTER INSERT ON support_groups BEGIN
    INSERT INTO data_versions (scope, version) VALUES (new.id, 1) ON CONFLICT (scope) DO UPDATE SET version = data_versions.version + 1;
END;
CREATE TRIGGER dv_support_groups_upd AFTER UPDATE ON support_groups BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = new.id;
END;

CREATE TRIGGER dv_group_facilitators_ins AFTER INSERT ON group_facilitators BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = new.group_id;
END;
CREATE TRIGGER dv_group_facilitators_upd AFTER UPDATE ON group_facilitators BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope IN (new.group_id, old.group_id);
END;
CREATE TRIGGER dv_group_facilitators_del AFTER DELETE ON group_facilitators BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = old.group_id;
END;

CREATE TRIGGER dv_members_ins AFTER INSERT ON members BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = new.group_id;
END;
CREATE TRIGGER dv_members_upd AFTER UPDATE ON members BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope IN (new.group_id, old.group_id);
END;
CREATE TRIGGER dv_members_del AFTER DELETE ON members BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = old.group_id;
END;

CREATE TRIGGER dv_agenda_template_steps_ins AFTER INSERT ON agenda_template_steps BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = new.group_id;
END;
CREATE TRIGGER dv_agenda_template_steps_upd AFTER UPDATE ON agenda_template_steps BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope IN (new.group_id, old.group_id);
END;
CREATE TRIGGER dv_agenda_template_steps_del AFTER DELETE ON agenda_template_steps BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = old.group_id;
END;

CREATE TRIGGER dv_meetings_ins AFTER INSERT ON meetings BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = new.group_id;
END;
CREATE TRIGGER dv_meetings_upd AFTER UPDATE ON meetings BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope IN (new.group_id, old.group_id);
END;
CREATE TRIGGER dv_meetings_del AFTER DELETE ON meetings BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = old.group_id;
END;

CREATE TRIGGER dv_concerns_ins AFTER INSERT ON concerns BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = new.group_id;
END;
CREATE TRIGGER dv_concerns_upd AFTER UPDATE ON concerns BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope IN (new.group_id, old.group_id);
END;
CREATE TRIGGER dv_concerns_del AFTER DELETE ON concerns BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = old.group_id;
END;

CREATE TRIGGER dv_topics_ins AFTER INSERT ON topics BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = COALESCE(new.group_id, 0);
END;
CREATE TRIGGER dv_topics_upd AFTER UPDATE ON topics BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope IN (COALESCE(new.group_id, 0), COALESCE(old.group_id, 0));
END;
CREATE TRIGGER dv_topics_del AFTER DELETE ON topics BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = COALESCE(old.group_id, 0);
END;

CREATE TRIGGER dv_topic_board_ins AFTER INSERT ON topic_board BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = new.group_id;
END;
CREATE TRIGGER dv_topic_board_upd AFTER UPDATE ON topic_board BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope IN (new.group_id, old.group_id);
END;
CREATE TRIGGER dv_topic_board_del AFTER DELETE ON topic_board BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = old.group_id;
END;

CREATE TRIGGER dv_topic_votes_ins AFTER INSERT ON topic_votes BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = new.group_id;
END;
CREATE TRIGGER dv_topic_votes_upd AFTER UPDATE ON topic_votes BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope IN (new.group_id, old.group_id);
END;
CREATE TRIGGER dv_topic_votes_del AFTER DELETE ON topic_votes BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = old.group_id;
END;

CREATE TRIGGER dv_contacts_ins AFTER INSERT ON contacts BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = new.group_id;
END;
CREATE TRIGGER dv_contacts_upd AFTER UPDATE ON contacts BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope IN (new.group_id, old.group_id);
END;
CREATE TRIGGER dv_contacts_del AFTER DELETE ON contacts BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = old.group_id;
END;

CREATE TRIGGER dv_calendar_feeds_ins AFTER INSERT ON calendar_feeds BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = new.group_id;
END;
CREATE TRIGGER dv_calendar_feeds_upd AFTER UPDATE ON calendar_feeds BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope IN (new.group_id, old.group_id);
END;
CREATE TRIGGER dv_calendar_feeds_del AFTER DELETE ON calendar_feeds BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = old.group_id;
END;

CREATE TRIGGER dv_series_ins AFTER INSERT ON series BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = new.group_id;
END;
CREATE TRIGGER dv_series_upd AFTER UPDATE ON series BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope IN (new.group_id, old.group_id);
END;
CREATE TRIGGER dv_series_del AFTER DELETE ON series BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = old.group_id;
END;

CREATE TRIGGER dv_polls_ins AFTER INSERT ON polls BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = new.group_id;
END;
CREATE TRIGGER dv_polls_upd AFTER UPDATE ON polls BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope IN (new.group_id, old.group_id);
END;
CREATE TRIGGER dv_polls_del AFTER DELETE ON polls BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = old.group_id;
END;

CREATE TRIGGER dv_jobs_ins AFTER INSERT ON jobs BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = new.group_id;
END;
CREATE TRIGGER dv_jobs_upd AFTER UPDATE ON jobs BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope IN (new.group_id, old.group_id);
END;
CREATE TRIGGER dv_jobs_del AFTER DELETE ON jobs BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = old.group_id;
END;

CREATE TRIGGER dv_social_events_ins AFTER INSERT ON social_events BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = new.group_id;
END;
CREATE TRIGGER dv_social_events_upd AFTER UPDATE ON social_events BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope IN (new.group_id, old.group_id);
END;
CREATE TRIGGER dv_social_events_del AFTER DELETE ON social_events BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = old.group_id;
END;

CREATE TRIGGER dv_consents_ins AFTER INSERT ON consents BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = (SELECT group_id FROM members WHERE id = new.member_id);
END;
CREATE TRIGGER dv_consents_upd AFTER UPDATE ON consents BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope IN ((SELECT group_id FROM members WHERE id = new.member_id), (SELECT group_id FROM members WHERE id = old.member_id));
END;
CREATE TRIGGER dv_consents_del AFTER DELETE ON consents BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = (SELECT group_id FROM members WHERE id = old.member_id);
END;

CREATE TRIGGER dv_member_links_ins AFTER INSERT ON member_links BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = (SELECT group_id FROM members WHERE id = new.member_id);
END;
CREATE TRIGGER dv_member_links_upd AFTER UPDATE ON member_links BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope IN ((SELECT group_id FROM members WHERE id = new.member_id), (SELECT group_id FROM members WHERE id = old.member_id));
END;
CREATE TRIGGER dv_member_links_del AFTER DELETE ON member_links BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = (SELECT group_id FROM members WHERE id = old.member_id);
END;

CREATE TRIGGER dv_action_plans_ins AFTER INSERT ON action_plans BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = (SELECT group_id FROM members WHERE id = new.member_id);
END;
CREATE TRIGGER dv_action_plans_upd AFTER UPDATE ON action_plans BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope IN ((SELECT group_id FROM members WHERE id = new.member_id), (SELECT group_id FROM members WHERE id = old.member_id));
END;
CREATE TRIGGER dv_action_plans_del AFTER DELETE ON action_plans BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = (SELECT group_id FROM members WHERE id = old.member_id);
END;

CREATE TRIGGER dv_rota_members_ins AFTER INSERT ON rota_members BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = (SELECT group_id FROM members WHERE id = new.member_id);
END;
CREATE TRIGGER dv_rota_members_upd AFTER UPDATE ON rota_members BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope IN ((SELECT group_id FROM members WHERE id = new.member_id), (SELECT group_id FROM members WHERE id = old.member_id));
END;
CREATE TRIGGER dv_rota_members_del AFTER DELETE ON rota_members BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = (SELECT group_id FROM members WHERE id = old.member_id);
END;

CREATE TRIGGER dv_mail_links_ins AFTER INSERT ON mail_links BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = (SELECT group_id FROM members WHERE id = new.member_id);
END;
CREATE TRIGGER dv_mail_links_upd AFTER UPDATE ON mail_links BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope IN ((SELECT group_id FROM members WHERE id = new.member_id), (SELECT group_id FROM members WHERE id = old.member_id));
END;
CREATE TRIGGER dv_mail_links_del AFTER DELETE ON mail_links BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = (SELECT group_id FROM members WHERE id = old.member_id);
END;

CREATE TRIGGER dv_meeting_steps_ins AFTER INSERT ON meeting_steps BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = (SELECT group_id FROM meetings WHERE id = new.meeting_id);
END;
CREATE TRIGGER dv_meeting_steps_upd AFTER UPDATE ON meeting_steps BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope IN ((SELECT group_id FROM meetings WHERE id = new.meeting_id), (SELECT group_id FROM meetings WHERE id = old.meeting_id));
END;
CREATE TRIGGER dv_meeting_steps_del AFTER DELETE ON meeting_steps BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = (SELECT group_id FROM meetings WHERE id = old.meeting_id);
END;

CREATE TRIGGER dv_rsvps_ins AFTER INSERT ON rsvps BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = (SELECT group_id FROM meetings WHERE id = new.meeting_id);
END;
CREATE TRIGGER dv_rsvps_upd AFTER UPDATE ON rsvps BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope IN ((SELECT group_id FROM meetings WHERE id = new.meeting_id), (SELECT group_id FROM meetings WHERE id = old.meeting_id));
END;
CREATE TRIGGER dv_rsvps_del AFTER DELETE ON rsvps BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = (SELECT group_id FROM meetings WHERE id = old.meeting_id);
END;

CREATE TRIGGER dv_attendance_ins AFTER INSERT ON attendance BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = (SELECT group_id FROM meetings WHERE id = new.meeting_id);
END;
CREATE TRIGGER dv_attendance_upd AFTER UPDATE ON attendance BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope IN ((SELECT group_id FROM meetings WHERE id = new.meeting_id), (SELECT group_id FROM meetings WHERE id = old.meeting_id));
END;
CREATE TRIGGER dv_attendance_del AFTER DELETE ON attendance BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = (SELECT group_id FROM meetings WHERE id = old.meeting_id);
END;

CREATE TRIGGER dv_meeting_actions_ins AFTER INSERT ON meeting_actions BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = (SELECT group_id FROM meetings WHERE id = new.meeting_id);
END;
CREATE TRIGGER dv_meeting_actions_upd AFTER UPDATE ON meeting_actions BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope IN ((SELECT group_id FROM meetings WHERE id = new.meeting_id), (SELECT group_id FROM meetings WHERE id = old.meeting_id));
END;
CREATE TRIGGER dv_meeting_actions_del AFTER DELETE ON meeting_actions BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = (SELECT group_id FROM meetings WHERE id = old.meeting_id);
END;

CREATE TRIGGER dv_reflections_ins AFTER INSERT ON reflections BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = (SELECT group_id FROM meetings WHERE id = new.meeting_id);
END;
CREATE TRIGGER dv_reflections_upd AFTER UPDATE ON reflections BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope IN ((SELECT group_id FROM meetings WHERE id = new.meeting_id), (SELECT group_id FROM meetings WHERE id = old.meeting_id));
END;
CREATE TRIGGER dv_reflections_del AFTER DELETE ON reflections BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = (SELECT group_id FROM meetings WHERE id = old.meeting_id);
END;

CREATE TRIGGER dv_checkins_ins AFTER INSERT ON checkins BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = (SELECT group_id FROM meetings WHERE id = new.meeting_id);
END;
CREATE TRIGGER dv_checkins_upd AFTER UPDATE ON checkins BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope IN ((SELECT group_id FROM meetings WHERE id = new.meeting_id), (SELECT group_id FROM meetings WHERE id = old.meeting_id));
END;
CREATE TRIGGER dv_checkins_del AFTER DELETE ON checkins BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = (SELECT group_id FROM meetings WHERE id = old.meeting_id);
END;

CREATE TRIGGER dv_meeting_hosts_ins AFTER INSERT ON meeting_hosts BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = (SELECT group_id FROM meetings WHERE id = new.meeting_id);
END;
CREATE TRIGGER dv_meeting_hosts_upd AFTER UPDATE ON meeting_hosts BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope IN ((SELECT group_id FROM meetings WHERE id = new.meeting_id), (SELECT group_id FROM meetings WHERE id = old.meeting_id));
END;
CREATE TRIGGER dv_meeting_hosts_del AFTER DELETE ON meeting_hosts BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = (SELECT group_id FROM meetings WHERE id = old.meeting_id);
END;

CREATE TRIGGER dv_meeting_feedback_ins AFTER INSERT ON meeting_feedback BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = (SELECT group_id FROM meetings WHERE id = new.meeting_id);
END;
CREATE TRIGGER dv_meeting_feedback_upd AFTER UPDATE ON meeting_feedback BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope IN ((SELECT group_id FROM meetings WHERE id = new.meeting_id), (SELECT group_id FROM meetings WHERE id = old.meeting_id));
END;
CREATE TRIGGER dv_meeting_feedback_del AFTER DELETE ON meeting_feedback BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = (SELECT group_id FROM meetings WHERE id = old.meeting_id);
END;

CREATE TRIGGER dv_poll_options_ins AFTER INSERT ON poll_options BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = (SELECT group_id FROM polls WHERE id = new.poll_id);
END;
CREATE TRIGGER dv_poll_options_upd AFTER UPDATE ON poll_options BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope IN ((SELECT group_id FROM polls WHERE id = new.poll_id), (SELECT group_id FROM polls WHERE id = old.poll_id));
END;
CREATE TRIGGER dv_poll_options_del AFTER DELETE ON poll_options BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = (SELECT group_id FROM polls WHERE id = old.poll_id);
END;

CREATE TRIGGER dv_poll_responses_ins AFTER INSERT ON poll_responses BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = (SELECT group_id FROM polls WHERE id = new.poll_id);
END;
CREATE TRIGGER dv_poll_responses_upd AFTER UPDATE ON poll_responses BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope IN ((SELECT group_id FROM polls WHERE id = new.poll_id), (SELECT group_id FROM polls WHERE id = old.poll_id));
END;
CREATE TRIGGER dv_poll_responses_del AFTER DELETE ON poll_responses BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = (SELECT group_id FROM polls WHERE id = old.poll_id);
END;

CREATE TRIGGER dv_poll_answers_ins AFTER INSERT ON poll_answers BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = (SELECT group_id FROM polls WHERE id = new.poll_id);
END;
CREATE TRIGGER dv_poll_answers_upd AFTER UPDATE ON poll_answers BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope IN ((SELECT group_id FROM polls WHERE id = new.poll_id), (SELECT group_id FROM polls WHERE id = old.poll_id));
END;
CREATE TRIGGER dv_poll_answers_del AFTER DELETE ON poll_answers BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = (SELECT group_id FROM polls WHERE id = old.poll_id);
END;

CREATE TRIGGER dv_plan_reviews_ins AFTER INSERT ON plan_reviews BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = (SELECT m.group_id FROM action_plans p JOIN members m ON m.id = p.member_id WHERE p.id = new.plan_id);
END;
CREATE TRIGGER dv_plan_reviews_upd AFTER UPDATE ON plan_reviews BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope IN ((SELECT m.group_id FROM action_plans p JOIN members m ON m.id = p.member_id WHERE p.id = new.plan_id), (SELECT m.group_id FROM action_plans p JOIN members m ON m.id = p.member_id WHERE p.id = old.plan_id));
END;
CREATE TRIGGER dv_plan_reviews_del AFTER DELETE ON plan_reviews BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = (SELECT m.group_id FROM action_plans p JOIN members m ON m.id = p.member_id WHERE p.id = old.plan_id);
END;

CREATE TRIGGER dv_social_rsvps_ins AFTER INSERT ON social_rsvps BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = (SELECT group_id FROM social_events WHERE id = new.event_id);
END;
CREATE TRIGGER dv_social_rsvps_upd AFTER UPDATE ON social_rsvps BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope IN ((SELECT group_id FROM social_events WHERE id = new.event_id), (SELECT group_id FROM social_events WHERE id = old.event_id));
END;
CREATE TRIGGER dv_social_rsvps_del AFTER DELETE ON social_rsvps BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = (SELECT group_id FROM social_events WHERE id = old.event_id);
END;

CREATE TRIGGER dv_accounts_ins AFTER INSERT ON accounts BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = 0;
END;
CREATE TRIGGER dv_accounts_upd AFTER UPDATE ON accounts BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = 0;
END;
CREATE TRIGGER dv_accounts_del AFTER DELETE ON accounts BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = 0;
END;

CREATE TRIGGER dv_venues_ins AFTER INSERT ON venues BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = 0;
END;
CREATE TRIGGER dv_venues_upd AFTER UPDATE ON venues BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = 0;
END;
CREATE TRIGGER dv_venues_del AFTER DELETE ON venues BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = 0;
END;
