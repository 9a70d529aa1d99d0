//! The ECS instance metadata service (RAM role credentials) and a
//! credentials URI endpoint, on the same listener as the APIs.
//!
//! | Method + path | Answer |
//! |---|---|
//! | `PUT /latest/api/token` | IMDSv2 token (needs `X-aliyun-ecs-metadata-token-ttl-seconds`, 1–21600); 403 when `Config::imds_v2_disabled` |
//! | `GET /latest/meta-data/ram/security-credentials/` | the instance's role name (404 without one) |
//! | `GET /latest/meta-data/ram/security-credentials/<role>` | `{"Code": "Success", "AccessKeyId", "AccessKeySecret", "SecurityToken", "Expiration", "LastUpdated"}`; 404 HTML for another role |
//! | `GET /credentials-uri` | `{"Code": "Success", ...}` for role `uri`; `?garbage=1` answers HTML with status 200 |
//!
//! A GET carrying `X-aliyun-ecs-metadata-token` must carry a token this
//! service issued (401 otherwise); a GET without one is IMDSv1 and accepted.
//! The credentials are sessions of [`crate::sts`] (`STS.<role>.<n>`),
//! lasting `Config::ecs_credential_lifetime` / `credentials_uri_lifetime`
//! on the emulator's clock; the same credential is served until a quarter
//! of its life is left, then a new one. Each request is counted in
//! `/_emulator/calls` as `ImdsToken`, `ImdsRoleName`, `ImdsCredentials` or
//! `CredentialsUri`, and logged (without the credential) with
//! `params.token` = `present` / `absent`.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::Router;
use serde_json::json;

use crate::clock::{format_utc, ms, wall_now};
use crate::server::{LogEntry, Shared};
use crate::world::request_id;

const TTL_HEADER: &str = "x-aliyun-ecs-metadata-token-ttl-seconds";
const TOKEN_HEADER: &str = "x-aliyun-ecs-metadata-token";

/// The metadata and credentials-URI routes.
pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/latest/api/token", put(token))
        .route(
            "/latest/meta-data/ram/security-credentials/",
            get(role_name),
        )
        .route(
            "/latest/meta-data/ram/security-credentials/{role}",
            get(role_credentials),
        )
        .route("/credentials-uri", get(credentials_uri))
}

fn record(
    shared: &Shared,
    name: &str,
    method: &str,
    status: u16,
    params: BTreeMap<String, String>,
) {
    let mut inner = shared.lock();
    *inner.calls.received.entry(name.to_string()).or_default() += 1;
    if status == 200 {
        *inner.calls.succeeded.entry(name.to_string()).or_default() += 1;
    }
    let entry = LogEntry {
        seq: 0,
        time: format_utc(wall_now()),
        method: method.to_string(),
        action: Some(name.to_string()),
        version: None,
        signature: None,
        access_key_id: None,
        params,
        status,
        code: None,
        message: None,
        fault: None,
        request_id: request_id(),
    };
    let limit = shared.config.request_log_limit;
    inner.push_log(entry, limit);
}

fn token_param(headers: &HeaderMap) -> BTreeMap<String, String> {
    let state = if headers.contains_key(TOKEN_HEADER) {
        "present"
    } else {
        "absent"
    };
    BTreeMap::from([("token".to_string(), state.to_string())])
}

/// `None` when the request may proceed; otherwise the 401 answer.
fn check_token(shared: &Shared, headers: &HeaderMap) -> Option<Response> {
    let given = headers
        .get(TOKEN_HEADER)?
        .to_str()
        .unwrap_or_default()
        .to_string();
    let known = shared.lock().world.identity.imds_tokens.contains(&given);
    (!known).then(|| (StatusCode::UNAUTHORIZED, "invalid metadata token").into_response())
}

async fn token(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let ttl = headers
        .get(TTL_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u32>().ok());
    let mut params = BTreeMap::new();
    params.insert("ttl".to_string(), ttl.map_or("-".into(), |t| t.to_string()));
    let response = if shared.config.imds_v2_disabled {
        (
            StatusCode::FORBIDDEN,
            "IMDSv2 is not enabled on this instance",
        )
            .into_response()
    } else if !ttl.is_some_and(|t| (1..=21600).contains(&t)) {
        (
            StatusCode::BAD_REQUEST,
            "missing or invalid token TTL header",
        )
            .into_response()
    } else {
        let t = format!("imds-{}", uuid::Uuid::new_v4().simple());
        shared.lock().world.identity.imds_tokens.insert(t.clone());
        t.into_response()
    };
    record(
        &shared,
        "ImdsToken",
        "PUT",
        response.status().as_u16(),
        params,
    );
    response
}

async fn role_name(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let response = match check_token(&shared, &headers) {
        Some(r) => r,
        None => match &shared.config.ecs_role_name {
            Some(role) => role.clone().into_response(),
            None => (StatusCode::NOT_FOUND, "<html>404 Not Found</html>").into_response(),
        },
    };
    record(
        &shared,
        "ImdsRoleName",
        "GET",
        response.status().as_u16(),
        token_param(&headers),
    );
    response
}

async fn role_credentials(
    State(shared): State<Arc<Shared>>,
    Path(role): Path<String>,
    headers: HeaderMap,
) -> Response {
    let response = match check_token(&shared, &headers) {
        Some(r) => r,
        None if shared.config.ecs_role_name.as_deref() != Some(role.as_str()) => {
            (StatusCode::NOT_FOUND, "<html>404 Not Found</html>").into_response()
        }
        None => {
            let lifetime = ms(shared.config.ecs_credential_lifetime) / 1000;
            let session = serve_session(&shared, &format!("ecs-{role}"), "metadata", lifetime);
            let mut body = session.credentials_json();
            body["Code"] = json!("Success");
            body["LastUpdated"] = json!(format_utc(session.issued_at));
            axum::Json(body).into_response()
        }
    };
    record(
        &shared,
        "ImdsCredentials",
        "GET",
        response.status().as_u16(),
        token_param(&headers),
    );
    response
}

async fn credentials_uri(
    State(shared): State<Arc<Shared>>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    let response = if q.contains_key("garbage") {
        (
            StatusCode::OK,
            "<html><body>Service temporarily unavailable</body></html>",
        )
            .into_response()
    } else {
        let lifetime = ms(shared.config.credentials_uri_lifetime) / 1000;
        let session = serve_session(&shared, "uri", "credentials URI", lifetime);
        let mut body = session.credentials_json();
        body["Code"] = json!("Success");
        axum::Json(body).into_response()
    };
    record(
        &shared,
        "CredentialsUri",
        "GET",
        response.status().as_u16(),
        q,
    );
    response
}

fn serve_session(shared: &Shared, role: &str, by: &str, seconds: i64) -> crate::sts::Session {
    let mut inner = shared.lock();
    let now = inner.world.clock.now();
    let identity = &mut inner.world.identity;
    match identity.current(role, now) {
        Some(s) => s,
        None => identity.issue(role, by, now, seconds),
    }
}
