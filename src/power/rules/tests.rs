//! The power rules, case by case.

use super::*;

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn ups(rated: i32, due: Option<&str>, live: Option<Live>) -> Option<UpsFacts> {
    Some(UpsFacts {
        rated_runtime_min: Some(rated),
        battery_replace_due: due.map(day),
        live,
    })
}

fn live(status: &str, runtime_s: Option<i64>) -> Option<Live> {
    Some(Live {
        reachable: true,
        status: Some(status.to_owned()),
        runtime_s,
    })
}

const TODAY: &str = "2026-11-25";

#[test]
fn a_well_protected_device_has_no_problem() {
    let d = DeviceFacts {
        surge_protection: Some(SurgeProtection::Ups),
        required_shutdown_min: Some(10),
        ups: ups(15, Some("2027-06-01"), None),
    };
    let a = assess(&d, day(TODAY));
    assert_eq!(a.problems, vec![]);
    assert_eq!(a.runtime_min, Some(15));
    assert_eq!(a.runtime_source, Some(RuntimeSource::Rated));
}

#[test]
fn no_ups_and_no_surge() {
    let d = DeviceFacts {
        surge_protection: Some(SurgeProtection::Ups),
        required_shutdown_min: Some(10),
        ups: None,
    };
    assert_eq!(
        assess(&d, day(TODAY)).problems,
        vec![Problem::NoUps, Problem::NoSurgeProtection]
    );
    let spd = DeviceFacts {
        surge_protection: Some(SurgeProtection::Spd),
        ..d
    };
    assert_eq!(assess(&spd, day(TODAY)).problems, vec![Problem::NoUps]);
}

#[test]
fn live_runtime_wins_over_rated() {
    let d = DeviceFacts {
        surge_protection: Some(SurgeProtection::Spd),
        required_shutdown_min: Some(10),
        ups: ups(30, None, live("OL", Some(300))),
    };
    let a = assess(&d, day(TODAY));
    assert_eq!(a.runtime_min, Some(5));
    assert_eq!(a.runtime_source, Some(RuntimeSource::Live));
    assert_eq!(a.problems, vec![Problem::InsufficientRuntime]);
}

#[test]
fn unknown_figures_are_insufficient() {
    let d = DeviceFacts {
        surge_protection: Some(SurgeProtection::Spd),
        required_shutdown_min: None,
        ups: ups(30, None, None),
    };
    assert_eq!(
        assess(&d, day(TODAY)).problems,
        vec![Problem::InsufficientRuntime]
    );
    let no_details = DeviceFacts {
        required_shutdown_min: Some(5),
        ups: Some(UpsFacts {
            rated_runtime_min: None,
            battery_replace_due: None,
            live: None,
        }),
        ..d
    };
    let a = assess(&no_details, day(TODAY));
    assert_eq!(a.runtime_min, None);
    assert_eq!(a.problems, vec![Problem::InsufficientRuntime]);
}

#[test]
fn battery_due_within_thirty_days_or_reported() {
    let base = DeviceFacts {
        surge_protection: Some(SurgeProtection::Spd),
        required_shutdown_min: Some(1),
        ups: ups(30, Some("2026-12-25"), None),
    };
    assert_eq!(
        assess(&base, day(TODAY)).problems,
        vec![Problem::BatteryDue]
    );
    let later = DeviceFacts {
        ups: ups(30, Some("2026-12-26"), None),
        ..base.clone()
    };
    assert_eq!(assess(&later, day(TODAY)).problems, vec![]);
    let rb = DeviceFacts {
        ups: ups(30, None, live("OL RB", Some(1800))),
        ..base
    };
    assert_eq!(assess(&rb, day(TODAY)).problems, vec![Problem::BatteryDue]);
}

#[test]
fn live_states() {
    let d = DeviceFacts {
        surge_protection: Some(SurgeProtection::Spd),
        required_shutdown_min: Some(1),
        ups: ups(30, None, live("OB LB", Some(120))),
    };
    assert_eq!(
        assess(&d, day(TODAY)).problems,
        vec![Problem::OnBattery, Problem::LowBattery]
    );
    let gone = DeviceFacts {
        ups: ups(
            30,
            None,
            Some(Live {
                reachable: false,
                status: None,
                runtime_s: None,
            }),
        ),
        ..d
    };
    let a = assess(&gone, day(TODAY));
    assert_eq!(a.problems, vec![Problem::UpsUnreachable]);
    assert_eq!(a.runtime_source, Some(RuntimeSource::Rated));
}

#[test]
fn events_follow_status_changes() {
    let ol = Observation::Status("OL".into());
    let ob = Observation::Status("OB".into());
    let oblb = Observation::Status("OB LB".into());
    let down = Observation::Unreachable;
    assert_eq!(events_between(None, None, &ol), vec![]);
    assert_eq!(events_between(None, None, &ob), vec![EventKind::OnBattery]);
    assert_eq!(
        events_between(Some(&ol), Some("OL"), &ob),
        vec![EventKind::OnBattery]
    );
    assert_eq!(
        events_between(Some(&ob), Some("OB"), &oblb),
        vec![EventKind::LowBattery]
    );
    assert_eq!(
        events_between(Some(&oblb), Some("OB LB"), &ol),
        vec![EventKind::OnMains]
    );
    assert_eq!(events_between(Some(&ol), Some("OL"), &ol), vec![]);
    assert_eq!(
        events_between(Some(&ol), Some("OL"), &Observation::Status("OL RB".into())),
        vec![EventKind::ReplaceBattery]
    );
    assert_eq!(
        events_between(Some(&ol), Some("OL"), &down),
        vec![EventKind::Unreachable]
    );
    assert_eq!(events_between(Some(&down), Some("OL"), &down), vec![]);
    assert_eq!(
        events_between(Some(&down), Some("OL"), &ob),
        vec![EventKind::Reachable, EventKind::OnBattery]
    );
    assert_eq!(
        events_between(None, None, &down),
        vec![EventKind::Unreachable]
    );
}

#[test]
fn backoff_doubles_up_to_a_cap() {
    let s = Duration::from_secs(30);
    assert_eq!(backoff(s, 0), Duration::ZERO);
    assert_eq!(backoff(s, 1), s);
    assert_eq!(backoff(s, 2), Duration::from_secs(60));
    assert_eq!(backoff(s, 3), Duration::from_secs(120));
    assert_eq!(backoff(s, 50), MAX_BACKOFF);
}

#[test]
fn nut_names_cannot_smuggle_protocol_lines() {
    assert!(valid_nut_host("ups-01.example.lg.jp"));
    assert!(valid_nut_host("::1"));
    assert!(!valid_nut_host("a b"));
    assert!(!valid_nut_host("a\nLOGOUT"));
    assert!(valid_nut_ups_name("dummy"));
    assert!(!valid_nut_ups_name("x y"));
    assert!(!valid_nut_ups_name(""));
}
