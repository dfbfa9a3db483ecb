//! Table definitions shared by both backends. Written by hand: the migrations
//! under `migrations/sqlite` and `migrations/postgres` are the source of truth.

diesel::table! {
    departments (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        username -> Text,
        display_name -> Text,
        password_hash -> Text,
        department_id -> Nullable<BigInt>,
        staff_number -> Nullable<Text>,
        birth_date -> Nullable<Date>,
        active -> Bool,
        must_change_password -> Bool,
        password_changed_at -> Timestamp,
        failed_logins -> Integer,
        locked_until -> Nullable<Timestamp>,
        session_version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    user_roles (user_id, role) {
        user_id -> BigInt,
        role -> Text,
    }
}

diesel::table! {
    audit_events (id) {
        id -> BigInt,
        seq -> BigInt,
        occurred_at -> Timestamp,
        actor_id -> Nullable<BigInt>,
        actor_name -> Text,
        action -> Text,
        entity_type -> Text,
        entity_id -> Text,
        detail -> Text,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    audit_head (id) {
        id -> Integer,
        seq -> BigInt,
        hash -> Text,
    }
}

// ---- register (第3条, 第4条, 第22条, 第23条) ----

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

diesel::joinable!(users -> departments (department_id));
diesel::joinable!(user_roles -> users (user_id));
diesel::joinable!(zones -> departments (department_id));
diesel::joinable!(zone_managers -> zones (zone_id));
diesel::joinable!(zone_managers -> users (user_id));
diesel::joinable!(equipment -> departments (department_id));
diesel::joinable!(equipment -> zones (zone_id));
diesel::joinable!(movements -> zones (zone_id));
diesel::joinable!(disposals -> equipment (equipment_id));
diesel::joinable!(disposals -> users (disposed_by));
diesel::joinable!(movements -> equipment (equipment_id));

// Foundation and register tables, every pair. Each later area declares, in its
// own section below, the pairs between its own tables and any other table —
// never a pair of two tables from other sections, or the impls would collide.
diesel::allow_tables_to_appear_in_same_query!(
    departments,
    users,
    user_roles,
    audit_events,
    audit_head,
    zones,
    zone_managers,
    equipment,
    movements,
    disposals,
);

// ---- access (第5条) ----

diesel::table! {
    permits (id) {
        id -> BigInt,
        zone_id -> BigInt,
        holder_user_id -> Nullable<BigInt>,
        visitor_name -> Nullable<Text>,
        visitor_organization -> Nullable<Text>,
        holder_kind -> Text,
        purpose -> Text,
        valid_from -> Timestamp,
        valid_until -> Timestamp,
        escort_required -> Bool,
        escort_user_id -> Nullable<BigInt>,
        state -> Text,
        requested_by -> BigInt,
        requested_at -> Timestamp,
        decided_by -> Nullable<BigInt>,
        decided_at -> Nullable<Timestamp>,
        decision_note -> Nullable<Text>,
        revoked_by -> Nullable<BigInt>,
        revoked_at -> Nullable<Timestamp>,
        revoke_reason -> Nullable<Text>,
        code -> Nullable<Text>,
        code_kid -> Nullable<Text>,
    }
}

diesel::table! {
    access_events (id) {
        id -> BigInt,
        zone_id -> BigInt,
        permit_id -> Nullable<BigInt>,
        kind -> Text,
        attempt -> Text,
        reason_code -> Nullable<Text>,
        occurred_at -> Timestamp,
        guard_id -> BigInt,
        holder_name -> Nullable<Text>,
        holder_organization -> Nullable<Text>,
        id_checked -> Bool,
        id_document -> Nullable<Text>,
        entry_event_id -> Nullable<BigInt>,
        note -> Nullable<Text>,
    }
}

diesel::table! {
    access_carry_outs (id) {
        id -> BigInt,
        event_id -> BigInt,
        asset_tag -> Text,
        equipment_id -> Nullable<BigInt>,
        movement_id -> Nullable<BigInt>,
        authorised -> Bool,
    }
}

diesel::table! {
    zone_presence (id) {
        id -> BigInt,
        person_key -> Text,
        zone_id -> BigInt,
        permit_id -> BigInt,
        entry_event_id -> BigInt,
        entered_at -> Timestamp,
    }
}

diesel::joinable!(permits -> zones (zone_id));
diesel::joinable!(access_events -> zones (zone_id));
diesel::joinable!(access_events -> permits (permit_id));
diesel::joinable!(access_carry_outs -> access_events (event_id));
diesel::joinable!(zone_presence -> permits (permit_id));
diesel::joinable!(zone_presence -> zones (zone_id));

diesel::allow_tables_to_appear_in_same_query!(
    permits,
    access_events,
    access_carry_outs,
    zone_presence,
);
diesel::allow_tables_to_appear_in_same_query!(permits, users);
diesel::allow_tables_to_appear_in_same_query!(permits, zones);
diesel::allow_tables_to_appear_in_same_query!(access_events, users);
diesel::allow_tables_to_appear_in_same_query!(access_events, zones);
diesel::allow_tables_to_appear_in_same_query!(zone_presence, users);
diesel::allow_tables_to_appear_in_same_query!(zone_presence, zones);
diesel::allow_tables_to_appear_in_same_query!(access_carry_outs, equipment);
diesel::allow_tables_to_appear_in_same_query!(access_carry_outs, movements);

// ---- power (第6条) ----

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

diesel::joinable!(ups_units -> equipment (equipment_id));
diesel::joinable!(ups_readings -> equipment (ups_equipment_id));
diesel::joinable!(ups_events -> equipment (ups_equipment_id));
diesel::allow_tables_to_appear_in_same_query!(ups_units, ups_readings, ups_events, equipment);

// ---- licenses (第14条, 第15条) ----

// ---- cabling (第7条) ----
