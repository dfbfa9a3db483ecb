//! Zones, equipment, carry-in/out, disposal and stocktaking (第3条, 第4条, 第22条, 第23条).

diesel::table! {
    zones (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        department_id -> BigInt,
        location -> Nullable<Text>,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    zone_managers (zone_id, user_id) {
        zone_id -> BigInt,
        user_id -> BigInt,
    }
}

diesel::table! {
    equipment (id) {
        id -> BigInt,
        asset_tag -> Text,
        name -> Text,
        kind -> Text,
        key_equipment -> Bool,
        department_id -> BigInt,
        zone_id -> Nullable<BigInt>,
        building -> Nullable<Text>,
        floor -> Nullable<Text>,
        room -> Nullable<Text>,
        rack -> Nullable<Text>,
        rack_unit -> Nullable<Text>,
        manufacturer -> Nullable<Text>,
        model -> Nullable<Text>,
        serial_number -> Nullable<Text>,
        classification -> Text,
        status -> Text,
        installed_on -> Nullable<Date>,
        ups_equipment_id -> Nullable<BigInt>,
        surge_protection -> Nullable<Text>,
        required_shutdown_min -> Nullable<Integer>,
        notes -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    movements (id) {
        id -> BigInt,
        direction -> Text,
        equipment_id -> Nullable<BigInt>,
        item_description -> Nullable<Text>,
        zone_id -> BigInt,
        reason -> Text,
        destination -> Nullable<Text>,
        planned_at -> Timestamp,
        return_due -> Nullable<Date>,
        state -> Text,
        requested_by -> BigInt,
        requested_at -> Timestamp,
        decided_by -> Nullable<BigInt>,
        decided_at -> Nullable<Timestamp>,
        decision_note -> Nullable<Text>,
        completed_at -> Nullable<Timestamp>,
        returned_at -> Nullable<Timestamp>,
        access_event_id -> Nullable<BigInt>,
        prior_status -> Nullable<Text>,
        settlement -> Nullable<Text>,
        settled_by -> Nullable<BigInt>,
        settled_at -> Nullable<Timestamp>,
        settlement_note -> Nullable<Text>,
    }
}

diesel::table! {
    disposals (id) {
        id -> BigInt,
        equipment_id -> BigInt,
        method -> Text,
        certificate_number -> Nullable<Text>,
        witnessed_by -> Nullable<Text>,
        notes -> Nullable<Text>,
        classification -> Text,
        disposed_by -> BigInt,
        disposed_at -> Timestamp,
    }
}

diesel::table! {
    stocktakes (id) {
        id -> BigInt,
        zone_id -> BigInt,
        state -> Text,
        opened_by -> BigInt,
        opened_at -> Timestamp,
        closed_by -> Nullable<BigInt>,
        closed_at -> Nullable<Timestamp>,
        report_json -> Nullable<Text>,
        report_hash -> Nullable<Text>,
    }
}

diesel::table! {
    stocktake_scans (id) {
        id -> BigInt,
        stocktake_id -> BigInt,
        code -> Text,
        asset_tag -> Text,
        equipment_id -> Nullable<BigInt>,
        result -> Text,
        scanned_by -> BigInt,
        scanned_at -> Timestamp,
    }
}
