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

// ---- power (第6条) ----

// ---- licenses (第14条, 第15条) ----

// ---- cabling (第7条) ----
