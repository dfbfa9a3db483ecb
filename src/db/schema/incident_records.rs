//! Incident and fault records (第10条, 第27条) and the devices they involve.

diesel::table! {
    incidents (id) {
        id -> BigInt,
        kind -> Text,
        title -> Text,
        description -> Text,
        found_at -> Timestamp,
        zone_id -> Nullable<BigInt>,
        department_id -> BigInt,
        source -> Nullable<Text>,
        state -> Text,
        reported_by -> BigInt,
        reported_at -> Timestamp,
        response -> Nullable<Text>,
        cause -> Nullable<Text>,
        prevention -> Nullable<Text>,
        responded_by -> Nullable<BigInt>,
        responded_at -> Nullable<Timestamp>,
        closed_by -> Nullable<BigInt>,
        closed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    incident_equipment (incident_id, equipment_id) {
        incident_id -> BigInt,
        equipment_id -> BigInt,
    }
}
