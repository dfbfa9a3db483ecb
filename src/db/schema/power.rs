//! UPS units, their readings and status changes (第6条).

diesel::table! {
    ups_units (equipment_id) {
        equipment_id -> BigInt,
        capacity_va -> Integer,
        capacity_w -> Nullable<Integer>,
        rated_runtime_min -> Integer,
        battery_installed_on -> Nullable<Date>,
        battery_replace_due -> Nullable<Date>,
        last_self_test_on -> Nullable<Date>,
        last_self_test_result -> Nullable<Text>,
        outlets_battery -> Nullable<Integer>,
        outlets_surge_only -> Nullable<Integer>,
        auto_shutdown -> Nullable<Text>,
        maintenance_vendor -> Nullable<Text>,
        nut_host -> Nullable<Text>,
        nut_port -> Nullable<Integer>,
        nut_ups_name -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    ups_readings (id) {
        id -> BigInt,
        ups_equipment_id -> BigInt,
        polled_at -> Timestamp,
        reachable -> Bool,
        status -> Nullable<Text>,
        battery_charge -> Nullable<Double>,
        runtime_s -> Nullable<BigInt>,
        load -> Nullable<Double>,
        error -> Nullable<Text>,
    }
}

diesel::table! {
    ups_events (id) {
        id -> BigInt,
        ups_equipment_id -> BigInt,
        occurred_at -> Timestamp,
        kind -> Text,
        status -> Nullable<Text>,
        battery_charge -> Nullable<Double>,
        runtime_s -> Nullable<BigInt>,
    }
}
