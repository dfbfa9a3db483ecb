//! Software, licenses, install requests and installations (第14条, 第15条).

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
