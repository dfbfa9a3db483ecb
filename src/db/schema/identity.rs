//! Users, their roles, and departments (第11条, 第17条, 第18条).

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
    /// Signed-in sessions and when each was last used (the idle limit).
    sessions (jti) {
        jti -> Text,
        user_id -> BigInt,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
    }
}

diesel::table! {
    /// Failed sign-ins under names that belong to no account.
    login_failures (name) {
        name -> Text,
        failed_logins -> Integer,
        locked_until -> Nullable<Timestamp>,
        updated_at -> Timestamp,
    }
}
