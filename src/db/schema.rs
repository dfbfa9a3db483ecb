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

diesel::joinable!(stocktakes -> zones (zone_id));
diesel::joinable!(stocktake_scans -> stocktakes (stocktake_id));
diesel::joinable!(stocktake_scans -> equipment (equipment_id));

// Stocktaking (棚卸): pairs between its tables and the others.
diesel::allow_tables_to_appear_in_same_query!(stocktakes, stocktake_scans);
diesel::allow_tables_to_appear_in_same_query!(stocktakes, departments);
diesel::allow_tables_to_appear_in_same_query!(stocktakes, users);
diesel::allow_tables_to_appear_in_same_query!(stocktakes, user_roles);
diesel::allow_tables_to_appear_in_same_query!(stocktakes, audit_events);
diesel::allow_tables_to_appear_in_same_query!(stocktakes, audit_head);
diesel::allow_tables_to_appear_in_same_query!(stocktakes, zones);
diesel::allow_tables_to_appear_in_same_query!(stocktakes, zone_managers);
diesel::allow_tables_to_appear_in_same_query!(stocktakes, equipment);
diesel::allow_tables_to_appear_in_same_query!(stocktakes, movements);
diesel::allow_tables_to_appear_in_same_query!(stocktake_scans, departments);
diesel::allow_tables_to_appear_in_same_query!(stocktake_scans, users);
diesel::allow_tables_to_appear_in_same_query!(stocktake_scans, user_roles);
diesel::allow_tables_to_appear_in_same_query!(stocktake_scans, audit_events);
diesel::allow_tables_to_appear_in_same_query!(stocktake_scans, audit_head);
diesel::allow_tables_to_appear_in_same_query!(stocktake_scans, zones);
diesel::allow_tables_to_appear_in_same_query!(stocktake_scans, zone_managers);
diesel::allow_tables_to_appear_in_same_query!(stocktake_scans, equipment);
diesel::allow_tables_to_appear_in_same_query!(stocktake_scans, movements);

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

diesel::table! {
    software (id) {
        id -> BigInt,
        name -> Text,
        vendor -> Text,
        edition -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    licenses (id) {
        id -> BigInt,
        software_id -> BigInt,
        kind -> Text,
        seats -> Nullable<Integer>,
        valid_from -> Nullable<Date>,
        valid_until -> Nullable<Date>,
        certificate_number -> Nullable<Text>,
        purchased_on -> Nullable<Date>,
        purchased_from -> Nullable<Text>,
        purchase_price_yen -> Nullable<BigInt>,
        department_id -> BigInt,
        notes -> Nullable<Text>,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    install_requests (id) {
        id -> BigInt,
        equipment_id -> BigInt,
        software_id -> BigInt,
        version -> Text,
        change_kind -> Text,
        reason -> Text,
        state -> Text,
        requested_by -> BigInt,
        requested_at -> Timestamp,
        decided_by -> Nullable<BigInt>,
        decided_at -> Nullable<Timestamp>,
        decision_note -> Nullable<Text>,
    }
}

diesel::table! {
    installations (id) {
        id -> BigInt,
        equipment_id -> BigInt,
        software_id -> BigInt,
        version -> Text,
        install_request_id -> Nullable<BigInt>,
        installed_on -> Nullable<Date>,
        recorded_by -> BigInt,
        recorded_at -> Timestamp,
        released_at -> Nullable<Timestamp>,
        released_by -> Nullable<BigInt>,
        release_reason -> Nullable<Text>,
    }
}

diesel::joinable!(licenses -> software (software_id));
diesel::joinable!(licenses -> departments (department_id));
diesel::joinable!(install_requests -> software (software_id));
diesel::joinable!(install_requests -> equipment (equipment_id));
diesel::joinable!(installations -> software (software_id));
diesel::joinable!(installations -> equipment (equipment_id));
diesel::joinable!(installations -> install_requests (install_request_id));

diesel::allow_tables_to_appear_in_same_query!(software, licenses, install_requests, installations);
diesel::allow_tables_to_appear_in_same_query!(software, departments);
diesel::allow_tables_to_appear_in_same_query!(software, users);
diesel::allow_tables_to_appear_in_same_query!(software, equipment);
diesel::allow_tables_to_appear_in_same_query!(software, zones);
diesel::allow_tables_to_appear_in_same_query!(licenses, departments);
diesel::allow_tables_to_appear_in_same_query!(licenses, users);
diesel::allow_tables_to_appear_in_same_query!(licenses, equipment);
diesel::allow_tables_to_appear_in_same_query!(licenses, zones);
diesel::allow_tables_to_appear_in_same_query!(install_requests, departments);
diesel::allow_tables_to_appear_in_same_query!(install_requests, users);
diesel::allow_tables_to_appear_in_same_query!(install_requests, equipment);
diesel::allow_tables_to_appear_in_same_query!(install_requests, zones);
diesel::allow_tables_to_appear_in_same_query!(installations, departments);
diesel::allow_tables_to_appear_in_same_query!(installations, users);
diesel::allow_tables_to_appear_in_same_query!(installations, equipment);
diesel::allow_tables_to_appear_in_same_query!(installations, zones);

// ---- cabling (第7条) ----

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

diesel::joinable!(cabling_changes -> zones (zone_id));
diesel::joinable!(cabling_change_equipment -> cabling_changes (change_id));
diesel::joinable!(cabling_change_equipment -> equipment (equipment_id));

diesel::allow_tables_to_appear_in_same_query!(cabling_changes, cabling_change_equipment);
diesel::allow_tables_to_appear_in_same_query!(cabling_changes, departments);
diesel::allow_tables_to_appear_in_same_query!(cabling_changes, users);
diesel::allow_tables_to_appear_in_same_query!(cabling_changes, equipment);
diesel::allow_tables_to_appear_in_same_query!(cabling_changes, zones);
diesel::allow_tables_to_appear_in_same_query!(cabling_change_equipment, departments);
diesel::allow_tables_to_appear_in_same_query!(cabling_change_equipment, users);
diesel::allow_tables_to_appear_in_same_query!(cabling_change_equipment, equipment);
diesel::allow_tables_to_appear_in_same_query!(cabling_change_equipment, zones);
