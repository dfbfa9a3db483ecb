//! 第10条 (information-security incidents) and 第27条 (system faults): the words of
//! an incident record and who may answer it. Pure: no database, no web.

use crate::kit::vocabulary::vocabulary;

vocabulary!(
    /// 事故 (第10条) or 障害 (第27条).
    IncidentKind {
        Incident = "incident" / "情報セキュリティ事故",
        Fault = "fault" / "障害",
    }
);

vocabulary!(
    /// Where the record is: reported, answered (response, cause, prevention), closed.
    IncidentState {
        Open = "open" / "対応中",
        Responded = "responded" / "対応記録済",
        Closed = "closed" / "完了",
    }
);

pub const TITLE_MAX: usize = 200;
pub const TEXT_MAX: usize = 4000;
pub const SOURCE_MAX: usize = 200;
/// Devices named in one report.
pub const DEVICES_MAX: usize = 50;

/// 第10条4項, 第27条1項(3)–(5): the security manager who answers for the place
/// records the response. That is a security manager who manages the incident's
/// zone, or, for one without a zone, belongs to its department.
pub fn may_respond(
    is_security_manager: bool,
    manages_zone: bool,
    same_department: bool,
    has_zone: bool,
) -> bool {
    is_security_manager && (manages_zone || (!has_zone && same_department))
}

/// The response may be written and rewritten until the record is closed.
pub fn may_record_response(state: IncidentState) -> bool {
    state != IncidentState::Closed
}

/// Closing needs the response, the cause and the prevention recorded.
pub fn may_close(state: IncidentState) -> bool {
    state == IncidentState::Responded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_zones_manager_answers_or_the_departments_when_there_is_no_zone() {
        assert!(may_respond(true, true, false, true));
        assert!(
            !may_respond(true, false, true, true),
            "the zone decides when there is one"
        );
        assert!(may_respond(true, false, true, false));
        assert!(
            !may_respond(false, true, true, true),
            "only security managers answer"
        );
        assert!(!may_respond(true, false, false, false));
    }

    #[test]
    fn a_closed_record_is_kept_as_it_was() {
        assert!(may_record_response(IncidentState::Open));
        assert!(may_record_response(IncidentState::Responded));
        assert!(!may_record_response(IncidentState::Closed));
        assert!(!may_close(IncidentState::Open));
        assert!(may_close(IncidentState::Responded));
        assert!(!may_close(IncidentState::Closed));
    }
}
