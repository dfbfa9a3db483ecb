//! The `daicho` command: serve (the default), migrate, user add, backup, audit verify and export.

use clap::{Parser, Subcommand};
use daicho::config::Settings;
use daicho::identity::Role;
use daicho::identity::service::{NewUserInput, create_user_as_system};
use daicho::{audit, db};
use std::io::BufRead;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "daicho",
    version,
    about = "台帳: machine-room records for a ward office"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the pages and the JSON API (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage users from scripts.
    #[command(subcommand)]
    User(UserCommand),
    /// Write a consistent online copy of the SQLite database to PATH.
    Backup { path: String },
    /// Work with the audit chain.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Import records from CSV (UTF-8 or Shift_JIS); all lines or none.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Export records as CSV (UTF-8 with BOM) to standard output.
    #[command(subcommand)]
    Export(ExportCommand),
}

#[derive(Subcommand)]
enum ImportCommand {
    /// The equipment register: existing tags are updated, the others created.
    Equipment { file: String },
}

#[derive(Subcommand)]
enum ExportCommand {
    /// The whole equipment register.
    Equipment,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Register a user. The password is read from the first line of standard
    /// input with --password-stdin; otherwise a one-time password is generated and printed.
    Add {
        #[arg(long)]
        username: String,
        #[arg(long)]
        display_name: String,
        /// admin, security_manager, operator, guard, staff or auditor (repeatable).
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        #[arg(long)]
        department_id: Option<i64>,
        #[arg(long)]
        staff_number: Option<String>,
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute the chain; exit 1 and name the first broken row if it does not verify.
    Verify {
        /// Verify an export (`daicho audit export`) instead, with no database; `-` reads standard input.
        #[arg(long)]
        file: Option<String>,
        /// With --file: hold the export to these signed checkpoints (the JSON
        /// `daicho audit checkpoints` writes); a tail cut below a checkpoint, or a
        /// chain rewritten under one, fails.
        #[arg(long, requires = "file")]
        checkpoints: Option<String>,
    },
    /// Write the signed checkpoints and the keys that verify them to standard
    /// output as JSON, for `daicho audit verify --file F --checkpoints FILE`.
    Checkpoints,
    /// Write the chain to standard output as JSON Lines, one event per line, for
    /// verifying elsewhere (`daicho audit verify --file`).
    Export {
        /// The first event's seq (default 1, the start of the chain).
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(i64).range(1..))]
        from_seq: i64,
    },
}

/// Why a command failed, and so its exit status.
enum Failure {
    /// Exit 2: DATABASE_URL names no daicho database (and none was created).
    NoDatabase(String),
    /// Exit 1: anything else (a broken chain, bad input, a failed write).
    Failed(String),
}

impl From<String> for Failure {
    fn from(message: String) -> Failure {
        Failure::Failed(message)
    }
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let cli = Cli::parse();
    let result = match cli.command.unwrap_or(Command::Serve) {
        // Offline: an auditor's machine has no daicho settings, and needs none.
        Command::Audit(AuditCommand::Verify {
            file: Some(file),
            checkpoints,
        }) => audit::cli::verify_file(&file, checkpoints.as_deref()).map_err(Failure::Failed),
        command => Settings::from_env()
            .map_err(Failure::Failed)
            .and_then(|settings| run(command, &settings)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Failed(message)) => {
            eprintln!("daicho: {message}");
            ExitCode::FAILURE
        }
        Err(Failure::NoDatabase(message)) => {
            eprintln!("daicho: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(command: Command, settings: &Settings) -> Result<(), Failure> {
    match command {
        Command::Serve => {
            Ok(actix_web::rt::System::new().block_on(daicho::app::serve(settings.clone()))?)
        }
        Command::Migrate => {
            let mut conn = db::establish(&settings.database_url)?;
            let applied = db::run_migrations(&mut conn)?;
            println!("applied {} migration(s)", applied.len());
            Ok(())
        }
        Command::User(UserCommand::Add {
            username,
            display_name,
            roles,
            department_id,
            staff_number,
            password_stdin,
        }) => Ok(add_user(
            &mut open(settings)?,
            username,
            display_name,
            roles,
            department_id,
            staff_number,
            password_stdin,
        )?),
        Command::Backup { path } => {
            db::backup_sqlite(&mut open(settings)?, &path)?;
            println!("backup written to {path}");
            Ok(())
        }
        Command::Audit(AuditCommand::Verify { file, checkpoints }) => match file {
            None => Ok(audit::cli::verify(&mut open(settings)?)?),
            Some(file) => Ok(audit::cli::verify_file(&file, checkpoints.as_deref())?),
        },
        Command::Audit(AuditCommand::Checkpoints) => {
            Ok(audit::cli::checkpoints(&mut open(settings)?)?)
        }
        Command::Audit(AuditCommand::Export { from_seq }) => {
            Ok(audit::cli::export(&mut open(settings)?, from_seq)?)
        }
        Command::Import(ImportCommand::Equipment { file }) => Ok(
            daicho::register::cli::import_equipment(&mut open(settings)?, settings, &file)?,
        ),
        Command::Export(ExportCommand::Equipment) => Ok(daicho::register::cli::export_equipment(
            &mut open(settings)?,
        )?),
    }
}

/// Every command but `serve` and `migrate`: an existing daicho database only,
/// brought up to date.
fn open(settings: &Settings) -> Result<db::DbConn, Failure> {
    let mut conn = db::open_existing(&settings.database_url).map_err(|e| match e {
        db::OpenError::NotDaicho(m) => Failure::NoDatabase(m),
        db::OpenError::Failed(m) => Failure::Failed(m),
    })?;
    db::run_migrations(&mut conn)?;
    Ok(conn)
}

fn add_user(
    conn: &mut db::DbConn,
    username: String,
    display_name: String,
    roles: Vec<String>,
    department_id: Option<i64>,
    staff_number: Option<String>,
    password_stdin: bool,
) -> Result<(), String> {
    let roles = roles
        .iter()
        .map(|r| Role::parse(r).ok_or_else(|| format!("unknown role {r}")))
        .collect::<Result<Vec<_>, _>>()?;
    let (password, generated) = if password_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        (line.trim_end_matches(['\r', '\n']).to_owned(), false)
    } else {
        (daicho::identity::password::random_password(), true)
    };
    let input = NewUserInput {
        username,
        display_name,
        password: password.clone(),
        roles,
        department_id,
        staff_number,
        birth_date: None,
    };
    let user = create_user_as_system(conn, &input, generated).map_err(|e| match e.fields {
        Some(fields) => fields
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect::<Vec<_>>()
            .join("; "),
        None => e.message,
    })?;
    println!("created user {} (id {})", user.username, user.id);
    if generated {
        println!("one-time password: {password}");
        println!("it must be changed at first login");
    }
    Ok(())
}
