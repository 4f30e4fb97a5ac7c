//! The routes and their layers, driven without a network: who may ask, what every response carries, uploads
//! within and beyond the caps, path checks.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response, StatusCode, header};
use http_body_util::BodyExt;
use tower::ServiceExt;

use crate::{ServeOptions, Server, Token};

const TOKEN: &str = "s3cret-token-0123456789";

const DUMP: &str = "goroutine 1 [running]:\nmain.main()\n\t/src/main.go:5 +0x1d\n\n\
                    goroutine 7 [chan send (nil chan)]:\nmain.leak()\n\t/src/main.go:9 +0x1d\n\
                    created by main.main in goroutine 1\n\t/src/main.go:4 +0x25\n";

fn router(options: ServeOptions) -> Router {
    Server::bind("127.0.0.1:0", options).unwrap().router()
}

fn with_token() -> Router {
    router(ServeOptions { token: Some(Token::new(TOKEN, "test").unwrap()), ..ServeOptions::default() })
}

fn get(path: &str) -> axum::http::request::Builder {
    Request::get(path).header(header::HOST, "127.0.0.1:7070")
}

async fn send(router: &Router, request: Request<Body>) -> (Response<Body>, String) {
    let response = router.clone().oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    (Response::from_parts(parts, Body::empty()), text)
}

fn header_of<'a>(response: &'a Response<Body>, name: &str) -> &'a str {
    response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

#[tokio::test]
async fn every_response_carries_the_policy_and_no_sniffing() {
    let router = router(ServeOptions::default());
    for path in ["/", "/nope", "/api/targets", "/static/app.js", "/static/app.css"] {
        let (response, _) = send(&router, get(path).body(Body::empty()).unwrap()).await;
        assert_eq!(header_of(&response, "content-security-policy"), crate::routes::POLICY, "{path}");
        assert_eq!(header_of(&response, "x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header_of(&response, "x-frame-options"), "DENY", "{path}");
    }
    let (response, script) = send(&router, get("/static/app.js").body(Body::empty()).unwrap()).await;
    assert!(header_of(&response, "content-type").starts_with("text/javascript"));
    assert!(!script.contains("innerHTML") && !script.contains("eval("), "the script builds no markup");
    let (response, page) = send(&router, get("/").body(Body::empty()).unwrap()).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(!page.contains("<script>") && page.contains("<script src=\"/static/app.js\"></script>"));
    assert!(!page.contains(" style=") && !page.contains("<style"), "no inline style either");
}

#[tokio::test]
async fn without_a_token_only_this_machines_names_are_answered() {
    let router = router(ServeOptions::default());
    for host in ["127.0.0.1:7070", "localhost:7070", "[::1]:7070"] {
        let request = Request::get("/").header(header::HOST, host).body(Body::empty()).unwrap();
        assert_eq!(send(&router, request).await.0.status(), StatusCode::OK, "{host}");
    }
    let request = Request::get("/").header(header::HOST, "rebound.example:7070").body(Body::empty()).unwrap();
    let (response, page) = send(&router, request).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(page.contains("127.0.0.1"), "{page}");
}

#[tokio::test]
async fn the_token_is_asked_for_and_never_shown() {
    let router = with_token();
    let mut bodies = Vec::new();

    let (response, body) = send(&router, get("/").body(Body::empty()).unwrap()).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(header_of(&response, "www-authenticate").starts_with("Bearer"));
    bodies.push(body);
    let (response, body) = send(&router, get("/api/targets").body(Body::empty()).unwrap()).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(body.starts_with('{'), "JSON for the API: {body}");
    bodies.push(body);

    let wrong = get("/").header(header::AUTHORIZATION, "Bearer s3cret-token-0123456780").body(Body::empty());
    assert_eq!(send(&router, wrong.unwrap()).await.0.status(), StatusCode::UNAUTHORIZED);
    let (response, _) = send(&router, get("/?token=nope-nope-nope-nope").body(Body::empty()).unwrap()).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    let bearer = get("/").header(header::AUTHORIZATION, format!("Bearer {TOKEN}")).body(Body::empty());
    let (response, body) = send(&router, bearer.unwrap()).await;
    assert_eq!(response.status(), StatusCode::OK);
    bodies.push(body);

    let (response, body) =
        send(&router, get(&format!("/targets/x?a=1&token={TOKEN}")).body(Body::empty()).unwrap()).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(header_of(&response, "location"), "/targets/x?a=1", "the token is taken out of the address");
    let cookie = header_of(&response, "set-cookie").to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(!cookie.contains(TOKEN), "the cookie is derived from the token: {cookie}");
    bodies.push(body);

    let session = cookie.split(';').next().unwrap().to_owned();
    let (response, body) = send(
        &router,
        get("/").header(header::COOKIE, format!("x=1; {session}")).body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    bodies.push(body);
    for body in bodies {
        assert!(!body.contains(TOKEN), "{body}");
    }
}

#[tokio::test]
async fn uploads_raw_and_multipart_are_analysed_and_shown_with_the_reports_own_policy() {
    let router = router(ServeOptions::default());
    let raw = get("/snapshots?name=dir%2Fdemo.txt").method("POST").body(Body::from(DUMP)).unwrap();
    let (response, _) = send(&router, raw).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = header_of(&response, "location").to_owned();
    assert!(location.starts_with("/snapshots/"), "{location}");
    let (response, page) = send(&router, get(&location).body(Body::empty()).unwrap()).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(page.contains("main.leak") && page.contains("certain"), "{page}");
    assert!(page.contains("href=\"/\""), "a way back to the dashboard");
    let policy = header_of(&response, "content-security-policy");
    assert!(policy.starts_with("default-src 'none'") && policy.contains("'sha256-"), "{policy}");
    assert!(policy.ends_with("frame-ancestors 'none'"), "{policy}");

    let boundary = "XyZ";
    let form = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"dump\"; filename=\"demo.txt\"\r\n\
         Content-Type: text/plain\r\n\r\n{DUMP}\r\n--{boundary}--\r\n"
    );
    let request = get("/api/snapshots")
        .method("POST")
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .header(header::ORIGIN, "http://127.0.0.1:7070")
        .body(Body::from(form))
        .unwrap();
    let (response, body) = send(&router, request).await;
    assert_eq!(response.status(), StatusCode::CREATED, "{body}");
    let created: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!((created["name"].as_str(), created["goroutines"].as_u64()), (Some("demo.txt"), Some(2)));
    let (_, list) = send(&router, get("/api/snapshots").body(Body::empty()).unwrap()).await;
    let list: serde_json::Value = serde_json::from_str(&list).unwrap();
    let names: Vec<&str> =
        list["snapshots"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["demo.txt", "demo.txt"], "newest first; the path is cut from the name");
    let (response, json) =
        send(&router, get(created["report"].as_str().unwrap()).body(Body::empty()).unwrap()).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(json.contains("\"schema_version\""), "{json}");
}

#[tokio::test]
async fn junk_oversized_and_cross_site_uploads_are_refused_with_a_reason() {
    let router = router(ServeOptions { max_upload: 1024, ..ServeOptions::default() });
    let junk =
        get("/snapshots").method("POST").body(Body::from("<script>alert(1)</script> hello\n")).unwrap();
    let (response, page) = send(&router, junk).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("no goroutine found") && !page.contains("<script>alert"), "{page}");

    let empty = get("/snapshots").method("POST").body(Body::empty()).unwrap();
    assert_eq!(send(&router, empty).await.0.status(), StatusCode::BAD_REQUEST);

    let declared = get("/snapshots")
        .method("POST")
        .header(header::CONTENT_LENGTH, "4096")
        .body(Body::from(vec![b'x'; 4096]));
    let (response, page) = send(&router, declared.unwrap()).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(page.contains("1 KiB") && page.contains("--max-upload"), "{page}");
    // No length given: counted as it arrives.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = (0..8).map(|_| Ok(vec![b'x'; 256])).collect();
    let streamed =
        get("/api/snapshots").method("POST").body(Body::from_stream(futures_stream(chunks))).unwrap();
    let (response, body) = send(&router, streamed).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE, "{body}");

    let cross = get("/snapshots")
        .method("POST")
        .header(header::ORIGIN, "https://evil.example")
        .body(Body::from(DUMP));
    assert_eq!(send(&router, cross.unwrap()).await.0.status(), StatusCode::FORBIDDEN);
    let cross =
        get("/snapshots").method("POST").header("sec-fetch-site", "cross-site").body(Body::from(DUMP));
    assert_eq!(send(&router, cross.unwrap()).await.0.status(), StatusCode::FORBIDDEN);
}

fn futures_stream(
    chunks: Vec<Result<Vec<u8>, std::io::Error>>,
) -> impl futures_core::Stream<Item = Result<Vec<u8>, std::io::Error>> {
    struct Chunks(std::collections::VecDeque<Result<Vec<u8>, std::io::Error>>);
    impl futures_core::Stream for Chunks {
        type Item = Result<Vec<u8>, std::io::Error>;
        fn poll_next(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Self::Item>> {
            std::task::Poll::Ready(self.0.pop_front())
        }
    }
    Chunks(chunks.into())
}

#[tokio::test]
async fn path_parts_are_checked_before_any_lookup() {
    let router = router(ServeOptions::default());
    for (path, status) in [
        ("/snapshots/not-an-id", StatusCode::BAD_REQUEST),
        ("/snapshots/0123456789abcdef", StatusCode::NOT_FOUND),
        ("/api/snapshots/..%2F..%2Fetc", StatusCode::BAD_REQUEST),
        ("/targets/a%00b", StatusCode::BAD_REQUEST),
        ("/targets/api/groups/..%2Fx", StatusCode::BAD_REQUEST),
        ("/api/targets/api/groups/zz", StatusCode::BAD_REQUEST),
        ("/targets/api", StatusCode::NOT_FOUND),
        ("/static/../Cargo.toml", StatusCode::NOT_FOUND),
    ] {
        let (response, _) = send(&router, get(path).body(Body::empty()).unwrap()).await;
        assert_eq!(response.status(), status, "{path}");
    }
}

#[test]
fn a_report_pages_policy_is_the_one_it_declares() {
    let page = "<head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src \
                'sha256-A'; script-src 'sha256-B'\">";
    assert_eq!(
        crate::routes::report_policy(page),
        "default-src 'none'; style-src 'sha256-A'; script-src 'sha256-B'; frame-ancestors 'none'"
    );
    assert_eq!(crate::routes::report_policy("<head>"), "default-src 'none'; frame-ancestors 'none'");
    let lax = "<meta http-equiv=\"Content-Security-Policy\" content=\"script-src *\">";
    assert_eq!(crate::routes::report_policy(lax), "default-src 'none'; frame-ancestors 'none'");
}

#[test]
fn listening_beyond_this_machine_needs_a_token() {
    let err = Server::bind("0.0.0.0:0", ServeOptions::default()).unwrap_err();
    assert!(matches!(err, crate::ServeError::TokenRequired { .. }), "{err}");
    let token = Token::new(TOKEN, "test").unwrap();
    assert!(
        Server::bind("0.0.0.0:0", ServeOptions { token: Some(token), ..ServeOptions::default() }).is_ok()
    );
    assert!(matches!(
        Server::bind("not an address", ServeOptions::default()),
        Err(crate::ServeError::Address { .. })
    ));
}

#[tokio::test]
async fn behind_a_token_a_post_from_another_port_or_name_of_the_same_site_is_refused() {
    let router = with_token();
    let (response, _) = send(&router, get(&format!("/?token={TOKEN}")).body(Body::empty()).unwrap()).await;
    let session = header_of(&response, "set-cookie").split(';').next().unwrap().to_owned();
    // The `SameSite=Strict` cookie goes along with these: only where they come from tells them apart.
    let upload = |origin: Option<&str>, site: Option<&str>| {
        let mut request = get("/snapshots").method("POST").header(header::COOKIE, &session);
        if let Some(origin) = origin {
            request = request.header(header::ORIGIN, origin);
        }
        if let Some(site) = site {
            request = request.header("sec-fetch-site", site);
        }
        request.body(Body::from(DUMP)).unwrap()
    };
    for (origin, site) in [
        (Some("http://127.0.0.1:8080"), Some("same-site")),
        (Some("http://127.0.0.1:8080"), None),
        (Some("http://other.localhost:7070"), Some("same-site")),
    ] {
        let (response, page) = send(&router, upload(origin, site)).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{origin:?} {site:?}: {page}");
    }
    let (response, _) = send(&router, upload(Some("http://127.0.0.1:7070"), Some("same-origin"))).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "the dashboard's own form");
    let (response, _) = send(&router, upload(None, None)).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "a client that is not a browser");
}
