//! The refreshments rota: who hosts the next meetings, or whom it is fair to ask.

use crate::AppState;
use crate::domain::ids::{MeetingId, MemberId};
use crate::domain::meeting::Meeting;
use crate::domain::social::{said_no, suggest_host};
use crate::error::AppResult;
use crate::mail::Outcome;
use crate::store::{GroupAccess, MeetingAccess, StoreResult, now};

/// A meeting to come with its host, or the fair suggestion.
pub struct RotaMeeting {
    pub meeting: Meeting,
    pub host: Option<(MemberId, String)>,
    /// The fair choice when nobody is confirmed, or instead of a host who said they cannot
    /// come. None when nobody on the rota can host (everyone said no).
    pub suggested: Option<(MemberId, String)>,
    /// The confirmed host said they cannot come.
    pub host_cannot_come: bool,
}

/// The next few meetings with their host or the fair suggestion for each, worked out in
/// order: a suggested host counts as hosting for the meetings after.
pub async fn rota_meetings(state: &AppState, group: &GroupAccess) -> AppResult<Vec<RotaMeeting>> {
    let t = now() - 6 * 3600;
    let upcoming: Vec<Meeting> = state
        .store
        .coming_meetings_of(group, t, 8)
        .await?
        .into_iter()
        .map(|s| s.meeting)
        .filter(|m| m.is_planned())
        .take(4)
        .collect();
    let Some(first) = upcoming.first() else {
        return Ok(Vec::new());
    };
    // Three reads however many meetings: the rota as it stands before the first of them, the
    // confirmed hosts and who is coming to each. Hosts confirmed or suggested for the earlier
    // of these meetings then count for the later ones.
    let ids: Vec<MeetingId> = upcoming.iter().map(|m| m.id).collect();
    let standing = state.store.rota_of(group, first.starts_at).await?;
    let hosts = state.store.meeting_hosts_of(group, &ids).await?;
    let answers_all = state.store.answers_to_each(group, &ids).await?;
    let mut out = Vec::with_capacity(upcoming.len());
    let mut earlier_hosts: Vec<(MemberId, i64)> = Vec::new();
    for meeting in upcoming {
        let host = hosts
            .iter()
            .find(|(m, _, _)| *m == meeting.id)
            .map(|(_, member, name)| (*member, name.clone()));
        let answers: Vec<(MemberId, crate::domain::meeting::RsvpAnswer)> = answers_all
            .iter()
            .filter(|(m, _, _)| *m == meeting.id)
            .map(|(_, member, answer)| (*member, *answer))
            .collect();
        let host_cannot_come = host
            .as_ref()
            .is_some_and(|(member, _)| said_no(&answers, *member));
        let suggested = if let Some((member, _)) = host.as_ref().filter(|_| !host_cannot_come) {
            earlier_hosts.push((*member, meeting.starts_at));
            None
        } else {
            let mut rota = standing.clone();
            for r in rota.iter_mut() {
                for (member, at) in &earlier_hosts {
                    if *member == r.member_id {
                        r.last_hosted = Some(r.last_hosted.unwrap_or(i64::MIN).max(*at));
                        r.times_hosted += 1;
                    }
                }
            }
            let pick = suggest_host(&rota, &answers).and_then(|id| {
                rota.iter()
                    .find(|r| r.member_id == id)
                    .map(|r| (id, r.member_name.clone()))
            });
            if let Some((id, _)) = pick.as_ref() {
                earlier_hosts.push((*id, meeting.starts_at));
            }
            pick
        };
        out.push(RotaMeeting {
            meeting,
            host,
            suggested,
            host_cannot_come,
        });
    }
    Ok(out)
}

/// Confirms the host of a meeting's refreshments (or, with None, leaves nobody down), and
/// tells a confirmed host by email when they take it. A member of another group is not found.
#[tracing::instrument(skip_all, fields(meeting = meeting.id().get()))]
pub async fn set_host(
    state: &AppState,
    meeting: &MeetingAccess,
    member: Option<MemberId>,
) -> StoreResult<Option<Outcome>> {
    state.store.set_meeting_host(meeting, member).await?;
    match member {
        Some(m) => crate::mail::host_confirmed(state, meeting.id(), m).await,
        None => Ok(None),
    }
}
