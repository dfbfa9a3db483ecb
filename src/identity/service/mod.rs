//! Identity use cases: signing in and out of sessions, and managing users and departments.

mod departments;
mod lookups;
pub mod oversight;
mod passwords;
mod sessions;
mod signin;
mod users;

pub use crate::identity::model::Department;
pub use departments::create_department;
pub use lookups::{
    active_users, active_with_role, department_names, find_department, list_departments, user_names,
};
pub use sessions::{
    Authenticated, RememberedUsers, authenticate, authenticate_remembered,
    authenticate_remembering, logout, record_use, start_session,
};
pub use signin::{LoginOutcome, change_password, login};
pub use users::{
    NewUserInput, UserPatch, UserView, bootstrap_admin, create_user, create_user_as_system,
    get_user, list_users, reset_password, update_user,
};
