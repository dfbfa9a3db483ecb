//! 第7条: only an operator instructed by the manager, or a contracted vendor, changes
//! cabling. The work's states and who may move it on. Pure: no database, no web.

use crate::kit::vocabulary::vocabulary;

vocabulary!(
    /// 作業内容: add, change or remove cabling or equipment.
    WorkKind {
        Add = "add" / "追加",
        Change = "change" / "変更",
        Remove = "remove" / "撤去",
    }
);

vocabulary!(
    /// A cabling change's state.
    CablingState {
        Requested = "requested" / "申請中",
        Authorized = "authorized" / "作業指示済",
        Rejected = "rejected" / "却下",
        Completed = "completed" / "作業完了報告済",
        Verified = "verified" / "完了確認済",
    }
);

/// The step someone wants to take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Authorize,
    Reject,
    Complete,
    Verify,
}

impl Step {
    /// The state a step starts from.
    pub fn from_state(self) -> CablingState {
        match self {
            Step::Authorize | Step::Reject => CablingState::Requested,
            Step::Complete => CablingState::Authorized,
            Step::Verify => CablingState::Completed,
        }
    }

    pub fn to_state(self) -> CablingState {
        match self {
            Step::Authorize => CablingState::Authorized,
            Step::Reject => CablingState::Rejected,
            Step::Complete => CablingState::Completed,
            Step::Verify => CablingState::Verified,
        }
    }

    pub fn action(self) -> &'static str {
        match self {
            Step::Authorize => "cabling.authorize",
            Step::Reject => "cabling.reject",
            Step::Complete => "cabling.complete",
            Step::Verify => "cabling.verify",
        }
    }
}

/// Who does the work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Performer {
    /// A named 運用管理者 (a user with the operator role).
    Operator(i64),
    /// A contracted vendor's worker.
    Contractor,
}

/// 第7条: who may record the work as done. The named operator themself; for a
/// contractor, any operator recording the named contractor's work.
pub fn may_complete(performer: &Performer, user_id: i64, is_operator: bool) -> bool {
    match performer {
        Performer::Operator(id) => *id == user_id && is_operator,
        Performer::Contractor => is_operator,
    }
}

/// The manager who confirms the work must not be the one who did it.
pub fn may_verify(performer: &Performer, completed_by: Option<i64>, user_id: i64) -> bool {
    completed_by != Some(user_id) && *performer != Performer::Operator(user_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_follow_the_workflow() {
        assert_eq!(Step::Authorize.from_state(), CablingState::Requested);
        assert_eq!(Step::Complete.from_state(), CablingState::Authorized);
        assert_eq!(Step::Verify.from_state(), CablingState::Completed);
        assert_eq!(Step::Reject.to_state(), CablingState::Rejected);
    }

    #[test]
    fn only_the_authorised_performer_completes() {
        assert!(may_complete(&Performer::Operator(7), 7, true));
        assert!(!may_complete(&Performer::Operator(7), 8, true));
        assert!(!may_complete(&Performer::Operator(7), 7, false));
        assert!(may_complete(&Performer::Contractor, 8, true));
        assert!(!may_complete(&Performer::Contractor, 8, false));
    }

    #[test]
    fn the_worker_does_not_verify_their_own_work() {
        assert!(!may_verify(&Performer::Operator(7), Some(7), 7));
        assert!(!may_verify(&Performer::Contractor, Some(8), 8));
        assert!(may_verify(&Performer::Contractor, Some(8), 9));
    }
}
