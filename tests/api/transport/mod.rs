//! Transport security: HTTPS served by daicho itself, and TLS to PostgreSQL (第7条).

mod https;
mod postgres_tls;
