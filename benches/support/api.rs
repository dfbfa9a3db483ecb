//! The bench harnesses' HTTP client: JSON calls that must succeed, signing in,
//! and users made ready to work (their forced first password change done).

use serde_json::{Value, json};

/// Every bench user's password.
pub const PASSWORD: &str = "Bench-Passw0rd-2026";

pub struct Api {
    pub base: String,
    pub http: reqwest::blocking::Client,
}

impl Api {
    pub fn post(&self, path: &str, token: Option<&str>, body: Value) -> Value {
        let mut request = self.http.post(format!("{}{path}", self.base)).json(&body);
        if let Some(t) = token {
            request = request.bearer_auth(t);
        }
        let response = request.send().expect("the server answers");
        let status = response.status();
        let value: Value = response.json().unwrap_or(Value::Null);
        assert!(status.is_success(), "{path}: {status} {value}");
        value
    }

    pub fn login(&self, username: &str, password: &str) -> String {
        self.post(
            "/api/v1/auth/login",
            None,
            json!({"username": username, "password": password}),
        )["token"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    pub fn user(&self, admin: &str, username: &str, roles: &[&str], dept: i64) -> (i64, String) {
        let initial = "Shoki-Passw0rd-9999";
        let id = self.post(
            "/api/v1/users",
            Some(admin),
            json!({"username": username, "display_name": username, "password": initial,
                   "roles": roles, "department_id": dept}),
        )["id"]
            .as_i64()
            .unwrap();
        let limited = self.login(username, initial);
        let response = self
            .http
            .post(format!("{}/api/v1/auth/password", self.base))
            .bearer_auth(&limited)
            .json(&json!({"current_password": initial, "new_password": PASSWORD}))
            .send()
            .unwrap();
        assert_eq!(response.status(), 204);
        (id, self.login(username, PASSWORD))
    }
}
