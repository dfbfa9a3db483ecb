//! Identity use cases: signing in and out of sessions, and managing users and departments.

mod departments;
mod sessions;
mod users;

pub use departments::{create_department, list_departments};
pub use sessions::{
    Authenticated, LoginOutcome, RememberedUsers, authenticate, authenticate_remembered,
    authenticate_remembering, change_password, login, logout, record_use, start_session,
};
pub use users::{
    NewUserInput, UserPatch, UserView, bootstrap_admin, create_user, create_user_as_system,
    get_user, list_users, reset_password, update_user,
};
