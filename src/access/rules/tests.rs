//! The access rules, case by case.

use super::*;
use chrono::NaiveDate;

fn t(h: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 11, 25)
        .unwrap()
        .and_hms_opt(h, 0, 0)
        .unwrap()
}

fn facts() -> GateFacts {
    GateFacts {
        state: PermitState::Approved,
        valid_from: t(8),
        valid_until: t(18),
        permit_zone: 1,
        gate_zone: 1,
        inside_here: false,
        inside_anywhere: false,
        now: t(10),
    }
}

#[test]
fn permit_state_machine() {
    use PermitAction::*;
    use PermitState::*;
    assert_eq!(transition(Requested, Approve), Some(Approved));
    assert_eq!(transition(Requested, Reject), Some(Rejected));
    assert_eq!(transition(Approved, Revoke), Some(Revoked));
    for (from, action) in [
        (Approved, Approve),
        (Rejected, Approve),
        (Revoked, Approve),
        (Requested, Revoke),
        (Rejected, Revoke),
        (Expired, Revoke),
        (Approved, Reject),
    ] {
        assert_eq!(transition(from, action), None, "{from:?} {action:?}");
    }
    assert_eq!(effective_state(Approved, t(9), t(10)), Expired);
    assert_eq!(effective_state(Approved, t(11), t(10)), Approved);
    assert_eq!(effective_state(Revoked, t(9), t(10)), Revoked);
}

#[test]
fn every_entry_reason() {
    assert_eq!(entry_verdict(&facts(), Some(true)), Verdict::Allow);
    assert_eq!(entry_verdict(&facts(), None), Verdict::Allow);
    let deny = |f: GateFacts, id| entry_verdict(&f, id).reason().unwrap();
    assert_eq!(
        deny(
            GateFacts {
                state: PermitState::Requested,
                ..facts()
            },
            None
        ),
        DenyReason::NotApproved
    );
    assert_eq!(
        deny(
            GateFacts {
                state: PermitState::Revoked,
                ..facts()
            },
            None
        ),
        DenyReason::Revoked
    );
    assert_eq!(
        deny(
            GateFacts {
                now: t(7),
                ..facts()
            },
            None
        ),
        DenyReason::NotYetValid
    );
    assert_eq!(
        entry_verdict(
            &GateFacts {
                now: t(8) - TimeDelta::minutes(3),
                ..facts()
            },
            None
        ),
        Verdict::Allow,
        "within the early grace"
    );
    assert_eq!(
        deny(
            GateFacts {
                now: t(19),
                ..facts()
            },
            None
        ),
        DenyReason::Expired
    );
    assert_eq!(
        deny(
            GateFacts {
                gate_zone: 2,
                ..facts()
            },
            None
        ),
        DenyReason::WrongZone
    );
    assert_eq!(
        deny(
            GateFacts {
                inside_anywhere: true,
                ..facts()
            },
            None
        ),
        DenyReason::AlreadyInside
    );
    assert_eq!(deny(facts(), Some(false)), DenyReason::IdNotChecked);
}

#[test]
fn exits_let_people_out() {
    let inside = GateFacts {
        inside_here: true,
        inside_anywhere: true,
        ..facts()
    };
    assert_eq!(exit_verdict(&inside), Verdict::Allow);
    assert_eq!(
        exit_verdict(&GateFacts {
            now: t(20),
            state: PermitState::Revoked,
            ..inside
        }),
        Verdict::Allow
    );
    assert_eq!(exit_verdict(&facts()), Verdict::Deny(DenyReason::NotInside));
    assert_eq!(
        exit_verdict(&GateFacts {
            gate_zone: 3,
            ..inside
        }),
        Verdict::Deny(DenyReason::WrongZone)
    );
}

#[test]
fn reasons_round_trip_and_read() {
    for r in DenyReason::ALL {
        assert_eq!(DenyReason::parse(r.code()), Some(r));
        assert!(!r.message().is_empty());
        assert_eq!(
            serde_json::to_value(r).unwrap(),
            serde_json::json!(r.code())
        );
    }
}

#[test]
fn windows() {
    assert!(check_window(t(8), t(18), t(7)).is_ok());
    assert_eq!(
        check_window(t(18), t(8), t(7)).unwrap_err().0,
        "valid_until"
    );
    assert!(check_window(t(8), t(9), t(10)).is_err());
    assert!(check_window(t(8), t(8) + TimeDelta::days(400), t(7)).is_err());
    assert!(carry_out_in_window(t(10), t(10)));
    assert!(carry_out_in_window(t(10) + TimeDelta::hours(20), t(10)));
    assert!(!carry_out_in_window(t(10) + TimeDelta::days(2), t(10)));
    assert!(!carry_out_in_window(t(10) - TimeDelta::days(31), t(10)));
    assert!(overdue(t(9), t(10)));
    assert!(!overdue(t(11), t(10)));
    assert_eq!(person_key(Some(4), 9), "user:4");
    assert_eq!(person_key(None, 9), "permit:9");
}
