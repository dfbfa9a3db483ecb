//! How a PostgreSQL connection travels: 第7条 names interception (傍受) of cabling, so the
//! start says whether the database connection is encrypted, and warns when it crosses a
//! network in the clear. TLS itself is libpq's (`sslmode` in `DATABASE_URL`).

use super::DbConn;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Nullable, Text};
use std::net::IpAddr;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    /// A SQLite file: nothing travels.
    File,
    /// TLS, with the protocol version the server reports (`TLSv1.3`).
    Tls { version: String },
    /// Unencrypted over a Unix socket or loopback: never leaves the machine.
    Local,
    /// Unencrypted over a network, to this server address.
    Plain { server: String },
}

#[derive(QueryableByName)]
struct SslRow {
    #[diesel(sql_type = Bool)]
    ssl: bool,
    #[diesel(sql_type = Nullable<Text>)]
    version: Option<String>,
    /// NULL over a Unix socket.
    #[diesel(sql_type = Nullable<Text>)]
    server: Option<String>,
}

/// What PostgreSQL's `pg_stat_ssl` says of this very connection.
pub fn transport(conn: &mut DbConn) -> Result<Transport, String> {
    let DbConn::Pg(pg) = conn else {
        return Ok(Transport::File);
    };
    let row: SslRow = diesel::sql_query(
        "SELECT s.ssl, s.version, host(inet_server_addr()) AS server \
         FROM pg_stat_ssl s WHERE s.pid = pg_backend_pid()",
    )
    .get_result(pg)
    .map_err(|e| format!("cannot read pg_stat_ssl: {e}"))?;
    Ok(match row {
        SslRow {
            ssl: true, version, ..
        } => Transport::Tls {
            version: version.unwrap_or_default(),
        },
        SslRow { server: None, .. } => Transport::Local,
        SslRow {
            server: Some(server),
            ..
        } if server.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback()) => Transport::Local,
        SslRow {
            server: Some(server),
            ..
        } => Transport::Plain { server },
    })
}

/// Logs how the connection travels: a warning when it crosses a network unencrypted.
pub fn log_transport(conn: &mut DbConn) {
    match transport(conn) {
        Ok(Transport::File) => {}
        Ok(Transport::Tls { version }) => log::info!("PostgreSQL connection encrypted ({version})"),
        Ok(Transport::Local) => log::info!("PostgreSQL connection local, not encrypted"),
        Ok(Transport::Plain { server }) => log::warn!(
            "PostgreSQL connection to {server} is NOT encrypted: anyone on the cabling can read \
             it (第7条). Add sslmode=verify-full&sslrootcert=/path/to/ca.crt to DATABASE_URL"
        ),
        Err(e) => log::warn!("{e}"),
    }
}
