//! Cabling-change authorisations and the devices they touch (第7条).

diesel::table! {
    cabling_changes (id) {
        id -> BigInt,
        zone_id -> BigInt,
        work_kind -> Text,
        description -> Text,
        performer_user_id -> Nullable<BigInt>,
        contractor_company -> Nullable<Text>,
        contractor_contract_number -> Nullable<Text>,
        contractor_worker_name -> Nullable<Text>,
        planned_on -> Date,
        state -> Text,
        requested_by -> BigInt,
        requested_at -> Timestamp,
        decided_by -> Nullable<BigInt>,
        decided_at -> Nullable<Timestamp>,
        decision_note -> Nullable<Text>,
        completed_by -> Nullable<BigInt>,
        completed_at -> Nullable<Timestamp>,
        completion_notes -> Nullable<Text>,
        diagram_updated -> Nullable<Bool>,
        verified_by -> Nullable<BigInt>,
        verified_at -> Nullable<Timestamp>,
        verification_note -> Nullable<Text>,
    }
}

diesel::table! {
    cabling_change_equipment (change_id, equipment_id) {
        change_id -> BigInt,
        equipment_id -> BigInt,
    }
}
