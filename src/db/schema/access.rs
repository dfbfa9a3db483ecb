//! Entry permits, the gate's events and who is inside (第5条).

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

diesel::table! {
    /// Public halves of the permit keys (hex), shared by every instance;
    /// the one without `retired_at` signs.
    permit_keys (kid) {
        kid -> Text,
        public_key -> Text,
        created_at -> Timestamp,
        retired_at -> Nullable<Timestamp>,
    }
}
