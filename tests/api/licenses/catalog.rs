//! Software and licenses, registered by managers.

use super::*;

#[test]
fn software_and_licenses_are_registered_by_managers() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    let (_, staff) = app.user(&f.admin, "hira", &["staff"], Some(f.dept));
    assert_error(
        app.post(
            "/api/v1/software",
            &staff,
            &json!({"name": "Office", "vendor": "Microsoft"}),
        ),
        403,
        "forbidden",
    );
    let office = software(&app, &f.manager, "Office");
    assert_error(
        app.post(
            "/api/v1/software",
            &f.admin,
            &json!({"name": " Office ", "vendor": "Microsoft", "edition": "Professional"}),
        ),
        409,
        "duplicate_software",
    );
    let e = assert_error(
        app.post(
            "/api/v1/software",
            &f.admin,
            &json!({"name": " ", "vendor": ""}),
        ),
        422,
        "invalid_field",
    );
    assert!(e["error"]["fields"]["name"].is_string() && e["error"]["fields"]["vendor"].is_string());
    let listed = body(app.get("/api/v1/software", &f.operator));
    assert_eq!(listed[0]["name"], "Office");

    let created = license(&app, &f, office, 10, Some("2027-03-31".into()));
    assert_eq!(created["kind"], "device");
    assert_eq!(created["seats"], 10);
    assert_eq!(created["certificate_number"], "CERT-2026-001");
    assert_eq!(created["purchase_price_yen"], 120000);
    assert_eq!(created["valid_until"], "2027-03-31");
    // A site license may leave the seats open; other kinds may not.
    let site = app.post(
        "/api/v1/licenses",
        &f.admin,
        &json!({"software_id": office, "kind": "site", "department_id": f.dept}),
    );
    assert_eq!(site.status(), 201);
    assert!(body(site)["seats"].is_null());

    // Another department's manager may not register this department's licenses.
    let other = app.department(&f.admin, "SOMU", "総務課");
    let (_, other_manager) = app.user(&f.admin, "somu-kacho", &["security_manager"], Some(other));
    assert_error(
        app.post(
            "/api/v1/licenses",
            &other_manager,
            &json!({"software_id": office, "kind": "device", "seats": 1, "department_id": f.dept}),
        ),
        403,
        "not_department_manager",
    );
    assert_error(
        app.post(
            "/api/v1/licenses",
            &f.operator,
            &json!({"software_id": office, "kind": "device", "seats": 1, "department_id": f.dept}),
        ),
        403,
        "forbidden",
    );
    let e = assert_error(
        app.post(
            "/api/v1/licenses",
            &f.manager,
            &json!({"software_id": 9999, "kind": "floating", "seats": 0, "department_id": f.dept,
                    "valid_from": "2026-04-01", "valid_until": "2026-03-31"}),
        ),
        422,
        "invalid_field",
    );
    for field in ["software_id", "kind", "seats", "valid_until"] {
        assert!(e["error"]["fields"][field].is_string(), "{field}: {e}");
    }
    let e = assert_error(
        app.post(
            "/api/v1/licenses",
            &f.manager,
            &json!({"software_id": office, "kind": "user", "department_id": f.dept}),
        ),
        422,
        "invalid_field",
    );
    assert!(e["error"]["fields"]["seats"].is_string());
    let e = assert_error(
        app.post("/api/v1/licenses", &f.manager, &json!({"software_id": office, "kind": "user", "seats": 1, "department_id": f.dept, "valid_until": "31/03/2027"})),
        422,
        "invalid_field",
    );
    assert!(e["error"]["fields"]["valid_until"].is_string(), "{e}");
    let listed = body(app.get(
        &format!("/api/v1/licenses?software_id={office}"),
        &f.operator,
    ));
    assert_eq!(listed["total"], 2);
    let actions = app.audit_actions();
    assert!(actions.contains(&"software.create".to_owned()));
    assert_eq!(actions.iter().filter(|a| *a == "license.create").count(), 2);
}
