//! Empty query parameters mean "no filter": a form or link that sends
//! `?state=&zone_id=` (every blank filter of a list page) asks for everything,
//! on every list and export, instead of failing to read `""` as a number.

use actix_web::dev::ServiceRequest;
use actix_web::http::Uri;

/// Drops the parameters whose value is empty (`k=` or a bare `k`) from the request's query.
pub fn drop_empty_params(req: &mut ServiceRequest) {
    let Some(query) = req.uri().query() else {
        return;
    };
    let kept = without_empty(query);
    if kept.len() == query.len() {
        return;
    }
    let path = req.uri().path();
    let rebuilt = if kept.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{kept}")
    };
    if let Ok(uri) = rebuilt.parse::<Uri>() {
        req.head_mut().uri = uri;
    }
}

fn without_empty(query: &str) -> String {
    query
        .split('&')
        .filter(|pair| {
            let value = pair.split_once('=').map_or("", |(_, v)| v);
            !value.is_empty()
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    #[test]
    fn blank_filters_are_dropped_and_others_kept() {
        assert_eq!(super::without_empty("state=&zone_id=&asset_tag="), "");
        assert_eq!(
            super::without_empty("state=&zone_id=3&q=a%20b"),
            "zone_id=3&q=a%20b"
        );
        assert_eq!(super::without_empty("page=2"), "page=2");
        assert_eq!(super::without_empty("flag&x=1"), "x=1");
    }
}
