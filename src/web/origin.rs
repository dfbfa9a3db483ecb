//! Whether a form post comes from daicho's own pages. The login form has no
//! session to tie a CSRF token to, so a foreign page could sign a victim in to
//! the attacker's account (login CSRF); browsers name the page a post comes
//! from in `Origin` (or at least `Referer`), and a foreign one is refused.

use actix_web::HttpRequest;
use actix_web::http::header;

/// `false` when the request names a page of another site as its origin.
/// A request that names none (not a browser, or a very old one) passes: it
/// cannot have been forged by a page in a victim's browser.
pub fn same_origin(req: &HttpRequest, public_url: &str) -> bool {
    let named = req
        .headers()
        .get(header::ORIGIN)
        .or_else(|| req.headers().get(header::REFERER))
        .and_then(|v| v.to_str().ok());
    let Some(named) = named else {
        return true;
    };
    let Some(authority) = authority_of(named) else {
        return false;
    };
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok());
    host.is_some_and(|h| h.eq_ignore_ascii_case(authority))
        || authority_of(public_url).is_some_and(|p| p.eq_ignore_ascii_case(authority))
}

/// `host[:port]` of an absolute http(s) URL; `None` for `null` and anything else.
fn authority_of(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    Some(&rest[..end]).filter(|a| !a.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn a_foreign_origin_is_refused_and_ours_passes() {
        let ours = "https://daicho.ward.example";
        let req = |origin: Option<(&str, &str)>| {
            let mut r = TestRequest::post().insert_header((header::HOST, "10.0.0.5:8080"));
            if let Some(h) = origin {
                r = r.insert_header(h);
            }
            r.to_http_request()
        };
        assert!(same_origin(&req(None), ours));
        assert!(same_origin(
            &req(Some(("origin", "http://10.0.0.5:8080"))),
            ours
        ));
        assert!(same_origin(
            &req(Some(("origin", "https://daicho.ward.example"))),
            ours
        ));
        assert!(same_origin(
            &req(Some(("referer", "http://10.0.0.5:8080/login?next=/"))),
            ours
        ));
        assert!(!same_origin(
            &req(Some(("origin", "https://evil.example"))),
            ours
        ));
        assert!(!same_origin(&req(Some(("origin", "null"))), ours));
        assert!(!same_origin(
            &req(Some(("referer", "https://evil.example/10.0.0.5:8080"))),
            ours
        ));
    }
}
