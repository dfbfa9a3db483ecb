//! The hash-chained audit log and its head (第16条, 第30条).

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

diesel::table! {
    /// Signed heads of the chain; append-only.
    audit_checkpoints (id) {
        id -> BigInt,
        seq -> BigInt,
        hash -> Text,
        at -> Timestamp,
        kid -> Text,
        jws -> Text,
        cause -> Text,
        slot -> Nullable<BigInt>,
    }
}

diesel::table! {
    /// Public halves (hex) of the keys that sign checkpoints; append-only.
    audit_checkpoint_keys (kid) {
        kid -> Text,
        public_key -> Text,
        created_at -> Timestamp,
    }
}
