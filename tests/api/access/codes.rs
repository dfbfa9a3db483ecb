//! Signed entry codes: offline verification with the published keys, rotation, and the badge's QR.

use super::*;

#[test]
fn codes_verify_offline_with_the_published_keys_and_survive_rotation() {
    let app = TestApp::spawn();
    let g = gate(&app);
    let (id, code) = approved(&app, &g, &g.staff, &visitor_request(g.f.zone, 0, 8));
    // The JWK set needs no sign-in: a tablet fetches it once and verifies offline.
    let keys = app
        .client
        .get(app.url("/api/v1/permits/keys"))
        .send()
        .unwrap();
    assert_eq!(keys.status(), 200);
    let keys = body(keys);
    assert_eq!(keys["keys"].as_array().unwrap().len(), 1);
    let jwk = &keys["keys"][0];
    assert_eq!(jwk["kty"], "OKP");
    assert_eq!(jwk["crv"], "Ed25519");
    assert_eq!(jwk["alg"], "EdDSA");

    let verify_offline = |set: &Value, code: &str| -> Value {
        let header = jsonwebtoken::decode_header(code).unwrap();
        let kid = header.kid.unwrap();
        let jwk = set["keys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["kid"] == kid.as_str())
            .expect("the code's key is published");
        let key =
            jsonwebtoken::DecodingKey::from_ed_components(jwk["x"].as_str().unwrap()).unwrap();
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::EdDSA);
        validation.set_audience(&["permit"]);
        jsonwebtoken::decode::<Value>(code, &key, &validation)
            .expect("verifies with the published key")
            .claims
    };
    let claims = verify_offline(&keys, &code);
    assert_eq!(claims["pid"], id);
    assert_eq!(claims["zid"], g.f.zone);
    assert_eq!(claims["aud"], "permit");
    // A session token is not a permit code, and a tampered code fails offline too.
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::EdDSA);
    validation.set_audience(&["permit"]);
    let key = jsonwebtoken::DecodingKey::from_ed_components(jwk["x"].as_str().unwrap()).unwrap();
    let mut tampered = code.clone().into_bytes();
    let i = tampered.len() - 10;
    tampered[i] = if tampered[i] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    assert!(jsonwebtoken::decode::<Value>(&tampered, &key, &validation).is_err());
    assert_eq!(
        check(&app, &g, &g.staff, g.f.zone)["reason_code"],
        "unknown_code",
        "a session token at the gate"
    );

    assert_error(
        app.post("/api/v1/permits/keys/rotate", &g.f.manager, &json!({})),
        403,
        "forbidden",
    );
    let rotated = app.post("/api/v1/permits/keys/rotate", &g.f.admin, &json!({}));
    assert_eq!(rotated.status(), 200);
    let rotated = body(rotated);
    assert_eq!(rotated["keys"].as_array().unwrap().len(), 2);
    assert_eq!(
        rotated["keys"][1]["kid"], jwk["kid"],
        "the old key stays published"
    );
    let (_, new_code) = approved(&app, &g, &g.staff, &visitor_request(g.f.zone, 0, 8));
    let new_kid = jsonwebtoken::decode_header(&new_code).unwrap().kid.unwrap();
    assert_eq!(rotated["keys"][0]["kid"], new_kid.as_str());
    assert_ne!(new_kid, jwk["kid"].as_str().unwrap());
    let published = body(
        app.client
            .get(app.url("/api/v1/permits/keys"))
            .send()
            .unwrap(),
    );
    verify_offline(&published, &code);
    verify_offline(&published, &new_code);
    assert_eq!(
        check(&app, &g, &code, g.f.zone)["verdict"],
        "allow",
        "old code after rotation"
    );
    assert_eq!(check(&app, &g, &new_code, g.f.zone)["verdict"], "allow");
    assert!(app.audit_actions().iter().any(|a| a == "permit.key_rotate"));
}

#[test]
fn the_badge_qr_holds_the_code() {
    let app = TestApp::spawn();
    let g = gate(&app);
    let (id, code) = approved(&app, &g, &g.staff, &visitor_request(g.f.zone, 0, 8));
    let png = app.get(&format!("/api/v1/permits/{id}/qr.png"), &g.staff);
    assert_eq!(png.status(), 200);
    assert_eq!(png.headers()["content-type"], "image/png");
    let bytes = png.bytes().unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let pending = body(app.post(
        "/api/v1/permits",
        &g.staff,
        &visitor_request(g.f.zone, 0, 8),
    ));
    assert_error(
        app.get(
            &format!("/api/v1/permits/{}/qr.png", pending["id"]),
            &g.staff,
        ),
        409,
        "not_approved",
    );
    let Some(zbarimg) = crate::common::tools::require(
        "zbarimg",
        &["/usr/bin/zbarimg"],
        "the_badge_qr_holds_the_code",
    ) else {
        return;
    };
    let file = tempfile::NamedTempFile::with_suffix(".png").unwrap();
    std::fs::write(file.path(), &bytes).unwrap();
    let out = std::process::Command::new(zbarimg)
        .args(["--quiet", "--raw", "-Sbinary"])
        .arg(file.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), code);
    // The printable badge page.
    let page = app
        .client
        .get(app.url(&format!("/permits/{id}/badge")))
        .send()
        .unwrap();
    assert_eq!(page.status(), 303, "pages need a session cookie");
}
