//! A signed-in page session: the cookie, forms with their CSRF token.

use super::TestApp;
use reqwest::blocking::Response;

pub struct Browser<'a> {
    pub app: &'a TestApp,
    pub cookie: Option<String>,
}

impl<'a> Browser<'a> {
    pub fn new(app: &'a TestApp) -> Browser<'a> {
        Browser { app, cookie: None }
    }

    pub fn get(&self, path: &str) -> Response {
        let mut request = self.app.client.get(self.app.url(path));
        if let Some(c) = &self.cookie {
            request = request.header("cookie", c);
        }
        request.send().unwrap()
    }

    pub fn post(&self, path: &str, form: &[(&str, &str)]) -> Response {
        let mut request = self.app.client.post(self.app.url(path)).form(form);
        if let Some(c) = &self.cookie {
            request = request.header("cookie", c);
        }
        request.send().unwrap()
    }

    pub fn sign_in(&mut self, username: &str, password: &str) -> Response {
        let response = self.post(
            "/login",
            &[
                ("username", username),
                ("password", password),
                ("next", "/users"),
            ],
        );
        if let Some(set) = response.headers().get("set-cookie") {
            let set = set.to_str().unwrap().to_owned();
            self.cookie = Some(set.split(';').next().unwrap().to_owned());
        }
        response
    }

    pub fn csrf(&self, path: &str) -> String {
        let html = self.get(path).text().unwrap();
        let marker = "name=\"csrf\" value=\"";
        let start = html.find(marker).expect("a form with a CSRF token") + marker.len();
        html[start..start + html[start..].find('"').unwrap()].to_owned()
    }
}
