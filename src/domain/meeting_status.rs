//! A meeting's status and what may happen to it: the one table of transitions that the pages,
//! the API and the store all follow, so "start", "end", "cancel" and "put back on" mean the
//! same wherever they are asked for.

use super::text_enum::text_enum;

text_enum! {
    /// Where a meeting is in its life.
    pub enum MeetingStatus {
        Planned = ("planned", "Planned"),
        UnderWay = ("under_way", "Under way"),
        Held = ("held", "Held"),
        Cancelled = ("cancelled", "Cancelled"),
    }
}

/// Something a facilitator does to a meeting as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MeetingEvent {
    /// Open the run-sheet and begin (also when the run-sheet first moves to a step).
    Start,
    /// The meeting is over (or, for one run on paper, was held): its record begins.
    End,
    /// It will not happen (a reason is recorded with it).
    Cancel,
    /// A cancelled meeting is back on.
    Reinstate,
    /// Started by mistake: back to planned, as if never started.
    Unstart,
    /// Ended by mistake: under way again, so the run-sheet and sign-in list open again.
    Reopen,
}

impl MeetingEvent {
    pub const ALL: [MeetingEvent; 6] = [
        MeetingEvent::Start,
        MeetingEvent::End,
        MeetingEvent::Cancel,
        MeetingEvent::Reinstate,
        MeetingEvent::Unstart,
        MeetingEvent::Reopen,
    ];

    /// How the event is named in the audit trail.
    pub fn audit_action(self) -> &'static str {
        match self {
            MeetingEvent::Start => "started the meeting",
            MeetingEvent::End => "ended the meeting",
            MeetingEvent::Cancel => "cancelled the meeting",
            MeetingEvent::Reinstate => "put the meeting back on",
            MeetingEvent::Unstart => "undid the start of the meeting",
            MeetingEvent::Reopen => "reopened the meeting",
        }
    }

    /// The status a request names (the API's `status` field) as the event that reaches it
    /// from the meeting's status now: "planned" puts back a cancelled meeting and undoes the
    /// start of one under way; "under_way" starts a planned meeting and reopens a held one.
    pub fn to_reach(from: MeetingStatus, to: MeetingStatus) -> MeetingEvent {
        match (from, to) {
            (MeetingStatus::UnderWay, MeetingStatus::Planned) => MeetingEvent::Unstart,
            (_, MeetingStatus::Planned) => MeetingEvent::Reinstate,
            (MeetingStatus::Held, MeetingStatus::UnderWay) => MeetingEvent::Reopen,
            (_, MeetingStatus::UnderWay) => MeetingEvent::Start,
            (_, MeetingStatus::Held) => MeetingEvent::End,
            (_, MeetingStatus::Cancelled) => MeetingEvent::Cancel,
        }
    }
}

/// What an event does to a meeting in a given status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// The meeting moves to this status.
    To(MeetingStatus),
    /// Already so: nothing changes (a second tap, or two devices doing the same).
    Already,
    /// Not allowed, and why, in words for the person who asked.
    Refused(Refusal),
}

/// Why an event was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("This meeting was cancelled, so it cannot start. Put it back on first.")]
    StartCancelled,
    #[error("This meeting has already ended. Its record is on the meeting's notes page.")]
    StartHeld,
    #[error("This meeting was cancelled, so it cannot be marked as held. Put it back on first.")]
    EndCancelled,
    #[error("Only a cancelled meeting can be put back on.")]
    ReinstateNotCancelled,
    #[error("This meeting has already ended, so it cannot go back to planned. Reopen it instead.")]
    UnstartHeld,
    #[error("This meeting was cancelled. Put it back on first.")]
    UnstartCancelled,
    #[error("Only a meeting that has ended can be reopened.")]
    ReopenNotHeld,
    #[error(
        "This meeting's day has not come yet, so it cannot be marked as held. If the group met today instead, move the meeting to today first."
    )]
    EndBeforeItsDay,
}

impl MeetingStatus {
    /// The table, with the one rule that depends on the calendar: a meeting whose day (in its
    /// group's time zone) is still to come cannot be held, so nothing ever counts a future
    /// meeting as met.
    pub fn on_day(
        self,
        event: MeetingEvent,
        day: jiff::civil::Date,
        today: jiff::civil::Date,
    ) -> Transition {
        match self.on(event) {
            Transition::To(MeetingStatus::Held) if day > today => {
                Transition::Refused(Refusal::EndBeforeItsDay)
            }
            other => other,
        }
    }

    /// The transition table: every status against every event.
    pub fn on(self, event: MeetingEvent) -> Transition {
        use MeetingEvent::*;
        use MeetingStatus::*;
        use Transition::{Already, Refused, To};
        match (self, event) {
            (Planned, Start) => To(UnderWay),
            (Planned, End) => To(Held),
            (Planned, Cancel) => To(Cancelled),
            (Planned, Reinstate) => Already,
            (Planned, Unstart) => Already,
            (Planned, Reopen) => Refused(Refusal::ReopenNotHeld),

            (UnderWay, Start) => Already,
            (UnderWay, End) => To(Held),
            // Started or marked held by mistake, and it did not take place.
            (UnderWay, Cancel) => To(Cancelled),
            (UnderWay, Reinstate) => Refused(Refusal::ReinstateNotCancelled),
            (UnderWay, Unstart) => To(Planned),
            // Another device reopened it first.
            (UnderWay, Reopen) => Already,

            (Held, Start) => Refused(Refusal::StartHeld),
            (Held, End) => Already,
            (Held, Cancel) => To(Cancelled),
            (Held, Reinstate) => Refused(Refusal::ReinstateNotCancelled),
            (Held, Unstart) => Refused(Refusal::UnstartHeld),
            (Held, Reopen) => To(UnderWay),

            (Cancelled, Start) => Refused(Refusal::StartCancelled),
            (Cancelled, End) => Refused(Refusal::EndCancelled),
            // Cancelling again keeps it cancelled; the newer reason is kept.
            (Cancelled, Cancel) => Already,
            (Cancelled, Reinstate) => To(Planned),
            (Cancelled, Unstart) => Refused(Refusal::UnstartCancelled),
            (Cancelled, Reopen) => Refused(Refusal::ReopenNotHeld),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_and_event_has_one_answer() {
        use MeetingStatus::*;
        let expected = [
            (
                Planned,
                [
                    To(UnderWay),
                    To(Held),
                    To(Cancelled),
                    Already,
                    Already,
                    Refused(Refusal::ReopenNotHeld),
                ],
            ),
            (
                UnderWay,
                [
                    Already,
                    To(Held),
                    To(Cancelled),
                    Refused(Refusal::ReinstateNotCancelled),
                    To(Planned),
                    Already,
                ],
            ),
            (
                Held,
                [
                    Refused(Refusal::StartHeld),
                    Already,
                    To(Cancelled),
                    Refused(Refusal::ReinstateNotCancelled),
                    Refused(Refusal::UnstartHeld),
                    To(UnderWay),
                ],
            ),
            (
                Cancelled,
                [
                    Refused(Refusal::StartCancelled),
                    Refused(Refusal::EndCancelled),
                    Already,
                    To(Planned),
                    Refused(Refusal::UnstartCancelled),
                    Refused(Refusal::ReopenNotHeld),
                ],
            ),
        ];
        use Transition::*;
        for (status, answers) in expected {
            for (event, answer) in MeetingEvent::ALL.into_iter().zip(answers) {
                assert_eq!(status.on(event), answer, "{status:?} on {event:?}");
            }
        }
        // The event that reaches a status, from any status that can reach it, reaches it.
        for from in MeetingStatus::ALL {
            for to in MeetingStatus::ALL {
                match from.on(MeetingEvent::to_reach(*from, *to)) {
                    To(s) => assert_eq!(s, *to),
                    Already => assert_eq!(from, to),
                    Refused(_) => assert_ne!(from, to),
                }
            }
        }
    }

    #[test]
    fn a_meeting_cannot_be_held_before_its_day() {
        let today = jiff::civil::date(2027, 1, 5);
        let later = jiff::civil::date(2027, 1, 12);
        for from in [MeetingStatus::Planned, MeetingStatus::UnderWay] {
            assert_eq!(
                from.on_day(MeetingEvent::End, later, today),
                Transition::Refused(Refusal::EndBeforeItsDay)
            );
            assert_eq!(
                from.on_day(MeetingEvent::End, today, today),
                Transition::To(MeetingStatus::Held)
            );
        }
        // Starting early is allowed (the pages ask first); so is anything else.
        assert_eq!(
            MeetingStatus::Planned.on_day(MeetingEvent::Start, later, today),
            Transition::To(MeetingStatus::UnderWay)
        );
    }

    #[test]
    fn statuses_are_stored_and_sent_as_their_text() {
        assert_eq!(MeetingStatus::UnderWay.as_str(), "under_way");
        assert_eq!("held".parse::<MeetingStatus>(), Ok(MeetingStatus::Held));
        assert!("postponed".parse::<MeetingStatus>().is_err());
        assert_eq!(
            serde_json::to_string(&MeetingStatus::Cancelled)
                .ok()
                .as_deref(),
            Some("\"cancelled\"")
        );
        assert_eq!(
            MeetingStatus::choices(),
            "planned, under_way, held or cancelled"
        );
    }
}
