//! Topics, the topic board and votes; action plans and their reviews; "since last time"
//! check-ins.
//!
//! Topics and the board are open to whoever may see the group (and to its members through
//! their links). Plans, reviews and check-ins are private to the member and the group's own
//! facilitators: coordinators who are not facilitating the group do not see them.

use serde::Serialize;

use super::BeginWrite;
use super::access::{
    GroupAccess, GroupScope, MeetingAccess, MemberLink, MemberScope, PlanAccess, PlanOwner,
    PrivateAccess,
};
use super::{Store, StoreError, StoreResult, now, on_db};
use crate::domain::access::Staff;
use crate::domain::ids::{GroupId, MeetingId, MemberId, PlanId, TopicId};
use crate::domain::topic::{
    ActionPlan, BoardTopic, Checkin, CheckinEntry, CheckinRefused, PlanInput, PlanOutcome,
    PlanReview, PlanStatus, ReviewInput, STARTER_TOPICS, TopicInput, TopicStatus,
};

const BOARD_SELECT: &str = "SELECT t.id, t.group_id, t.title, t.description, t.prompts, t.retired,
        COALESCE(b.status, 'library') AS status,
        (SELECT COUNT(*) FROM topic_votes v WHERE v.topic_id = t.id AND v.group_id = $1) AS votes,
        b.meeting_id, b.last_covered_at
     FROM topics t LEFT JOIN topic_board b ON b.topic_id = t.id AND b.group_id = $1";

/// A review with the meeting it was made at and who recorded it.
const REVIEW_SELECT: &str =
    "SELECT r.id, r.plan_id, r.meeting_id, r.outcome, r.note, r.at, r.previous,
        m.local_date AS meeting_date,
        COALESCE(a.name, mb.preferred_name, '') AS recorded_by_name
     FROM plan_reviews r
     LEFT JOIN meetings m ON m.id = r.meeting_id
     LEFT JOIN accounts a ON a.id = CASE WHEN r.recorded_by LIKE 'account:%'
        THEN CAST(SUBSTR(r.recorded_by, 9) AS BIGINT) END
     LEFT JOIN members mb ON mb.id = CASE WHEN r.recorded_by LIKE 'member:%'
        THEN CAST(SUBSTR(r.recorded_by, 8) AS BIGINT) END";

/// A "since last time" line with its member's name and its meeting's date.
pub(super) const CHECKIN_ENTRY: &str =
    "SELECT c.id, c.meeting_id, c.member_id, mb.preferred_name AS member_name,
        c.note, c.private, c.at, m.local_date AS meeting_date
     FROM checkins c JOIN meetings m ON m.id = c.meeting_id JOIN members mb ON mb.id = c.member_id";

const PLAN_COLUMNS: &str = "p.id, p.member_id, p.what, p.how_much, p.when_text AS \"when\", \
     p.how_often, p.by_date, p.confidence, p.status, p.created_at";

/// An open plan with whose it is, for the goals step of the run-sheet.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct GroupPlan {
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub plan: ActionPlan,
    pub preferred_name: String,
}

impl Store {
    /// Puts the starter topics in the library (once; safe when instances start together).
    pub(crate) async fn seed_topic_library(&self) -> StoreResult<()> {
        let t = now();
        on_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            for (title, description, prompts) in STARTER_TOPICS {
                sqlx::query(
                    "INSERT INTO topics (group_id, title, description, prompts, created_at)
                     VALUES (NULL, $1, $2, $3, $4) ON CONFLICT DO NOTHING")
                    .bind(title).bind(description).bind(prompts).bind(t)
                    .execute(&mut *tx).await?;
            }
            tx.commit().await
        })
        .map_err(StoreError::from_sqlx)
    }

    /// The library and the group's own topics, each with its place on the group's board.
    pub async fn group_topics(&self, group: &impl GroupScope) -> StoreResult<Vec<BoardTopic>> {
        let group_id = group.group_id();
        let sql = format!(
            "{BOARD_SELECT}
             WHERE (t.group_id IS NULL OR t.group_id = $1) AND (t.retired = FALSE OR b.id IS NOT NULL)
             ORDER BY CASE COALESCE(b.status, 'library')
                WHEN 'agreed' THEN 0 WHEN 'proposed' THEN 1 WHEN 'covered' THEN 2
                WHEN 'set_aside' THEN 3 ELSE 4 END,
                votes DESC, lower(t.title)"
        );
        on_db!(self, pool => sqlx::query_as::<_, BoardTopic>(&sql).bind(group_id).fetch_all(pool).await)
            .map_err(StoreError::from_sqlx)
    }

    /// One topic as the group sees it; a topic of another group is not found.
    pub async fn group_topic(
        &self,
        group: &impl GroupScope,
        topic_id: TopicId,
    ) -> StoreResult<BoardTopic> {
        self.topic_in(group.group_id(), topic_id).await
    }

    async fn topic_in(&self, group_id: GroupId, topic_id: TopicId) -> StoreResult<BoardTopic> {
        let sql =
            format!("{BOARD_SELECT} WHERE (t.group_id IS NULL OR t.group_id = $1) AND t.id = $2");
        on_db!(self, pool => sqlx::query_as::<_, BoardTopic>(&sql).bind(group_id).bind(topic_id).fetch_one(pool).await)
            .map_err(StoreError::from_sqlx)
    }

    /// Proposes a topic by title: the library's or the group's own topic of that name if there
    /// is one, otherwise a new topic of the group's. Returns the topic's id.
    pub async fn propose_topic(
        &self,
        group: &impl GroupScope,
        input: &TopicInput,
    ) -> StoreResult<TopicId> {
        let group_id = group.group_id();
        let proposed_by = group.acting().to_string();
        let find = || async {
            on_db!(self, pool => sqlx::query_scalar::<_, TopicId>(
                "SELECT id FROM topics WHERE (group_id IS NULL OR group_id = $1) AND lower(title) = lower($2)
                 ORDER BY group_id NULLS FIRST LIMIT 1")
                .bind(group_id).bind(&input.title).fetch_optional(pool).await)
            .map_err(StoreError::from_sqlx)
        };
        let topic_id = match find().await? {
            Some(id) => id,
            None => {
                // Two people may propose the same new topic at the same moment: the unique
                // title rule keeps one, and the other finds it.
                let inserted = on_db!(self, pool => sqlx::query_scalar::<_, TopicId>(
                    "INSERT INTO topics (group_id, title, description, prompts, created_at)
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING id")
                    .bind(group_id).bind(&input.title).bind(&input.description).bind(&input.prompts)
                    .bind(now()).fetch_all(pool).await.map(super::first_of))
                .map_err(StoreError::from_sqlx)?;
                match inserted {
                    Some(id) => id,
                    None => find().await?.ok_or(StoreError::NotFound)?,
                }
            }
        };
        self.board(group_id, topic_id, &proposed_by).await?;
        Ok(topic_id)
    }

    /// Puts a topic on the group's board as proposed (again, if it had been covered or set
    /// aside; an agreed topic stays agreed).
    pub async fn put_on_board(
        &self,
        group: &impl GroupScope,
        topic_id: TopicId,
    ) -> StoreResult<()> {
        self.board(group.group_id(), topic_id, &group.acting().to_string())
            .await
    }

    async fn board(&self, group_id: GroupId, topic_id: TopicId, by: &str) -> StoreResult<()> {
        self.topic_in(group_id, topic_id).await?;
        on_db!(self, pool => sqlx::query(
            "INSERT INTO topic_board (group_id, topic_id, status, proposed_by, created_at)
             VALUES ($1, $2, 'proposed', $3, $4)
             ON CONFLICT (group_id, topic_id) DO UPDATE SET
                status = CASE WHEN topic_board.status = 'agreed' THEN 'agreed' ELSE 'proposed' END")
            .bind(group_id).bind(topic_id).bind(by).bind(now())
            .execute(pool).await.map(|r| r.rows_affected()))
        .map(|_| ())
        .map_err(StoreError::from_sqlx)
    }

    /// A member's vote (from their link, or given to staff): one per member per topic, however
    /// often or however fast it is sent; a topic the member's group cannot see is not found.
    pub async fn vote(&self, member: &impl MemberScope, topic_id: TopicId) -> StoreResult<()> {
        let by = member.actor().to_string();
        self.vote_as(member.member_group_id(), topic_id, member.member_id(), &by)
            .await
    }

    async fn vote_as(
        &self,
        group_id: GroupId,
        topic_id: TopicId,
        member_id: MemberId,
        by: &str,
    ) -> StoreResult<()> {
        self.board(group_id, topic_id, by).await?;
        on_db!(self, pool => sqlx::query(
            "INSERT INTO topic_votes (topic_id, member_id, group_id, at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (topic_id, member_id) DO NOTHING")
            .bind(topic_id).bind(member_id).bind(group_id).bind(now())
            .execute(pool).await.map(|r| r.rows_affected()))
        .map(|_| ())
        .map_err(StoreError::from_sqlx)
    }

    /// Takes a member's vote back; a topic the member's group cannot see is not found.
    pub async fn unvote(&self, member: &impl MemberScope, topic_id: TopicId) -> StoreResult<()> {
        self.topic_in(member.member_group_id(), topic_id).await?;
        let member_id = member.member_id();
        on_db!(self, pool => sqlx::query("DELETE FROM topic_votes WHERE topic_id = $1 AND member_id = $2")
            .bind(topic_id).bind(member_id).execute(pool).await.map(|r| r.rows_affected()))
        .map(|_| ())
        .map_err(StoreError::from_sqlx)
    }

    /// The topics a member has voted for.
    pub async fn votes_of(&self, member: &impl MemberScope) -> StoreResult<Vec<TopicId>> {
        let member_id = member.member_id();
        on_db!(self, pool => sqlx::query_scalar::<_, TopicId>("SELECT topic_id FROM topic_votes WHERE member_id = $1")
            .bind(member_id).fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)
    }

    /// Staff recording votes (a show of hands, or one member's wish by phone).
    pub async fn record_votes(
        &self,
        group: &GroupAccess,
        topic_id: TopicId,
        member_ids: &[MemberId],
    ) -> StoreResult<()> {
        let group_id = group.id();
        // Every member is checked before any vote is counted, so a refused show of hands
        // counts nobody.
        for member_id in member_ids {
            let member = self.member_unchecked(*member_id).await?;
            if member.group_id != group_id {
                return Err(StoreError::NotFound);
            }
        }
        self.topic_in(group_id, topic_id).await?;
        for member_id in member_ids {
            self.vote_as(group_id, topic_id, *member_id, &group.actor().to_string())
                .await?;
        }
        Ok(())
    }

    /// Agrees a topic for a meeting: it becomes the meeting's topic, and any other topic agreed
    /// for that meeting goes back to proposed.
    pub async fn agree_topic(
        &self,
        group: &GroupAccess,
        topic_id: TopicId,
        meeting: &MeetingAccess,
    ) -> StoreResult<()> {
        let (group_id, meeting_id) = (group.id(), meeting.id());
        if meeting.group_id != group_id {
            return Err(StoreError::NotFound);
        }
        if !(meeting.is_planned() || meeting.is_under_way()) {
            return Err(StoreError::Conflict(super::Conflict::MeetingNotOpen));
        }
        let topic = self.topic_in(group_id, topic_id).await?;
        self.board(group_id, topic_id, &group.actor().to_string())
            .await?;
        on_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            // A topic moved from another meeting leaves that meeting without it.
            sqlx::query(
                "UPDATE meetings SET topic = '', version = version + 1, updated_at = $1
                 WHERE topic = $2 AND id <> $3 AND id IN
                    (SELECT meeting_id FROM topic_board WHERE group_id = $4 AND topic_id = $5 AND status = 'agreed')")
                .bind(now()).bind(&topic.title).bind(meeting_id).bind(group_id).bind(topic_id)
                .execute(&mut *tx).await?;
            sqlx::query(
                "UPDATE topic_board SET status = 'proposed', meeting_id = NULL
                 WHERE group_id = $1 AND meeting_id = $2 AND status = 'agreed' AND topic_id <> $3")
                .bind(group_id).bind(meeting_id).bind(topic_id).execute(&mut *tx).await?;
            sqlx::query(
                "UPDATE topic_board SET status = 'agreed', meeting_id = $1 WHERE group_id = $2 AND topic_id = $3")
                .bind(meeting_id).bind(group_id).bind(topic_id).execute(&mut *tx).await?;
            sqlx::query("UPDATE meetings SET topic = $1, version = version + 1, updated_at = $2 WHERE id = $3")
                .bind(&topic.title).bind(now()).bind(meeting_id).execute(&mut *tx).await?;
            tx.commit().await
        })
        .map_err(StoreError::from_sqlx)
    }

    /// Sets a topic aside, brings it back as proposed, or marks it covered.
    pub async fn set_topic_status(
        &self,
        group: &GroupAccess,
        topic_id: TopicId,
        status: TopicStatus,
    ) -> StoreResult<()> {
        let group_id = group.id();
        self.board(group_id, topic_id, &group.actor().to_string())
            .await?;
        let covered = if status == TopicStatus::Covered {
            Some(now())
        } else {
            None
        };
        let title = self.topic_in(group_id, topic_id).await?.title;
        on_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            // A topic no longer agreed is taken off the meeting it was agreed for.
            sqlx::query(
                "UPDATE meetings SET topic = '', version = version + 1, updated_at = $1
                 WHERE topic = $2 AND status IN ('planned', 'under_way') AND id IN
                    (SELECT meeting_id FROM topic_board WHERE group_id = $3 AND topic_id = $4 AND status = 'agreed')")
                .bind(now()).bind(&title).bind(group_id).bind(topic_id)
                .execute(&mut *tx).await?;
            sqlx::query(
                "UPDATE topic_board SET status = $1, last_covered_at = COALESCE($2, last_covered_at),
                    meeting_id = NULL
                 WHERE group_id = $3 AND topic_id = $4")
                .bind(status).bind(covered).bind(group_id).bind(topic_id)
                .execute(&mut *tx).await?;
            tx.commit().await
        })
        .map_err(StoreError::from_sqlx)
    }

    /// The topic agreed for a meeting, with its prompts.
    pub async fn agreed_topic(&self, meeting: &MeetingAccess) -> StoreResult<Option<BoardTopic>> {
        let (group_id, meeting_id) = (meeting.group_id(), meeting.id());
        let sql = format!(
            "{BOARD_SELECT} WHERE b.meeting_id = $2 AND b.status IN ('agreed', 'covered') LIMIT 1"
        );
        on_db!(self, pool => sqlx::query_as::<_, BoardTopic>(&sql).bind(group_id).bind(meeting_id).fetch_optional(pool).await)
            .map_err(StoreError::from_sqlx)
    }

    /// Changes a topic: a group's own by its facilitators, a library topic by coordinators.
    pub async fn update_topic(
        &self,
        viewer: &Staff,
        group: &GroupAccess,
        topic_id: TopicId,
        input: &TopicInput,
        retired: bool,
    ) -> StoreResult<()> {
        let topic = self.topic_in(group.id(), topic_id).await?;
        if topic.group_id.is_none() && !viewer.is_coordinator() {
            return Err(StoreError::Forbidden);
        }
        on_db!(self, pool => sqlx::query(
            "UPDATE topics SET title = $1, description = $2, prompts = $3, retired = $4 WHERE id = $5")
            .bind(&input.title).bind(&input.description).bind(&input.prompts).bind(retired).bind(topic_id)
            .execute(pool).await.map(|r| r.rows_affected()))
        .map(|_| ())
        .map_err(StoreError::from_sqlx)
    }

    // --- action plans ---------------------------------------------------------------------

    /// Whether the viewer facilitates the group (goals and check-ins are for them only).
    pub async fn facilitates(&self, viewer: &Staff, group_id: GroupId) -> StoreResult<bool> {
        on_db!(self, pool => sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM group_facilitators WHERE group_id = $1 AND account_id = $2")
            .bind(group_id).bind(viewer.id).fetch_one(pool).await)
        .map(|n| n > 0)
        .map_err(StoreError::from_sqlx)
    }

    /// A member's private records, for the group's own facilitators only. Someone who cannot
    /// see the group gets NotFound; a coordinator who does not facilitate it gets Forbidden.
    pub async fn private_records(
        &self,
        viewer: &Staff,
        member_id: MemberId,
    ) -> StoreResult<PrivateAccess> {
        let member = self.member_unchecked(member_id).await?;
        self.check_group(viewer, member.group_id).await?;
        if !self.facilitates(viewer, member.group_id).await? {
            return Err(StoreError::Forbidden);
        }
        Ok(PrivateAccess {
            member_id,
            group_id: member.group_id,
            actor: viewer.into(),
        })
    }

    /// A member's own plans, on their personal page.
    pub async fn plans_of(&self, link: &MemberLink) -> StoreResult<Vec<ActionPlan>> {
        self.plans_of_member(link.id).await
    }

    async fn plans_of_member(&self, member_id: MemberId) -> StoreResult<Vec<ActionPlan>> {
        let sql = format!(
            "SELECT {PLAN_COLUMNS} FROM action_plans p WHERE p.member_id = $1
             ORDER BY CASE WHEN p.status = 'open' THEN 0 ELSE 1 END, p.created_at DESC, p.id DESC"
        );
        on_db!(self, pool => sqlx::query_as::<_, ActionPlan>(&sql).bind(member_id).fetch_all(pool).await)
            .map_err(StoreError::from_sqlx)
    }

    pub async fn plans_for(&self, private: &PrivateAccess) -> StoreResult<Vec<ActionPlan>> {
        let member_id = private.member_id;
        self.audit_read(
            &private.actor.to_string(),
            "viewed plans",
            &format!("member:{member_id}"),
            &[],
        )
        .await?;
        self.plans_of_member(member_id).await
    }

    async fn plan(&self, plan_id: PlanId) -> StoreResult<ActionPlan> {
        let sql = format!("SELECT {PLAN_COLUMNS} FROM action_plans p WHERE p.id = $1");
        on_db!(self, pool => sqlx::query_as::<_, ActionPlan>(&sql).bind(plan_id).fetch_one(pool).await)
            .map_err(StoreError::from_sqlx)
    }

    /// A plan the viewer may see (as the group's facilitator).
    pub async fn plan_for(&self, viewer: &Staff, plan_id: PlanId) -> StoreResult<PlanAccess> {
        let plan = self.plan(plan_id).await?;
        self.private_records(viewer, plan.member_id).await?;
        self.audit_read(
            &viewer.actor(),
            "viewed a plan",
            &format!("member:{}", plan.member_id),
            &[],
        )
        .await?;
        Ok(PlanAccess {
            plan,
            actor: viewer.into(),
        })
    }

    pub async fn create_plan(
        &self,
        owner: &impl PlanOwner,
        p: &PlanInput,
    ) -> StoreResult<ActionPlan> {
        let (member_id, by) = (owner.member_id(), owner.actor().to_string());
        let id = on_db!(self, pool => sqlx::query_scalar::<_, PlanId>(
            "INSERT INTO action_plans (member_id, what, how_much, when_text, how_often, by_date,
                confidence, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id")
            .bind(member_id).bind(&p.what).bind(&p.how_much).bind(&p.when).bind(&p.how_often)
            .bind(&p.by_date).bind(p.confidence).bind(by).bind(now())
            .fetch_all(pool).await.and_then(super::first_row))
        .map_err(StoreError::from_sqlx)?;
        self.plan(id).await
    }

    /// Records a review: done and dropped close the plan, on track keeps it open, and changed
    /// keeps it open as its new version, the old one kept in the review. At a meeting, a second
    /// review of the same plan corrects the first rather than adding another.
    pub async fn review_plan(
        &self,
        plan: &PlanAccess,
        meeting: Option<&MeetingAccess>,
        r: &ReviewInput,
    ) -> StoreResult<()> {
        let (plan_id, meeting_id) = (plan.id, meeting.map(MeetingAccess::id));
        let by = plan.actor.to_string();
        let status = match r.outcome {
            PlanOutcome::Done => PlanStatus::Done,
            PlanOutcome::Dropped => PlanStatus::Dropped,
            _ => PlanStatus::Open,
        };
        let previous = match &r.new_version {
            Some(_) => plan.summary(),
            None => String::new(),
        };
        on_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let earlier: Option<i64> = match meeting_id {
                Some(m) => sqlx::query_scalar(
                    "SELECT id FROM plan_reviews WHERE plan_id = $1 AND meeting_id = $2 ORDER BY id DESC LIMIT 1")
                    .bind(plan_id).bind(m).fetch_optional(&mut *tx).await?,
                None => None,
            };
            match earlier {
                Some(review_id) => {
                    sqlx::query(
                        "UPDATE plan_reviews SET outcome = $1, note = $2, recorded_by = $3, at = $4,
                            previous = CASE WHEN $5 = '' THEN previous ELSE $5 END WHERE id = $6")
                        .bind(r.outcome).bind(&r.note).bind(&by).bind(now()).bind(&previous).bind(review_id)
                        .execute(&mut *tx).await?;
                }
                None => {
                    sqlx::query(
                        "INSERT INTO plan_reviews (plan_id, meeting_id, outcome, note, recorded_by, at, previous)
                         VALUES ($1, $2, $3, $4, $5, $6, $7)")
                        .bind(plan_id).bind(meeting_id).bind(r.outcome).bind(&r.note).bind(&by).bind(now()).bind(&previous)
                        .execute(&mut *tx).await?;
                }
            }
            sqlx::query("UPDATE action_plans SET status = $1 WHERE id = $2")
                .bind(status).bind(plan_id).execute(&mut *tx).await?;
            if let Some(p) = &r.new_version {
                sqlx::query(
                    "UPDATE action_plans SET what = $1, how_much = $2, when_text = $3, how_often = $4,
                        by_date = $5, confidence = $6 WHERE id = $7")
                    .bind(&p.what).bind(&p.how_much).bind(&p.when).bind(&p.how_often)
                    .bind(&p.by_date).bind(p.confidence).bind(plan_id)
                    .execute(&mut *tx).await?;
            }
            if let Some(m) = meeting_id {
                sqlx::query("UPDATE meetings SET version = version + 1, updated_at = $1 WHERE id = $2")
                    .bind(now()).bind(m).execute(&mut *tx).await?;
            }
            tx.commit().await
        })
        .map_err(StoreError::from_sqlx)
    }

    pub async fn reviews_of(&self, plan: &PlanAccess) -> StoreResult<Vec<PlanReview>> {
        let plan_id = plan.id;
        let sql = format!("{REVIEW_SELECT} WHERE r.plan_id = $1 ORDER BY r.at DESC, r.id DESC");
        on_db!(self, pool => sqlx::query_as::<_, PlanReview>(&sql).bind(plan_id).fetch_all(pool).await)
            .map_err(StoreError::from_sqlx)
    }

    /// Open plans of the group's current members (for the goals step).
    pub async fn open_plans_in_group(
        &self,
        viewer: &Staff,
        group: &GroupAccess,
    ) -> StoreResult<Vec<GroupPlan>> {
        self.plans_to_review(viewer, group, None).await
    }

    /// The plans a meeting's goals step shows: those still open, and those already reviewed at
    /// this meeting (done or dropped today stays on screen, to be seen and corrected).
    pub async fn plans_to_review(
        &self,
        viewer: &Staff,
        group: &GroupAccess,
        meeting: Option<&MeetingAccess>,
    ) -> StoreResult<Vec<GroupPlan>> {
        let group_id = group.id();
        if meeting.is_some_and(|m| m.group_id() != group_id) {
            return Err(StoreError::NotFound);
        }
        let meeting_id = meeting.map(MeetingAccess::id);
        if !self.facilitates(viewer, group_id).await? {
            return Err(StoreError::Forbidden);
        }
        let sql = format!(
            "SELECT {PLAN_COLUMNS}, m.preferred_name FROM action_plans p
             JOIN members m ON m.id = p.member_id
             WHERE m.group_id = $1 AND m.left_on IS NULL AND (p.status = 'open'
                OR EXISTS (SELECT 1 FROM plan_reviews r WHERE r.plan_id = p.id AND r.meeting_id = $2))
             ORDER BY lower(m.preferred_name), p.created_at"
        );
        let plans = on_db!(self, pool => sqlx::query_as::<_, GroupPlan>(&sql).bind(group_id).bind(meeting_id).fetch_all(pool).await)
            .map_err(StoreError::from_sqlx)?;
        let shown: Vec<MemberId> = plans.iter().map(|p| p.plan.member_id).collect();
        self.audit_read(
            &viewer.actor(),
            "viewed the group's plans",
            &format!("group:{group_id}"),
            &shown,
        )
        .await?;
        Ok(plans)
    }

    /// The reviews recorded at one meeting (the group's facilitators only).
    pub async fn reviews_at(
        &self,
        viewer: &Staff,
        meeting: &MeetingAccess,
    ) -> StoreResult<Vec<PlanReview>> {
        if !self.facilitates(viewer, meeting.group_id).await? {
            return Err(StoreError::Forbidden);
        }
        let sql = format!("{REVIEW_SELECT} WHERE r.meeting_id = $1 ORDER BY r.at DESC, r.id DESC");
        let reviews = on_db!(self, pool => sqlx::query_as::<_, PlanReview>(&sql).bind(meeting.id).fetch_all(pool).await)
            .map_err(StoreError::from_sqlx)?;
        self.audit_read(
            &viewer.actor(),
            "viewed goal reviews",
            &format!("meeting:{}", meeting.id),
            &[],
        )
        .await?;
        Ok(reviews)
    }

    // --- since last time ----------------------------------------------------------------

    /// The lines of one meeting, with names, for its run-sheet step (the group's facilitators).
    pub async fn checkins_of(
        &self,
        viewer: &Staff,
        meeting: &MeetingAccess,
    ) -> StoreResult<Vec<Checkin>> {
        let (m, meeting_id) = (meeting.meeting(), meeting.id());
        if !self.facilitates(viewer, m.group_id).await? {
            return Err(StoreError::Forbidden);
        }
        let rows = on_db!(self, pool => sqlx::query_as::<_, Checkin>(
            "SELECT id, meeting_id, member_id, note, private, at FROM checkins WHERE meeting_id = $1")
            .bind(meeting_id).fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)?;
        let shown: Vec<MemberId> = rows.iter().map(|c| c.member_id).collect();
        self.audit_read(
            &viewer.actor(),
            "viewed check-ins",
            &format!("meeting:{meeting_id}"),
            &shown,
        )
        .await?;
        Ok(rows)
    }

    /// A meeting's lines as part of its record: every line for the group's own facilitators,
    /// only those the member agreed to share for anyone else who may see the meeting.
    pub async fn meeting_checkins(
        &self,
        viewer: &Staff,
        meeting: &MeetingAccess,
    ) -> StoreResult<Vec<CheckinEntry>> {
        let all = self.facilitates(viewer, meeting.group_id).await?;
        let sql = format!(
            "{CHECKIN_ENTRY} WHERE c.meeting_id = $1 AND ($2 OR NOT c.private)
             ORDER BY lower(mb.preferred_name), c.id"
        );
        let rows = on_db!(self, pool => sqlx::query_as::<_, CheckinEntry>(&sql)
            .bind(meeting.id).bind(all).fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)?;
        let shown: Vec<MemberId> = rows.iter().map(|c| c.member_id).collect();
        self.audit_read(
            &viewer.actor(),
            "viewed check-ins",
            &format!("meeting:{}", meeting.id),
            &shown,
        )
        .await?;
        Ok(rows)
    }

    /// A member's lines over time (newest first), for their page: private ones only for the
    /// group's own facilitators.
    pub async fn member_checkins(
        &self,
        viewer: &Staff,
        member: &super::MemberAccess,
    ) -> StoreResult<Vec<CheckinEntry>> {
        let all = self.facilitates(viewer, member.group_id).await?;
        let sql = format!(
            "{CHECKIN_ENTRY} WHERE c.member_id = $1 AND ($2 OR NOT c.private)
             ORDER BY m.starts_at DESC, c.id DESC"
        );
        let rows = on_db!(self, pool => sqlx::query_as::<_, CheckinEntry>(&sql)
            .bind(member.id).bind(all).fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)?;
        self.audit_read(
            &viewer.actor(),
            "viewed check-ins",
            &format!("member:{}", member.id),
            &[],
        )
        .await?;
        Ok(rows)
    }

    /// How many "since last time" lines each of a group's meetings has, as the viewer may see
    /// them (every line for the group's facilitators, the shared ones for anyone else).
    pub async fn checkin_counts(
        &self,
        viewer: &Staff,
        group: &super::GroupAccess,
    ) -> StoreResult<Vec<(MeetingId, i64)>> {
        let all = self.facilitates(viewer, group.id()).await?;
        on_db!(self, pool => sqlx::query_as::<_, (MeetingId, i64)>(
            "SELECT c.meeting_id, COUNT(*) FROM checkins c JOIN meetings m ON m.id = c.meeting_id
             WHERE m.group_id = $1 AND ($2 OR NOT c.private) GROUP BY c.meeting_id")
            .bind(group.id()).bind(all).fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)
    }

    /// What each member said last time: the newest line of each from the group's meetings
    /// before this one, for the facilitator to follow up in this meeting's round. The group's
    /// facilitators only (private lines are among them).
    pub async fn last_checkins_before(
        &self,
        viewer: &Staff,
        meeting: &MeetingAccess,
        members: &[MemberId],
    ) -> StoreResult<Vec<CheckinEntry>> {
        if !self.facilitates(viewer, meeting.group_id).await? {
            return Err(StoreError::Forbidden);
        }
        if members.is_empty() {
            return Ok(Vec::new());
        }
        // Only the lines of those here are read (not the group's whole history).
        let sql = format!(
            "{CHECKIN_ENTRY} WHERE m.group_id = $1 AND m.starts_at < $2 AND m.id <> $3
               AND c.member_id IN ({})
             ORDER BY m.starts_at DESC, c.id DESC",
            super::placeholders_from(4, members.len())
        );
        let rows = on_db!(self, pool => {
            let mut q = sqlx::query_as::<_, CheckinEntry>(&sql)
                .bind(meeting.group_id).bind(meeting.starts_at).bind(meeting.id);
            for id in members {
                q = q.bind(*id);
            }
            q.fetch_all(pool).await
        })
        .map_err(StoreError::from_sqlx)?;
        let mut newest: Vec<CheckinEntry> = Vec::new();
        for row in rows {
            if !newest.iter().any(|c| c.member_id == row.member_id) {
                newest.push(row);
            }
        }
        Ok(newest)
    }

    /// Keeps (or, when the line is empty, removes) a member's "since last time" line. A line is
    /// kept only at a meeting that has the step, for a member of its group who has not left and
    /// was signed in; otherwise nothing is written and the reason comes back.
    pub async fn save_checkin(
        &self,
        viewer: &Staff,
        meeting: &MeetingAccess,
        member_id: MemberId,
        note: &str,
        private: bool,
    ) -> StoreResult<Result<(), CheckinRefused>> {
        let (m, meeting_id) = (meeting.meeting(), meeting.id());
        if !self.facilitates(viewer, m.group_id).await? {
            return Err(StoreError::Forbidden);
        }
        let member = self.member_unchecked(member_id).await?;
        if member.group_id != m.group_id {
            return Err(StoreError::NotFound);
        }
        let note = note.trim();
        on_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            if note.is_empty() {
                sqlx::query("DELETE FROM checkins WHERE meeting_id = $1 AND member_id = $2")
                    .bind(meeting_id).bind(member_id).execute(&mut *tx).await?;
            } else {
                let (has_step, present): (bool, bool) = sqlx::query_as(
                    "SELECT EXISTS (SELECT 1 FROM meeting_steps WHERE meeting_id = $1 AND kind = 'since_last_time'),
                            EXISTS (SELECT 1 FROM attendance WHERE meeting_id = $1 AND member_id = $2)")
                    .bind(meeting_id).bind(member_id).fetch_one(&mut *tx).await?;
                let refused = if !has_step {
                    Some(CheckinRefused::NoStep)
                } else if member.left_on.is_some() {
                    Some(CheckinRefused::Left)
                } else if !present {
                    Some(CheckinRefused::NotThere)
                } else {
                    None
                };
                if let Some(refused) = refused {
                    tx.rollback().await?;
                    return Ok(Err(refused));
                }
                sqlx::query(
                    "INSERT INTO checkins (meeting_id, member_id, note, private, recorded_by, at)
                     VALUES ($1, $2, $3, $4, $5, $6)
                     ON CONFLICT (meeting_id, member_id) DO UPDATE SET note = excluded.note,
                        private = excluded.private, recorded_by = excluded.recorded_by, at = excluded.at")
                    .bind(meeting_id).bind(member_id).bind(note).bind(private).bind(meeting.actor().to_string()).bind(now())
                    .execute(&mut *tx).await?;
            }
            sqlx::query("UPDATE meetings SET version = version + 1, updated_at = $1 WHERE id = $2")
                .bind(now()).bind(meeting_id).execute(&mut *tx).await?;
            tx.commit().await.map(Ok)
        })
        .map_err(StoreError::from_sqlx)
    }

    /// A member's own lines, with the meeting each was said at (for their personal page).
    pub async fn checkins_of_member(&self, link: &MemberLink) -> StoreResult<Vec<CheckinEntry>> {
        let sql =
            format!("{CHECKIN_ENTRY} WHERE c.member_id = $1 ORDER BY m.starts_at DESC, c.id DESC");
        on_db!(self, pool => sqlx::query_as::<_, CheckinEntry>(&sql)
            .bind(link.id).fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)
    }
}
