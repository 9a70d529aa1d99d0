//! The `/_emulator/` API: look at and steer the emulator without signing.
//! Never faulted, never counted.
//!
//! | Method + path | Effect |
//! |---|---|
//! | `GET /_emulator/state` | every stored object with every field, one list per kind (its `Kind::STATE_KEY`; seeded objects carry `"seeded": true`), and the temporary credentials issued (without secrets) under `sessions` |
//! | `GET /_emulator/calls` | `{received, faulted, succeeded}` per action |
//! | `GET /_emulator/requests` | recent requests, secrets masked |
//! | `POST /_emulator/reset` | forget objects, counters, log, tokens, nonces |
//! | `POST /_emulator/templates` | seed an image template (`TemplateSeed` JSON) |
//! | `GET/POST /_emulator/rules` | list / add scripted outcomes (`OutcomeRule` or a list) |
//! | `GET/POST /_emulator/faults` | read / change fault settings, queue scripted faults |
//! | `POST /_emulator/clock` | `{"advance_seconds": N}` moves the resource clock |
//! | `DELETE /_emulator/objects/{id}` | remove any object (drift) |
//! | `PATCH /_emulator/objects/{id}` | overwrite Describe fields (drift) |

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::clock::format_utc;
use crate::config::{OutcomeRule, TemplateSeed};
use crate::ecs::image_pipeline::ImagePipeline;
use crate::error::EmuError;
use crate::faults::{FaultKind, ScriptedFault};
use crate::server::{Inner, Shared};

/// The inspection routes.
pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/_emulator/state", get(state))
        .route("/_emulator/calls", get(calls))
        .route("/_emulator/requests", get(requests))
        .route("/_emulator/reset", post(reset))
        .route("/_emulator/templates", post(templates))
        .route("/_emulator/rules", get(list_rules).post(add_rules))
        .route("/_emulator/faults", get(get_faults).post(set_faults))
        .route("/_emulator/clock", post(clock))
        .route(
            "/_emulator/objects/{id}",
            delete(delete_object).patch(patch_object),
        )
}

/// The state document (advances every state machine first).
pub fn state_json(inner: &mut Inner) -> Value {
    inner.world.sweep();
    let w = &inner.world;
    let mut sessions: Vec<&crate::sts::Session> = w.identity.sessions.values().collect();
    sessions.sort_by_key(|s| (s.issued_at, s.access_key_id.clone()));
    let mut doc = w.objects.state();
    // Temporary credentials, without their secret and token.
    doc.insert("sessions".into(), json!(sessions));
    Value::Object(doc)
}

/// Create a template from a seed; returns its id.
pub fn seed_template(inner: &mut Inner, seed: &TemplateSeed) -> String {
    let w = &mut inner.world;
    let seq = w.next_seq();
    let t = ImagePipeline::from_seed(
        seed,
        seq,
        w.clock.now(),
        &w.settings.default_resource_group_id,
    );
    let id = t.image_pipeline_id.clone();
    w.pipelines.push(t);
    id
}

async fn state(State(s): State<Arc<Shared>>) -> Json<Value> {
    Json(state_json(&mut s.lock()))
}

async fn calls(State(s): State<Arc<Shared>>) -> Json<Value> {
    Json(json!(s.lock().calls))
}

async fn requests(State(s): State<Arc<Shared>>) -> Json<Value> {
    Json(json!(s.lock().log))
}

async fn reset(State(s): State<Arc<Shared>>) -> StatusCode {
    s.lock().reset();
    StatusCode::NO_CONTENT
}

async fn templates(State(s): State<Arc<Shared>>, Json(seed): Json<TemplateSeed>) -> Json<Value> {
    let id = seed_template(&mut s.lock(), &seed);
    Json(json!({ "ImagePipelineId": id }))
}

async fn list_rules(State(s): State<Arc<Shared>>) -> Json<Value> {
    Json(json!(s.lock().world.settings.rules))
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(OutcomeRule),
    Many(Vec<OutcomeRule>),
}

async fn add_rules(State(s): State<Arc<Shared>>, Json(body): Json<OneOrMany>) -> Json<Value> {
    let mut inner = s.lock();
    let rules = &mut inner.world.settings.rules;
    match body {
        OneOrMany::One(r) => rules.push(r),
        OneOrMany::Many(rs) => rules.extend(rs),
    }
    Json(json!({ "rules": rules.len() }))
}

/// `POST /_emulator/faults` body: only the given fields change.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct FaultsPatch {
    rate: Option<f64>,
    seed: Option<u64>,
    actions: Option<Vec<String>>,
    kinds: Option<Vec<FaultKind>>,
    after_ratio: Option<f64>,
    script: Vec<ScriptedFault>,
    clear_script: bool,
}

async fn get_faults(State(s): State<Arc<Shared>>) -> Json<Value> {
    Json(json!(s.lock().faults.settings()))
}

async fn set_faults(State(s): State<Arc<Shared>>, Json(p): Json<FaultsPatch>) -> Json<Value> {
    let mut inner = s.lock();
    let mut settings = inner.faults.settings();
    if let Some(r) = p.rate {
        settings.rate = r;
    }
    if let Some(seed) = p.seed {
        settings.seed = seed;
    }
    if let Some(a) = p.actions {
        settings.actions = a;
    }
    if let Some(k) = p.kinds {
        settings.kinds = k;
    }
    if p.after_ratio.is_some() {
        settings.after_ratio = p.after_ratio;
    }
    inner.faults.apply(&settings);
    if p.clear_script {
        inner.faults.clear_script();
    }
    for f in p.script {
        inner.faults.push(f);
    }
    Json(json!(inner.faults.settings()))
}

#[derive(Deserialize)]
struct ClockBody {
    advance_seconds: f64,
}

async fn clock(State(s): State<Arc<Shared>>, Json(b): Json<ClockBody>) -> Response {
    if !(b.advance_seconds.is_finite() && b.advance_seconds >= 0.0) {
        return EmuError::invalid("advance_seconds must be a non-negative number").into_response();
    }
    let inner = s.lock();
    inner
        .world
        .clock
        .advance(Duration::from_secs_f64(b.advance_seconds));
    Json(json!({ "now": format_utc(inner.world.clock.now()) })).into_response()
}

fn no_object(id: &str) -> Response {
    EmuError::new(404, "InvalidParameter.NotFound", format!("No object {id}.")).into_response()
}

async fn delete_object(State(s): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    if s.lock().world.delete_object(&id) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        no_object(&id)
    }
}

async fn patch_object(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    Json(fields): Json<Value>,
) -> Response {
    let mut inner = s.lock();
    inner.world.sweep();
    match inner.world.patch_object(&id, &fields) {
        Ok(true) => Json(json!({ "patched": id })).into_response(),
        Ok(false) => no_object(&id),
        Err(e) => EmuError::invalid(e).into_response(),
    }
}
