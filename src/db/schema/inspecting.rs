//! Inspections (点検記録, 第32条) and their findings.

diesel::table! {
    inspections (id) {
        id -> BigInt,
        period_from -> Date,
        period_to -> Date,
        note -> Text,
        state -> Text,
        opened_by -> BigInt,
        opened_at -> Timestamp,
        report_json -> Text,
        signed_by -> Nullable<BigInt>,
        signed_at -> Nullable<Timestamp>,
        signed_report -> Nullable<Text>,
        report_sha256 -> Nullable<Text>,
        chain_seq -> Nullable<BigInt>,
        chain_hash -> Nullable<Text>,
    }
}

diesel::table! {
    inspection_findings (id) {
        id -> BigInt,
        inspection_id -> BigInt,
        n -> Integer,
        article -> Text,
        code -> Text,
        message -> Text,
        entity_type -> Nullable<Text>,
        entity_id -> Nullable<Text>,
        disposition -> Nullable<Text>,
        comment -> Text,
        decided_by -> Nullable<BigInt>,
        decided_at -> Nullable<Timestamp>,
    }
}
