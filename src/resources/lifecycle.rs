//! The life of a status-driven remote object, written once for every resource.
//!
//! A resource names its kind of object ([`RemoteKind`]: how to describe one, how
//! to copy it into state, which statuses mean ready, settled or failed) and keeps
//! only what is truly its own (schema, mapping, the rules of its update). The
//! flows every such resource shares live here:
//!
//! | flow | steps |
//! |---|---|
//! | [`read`] | [`RemoteKind::refresh`] (a describe, possibly coalesced); gone is [`Existence::Gone`]; else flatten, then the kind's [`RemoteKind::after_read`] |
//! | [`created`] | record the ID at once (an error from here keeps the object in state, tainted), wait until ready, flatten; on failure refresh what can be read and say what is known |
//! | [`update`] | tags first, then (when there is a request) wait until settled, send it (`NoNeedUpdate` counts as success: only changed values are sent, so it means the object already holds them), wait for the goal, flatten; with no request, [`reread`] |
//! | [`delete`] | unless the refreshed state says settled, wait until settled (gone is done); [`Deletable::send_delete`] (not found is done; refused after skipping the wait: wait until settled and send it once more); wait until gone |
//!
//! Waits go through [`wait`](super::wait): adaptive polling bounded by the
//! operation's deadline, riding through transient errors.

use std::future::Future;
use std::time::Duration;

use crate::aliyun::eci::ResourceType;
use crate::aliyun::{ApiError, CallContext, Client, ClientToken};
use crate::resources::common::{api_cx, api_error, apply_tag_changes};
use crate::resources::wait::{self, WaitError, Watched};
use crate::tf::provider::Existence;
use crate::tf::{Cx, Diagnostics, Value};

/// A kind of remote object whose life is driven by its status.
pub trait RemoteKind: Send + Sync + 'static {
    /// What Describe returns for one object.
    type Object: Watched + Send + Sync;
    /// How messages name the kind, capitalised: "Image cache".
    const NAME: &'static str;
    /// Statuses in which the object accepts updates and deletes.
    const SETTLED: &'static [&'static str];
    /// Statuses a create, or a change that works on the data, ends in.
    const READY: &'static [&'static str];
    /// Statuses that end a wait for [`RemoteKind::READY`] as a failure.
    const FAILED: &'static [&'static str];

    /// Describes object `id`; `None` once it is gone.
    fn describe(
        client: &Client,
        id: &str,
        api: &CallContext,
    ) -> impl Future<Output = Result<Option<Self::Object>, ApiError>> + Send;

    /// Describes object `id` for a refresh: the same answer as
    /// [`RemoteKind::describe`], which kinds with many objects may get from reads
    /// coalesced across concurrent refreshes (`aliyun::coalesce`). Waits poll with
    /// `describe`. By default, `describe`.
    fn refresh(
        client: &Client,
        id: &str,
        api: &CallContext,
    ) -> impl Future<Output = Result<Option<Self::Object>, ApiError>> + Send {
        Self::describe(client, id, api)
    }

    /// Copies what Describe returns into `state`; leaves everything else as it is.
    fn flatten(state: &mut Value, object: &Self::Object);

    /// What a refresh adds after flattening (warnings, values recovered after an
    /// import). Nothing by default.
    fn after_read(
        _cx: &Cx<Client>,
        _state: &mut Value,
        _object: &Self::Object,
        _diags: &mut Diagnostics,
    ) {
    }
}

/// A kind deleted by one call, gone once Describe no longer returns it (see
/// [`delete`]). Kinds whose deletion is a flow of its own (a template waits for
/// its builds, a build is cancelled) do not implement it.
pub trait Deletable: RemoteKind {
    /// Codes with which the delete call says the object does not exist (done).
    const NOT_FOUND: &'static [&'static str];

    /// Sends the delete call for `id`; `token` makes its retries one deletion.
    fn send_delete(
        client: &Client,
        id: &str,
        token: &ClientToken,
        api: &CallContext,
    ) -> impl Future<Output = Result<(), ApiError>> + Send;
}

/// What an update waits for once its request is accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Goal {
    /// A change that works on the data: until ready (a failure status fails it).
    Ready,
    /// A change of metadata, applied at once: until settled, whatever the status
    /// was (an earlier failure is not this update's).
    Settled,
}

/// The ID in `state`, if any.
pub fn id_of(state: &Value) -> Option<String> {
    state.str_attr("id").map(str::to_string)
}

/// Waits until object `id` is in one of `done`; one of `failed` fails the wait.
pub async fn wait_until<K: RemoteKind>(
    cx: &Cx<Client>,
    id: &str,
    done: &[&str],
    failed: &[&str],
) -> Result<K::Object, WaitError<ApiError>> {
    let api = api_cx(cx);
    wait::until_status(cx, || K::describe(&cx.client, id, &api), done, failed).await
}

async fn wait_for<K: RemoteKind>(
    cx: &Cx<Client>,
    id: &str,
    goal: Goal,
) -> Result<K::Object, WaitError<ApiError>> {
    match goal {
        Goal::Ready => wait_until::<K>(cx, id, K::READY, K::FAILED).await,
        Goal::Settled => wait_until::<K>(cx, id, K::SETTLED, &[]).await,
    }
}

/// Refreshes `state` from the API. An error keeps the state as it was.
pub async fn read<K: RemoteKind>(
    cx: &Cx<Client>,
    state: &mut Value,
    diags: &mut Diagnostics,
) -> Existence {
    let Some(id) = id_of(state) else {
        return Existence::Gone;
    };
    match K::refresh(&cx.client, &id, &api_cx(cx)).await {
        Ok(Some(object)) => {
            K::flatten(state, &object);
            K::after_read(cx, state, &object, diags);
            Existence::Exists
        }
        Ok(None) => Existence::Gone,
        Err(e) => {
            let what = K::NAME.to_lowercase();
            api_error(diags, format!("Could not read {what} {id}"), &e);
            Existence::Exists
        }
    }
}

/// After a create call answered `id`: records it, waits until `done` (a status in
/// `failed` fails), and fills `state` in. On failure the state keeps the ID and
/// whatever could still be read, and the error says what is known.
pub async fn created<K: RemoteKind>(
    cx: &Cx<Client>,
    id: &str,
    (done, failed): (&[&str], &[&str]),
    state: &mut Value,
    diags: &mut Diagnostics,
) -> Option<K::Object> {
    // Recorded at once: from here on an error keeps the object in state (tainted),
    // never orphaned.
    state.set_attr("id", id);
    match wait_until::<K>(cx, id, done, failed).await {
        Ok(object) => {
            K::flatten(state, &object);
            Some(object)
        }
        Err(e) => {
            refresh_best_effort::<K>(cx, id, state).await;
            let goal = format!("status {}", done.join(" or "));
            wait::report(diags, K::NAME, id, "created", &goal, &e);
            None
        }
    }
}

/// After a failed wait, records what the object looks like, so the state stays true.
pub async fn refresh_best_effort<K: RemoteKind>(cx: &Cx<Client>, id: &str, state: &mut Value) {
    let api = CallContext::with_timeout(Duration::from_secs(10));
    if let Ok(Some(object)) = K::describe(&cx.client, id, &api).await {
        K::flatten(state, &object);
    }
}

/// What an update sends besides tags.
pub struct Change<F> {
    /// Sends the update request (made once the object is settled).
    pub send: F,
    /// What to wait for once it is accepted.
    pub goal: Goal,
}

/// Applies an update: the tags of `tag_type` (from `prior` to the planned `state`)
/// first, then `change` if any, then fills `state` in from the last answer.
pub async fn update<K, F, Fut>(
    cx: &Cx<Client>,
    prior: &Value,
    state: &mut Value,
    tag_type: Option<ResourceType>,
    change: Option<Change<F>>,
    diags: &mut Diagnostics,
) where
    K: RemoteKind,
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<(), ApiError>>,
{
    let Some(id) = id_of(prior) else { return };
    let api = api_cx(cx);
    let what = K::NAME.to_lowercase();
    if let Some(resource_type) = tag_type {
        let (before, after) = (prior.attr("tags"), state.attr("tags"));
        if let Err(e) = apply_tag_changes(&cx.client, resource_type, &id, before, after, &api).await
        {
            return api_error(
                diags,
                format!("Could not update the tags of {what} {id}"),
                &e,
            );
        }
    }
    let Some(change) = change else {
        return reread::<K>(cx, prior, state, diags).await;
    };
    // The API refuses updates while the object is busy.
    if let Err(e) = wait_for::<K>(cx, &id, Goal::Settled).await {
        return diags.error(
            format!("{} {id} could not be updated", K::NAME),
            format!("Waiting for it to settle: {e}."),
        );
    }
    match (change.send)().await {
        Ok(()) => {}
        // Only changed values are sent, so the object already holds them (values
        // filled in after an import): the update has nothing to do.
        Err(e) if e.is_code("NoNeedUpdate") => {}
        Err(e) => return api_error(diags, format!("Could not update {what} {id}"), &e),
    }
    // The wait's last answer is the object as updated (tags were changed first), so
    // it is not described once more.
    match wait_for::<K>(cx, &id, change.goal).await {
        Ok(object) => K::flatten(state, &object),
        Err(e) => {
            let goal = match change.goal {
                Goal::Ready => format!("status {}", K::READY.join(" or ")),
                Goal::Settled => "it to settle".to_string(),
            };
            wait::report(diags, K::NAME, &id, "updated", &goal, &e);
        }
    }
}

/// An update with nothing to send (tags aside): reads the object of `prior` into
/// `state` once. Gone is an error: it was deleted while being updated.
pub async fn reread<K: RemoteKind>(
    cx: &Cx<Client>,
    prior: &Value,
    state: &mut Value,
    diags: &mut Diagnostics,
) {
    let Some(id) = id_of(prior) else { return };
    match K::describe(&cx.client, &id, &api_cx(cx)).await {
        Ok(Some(object)) => K::flatten(state, &object),
        Ok(None) => diags.error(
            format!("{} {id} disappeared", K::NAME),
            "It was deleted while being updated.",
        ),
        Err(e) => {
            let what = K::NAME.to_lowercase();
            api_error(diags, format!("Could not read {what} {id}"), &e);
        }
    }
}

/// Deletes the object of `state` and waits until it is gone.
///
/// The service refuses a delete while the object is being created or updated.
/// When `state` (as refreshed for this plan) says the object is settled, the
/// delete is sent at once, so a destroy of many objects costs one delete and one
/// Describe each. If it fails all the same (the object became busy after that
/// refresh, or the state was not refreshed), the object is waited on until
/// settled and the delete sent once more; what that second attempt answers is
/// final. Without a settled status in `state`, it waits until settled first.
/// Gone at any point, or "not found" on delete ([`Deletable::NOT_FOUND`]), is
/// done.
pub async fn delete<K: Deletable>(cx: &Cx<Client>, state: &Value, diags: &mut Diagnostics) {
    let Some(id) = id_of(state) else { return };
    let api = api_cx(cx);
    let settled_in_state = state
        .str_attr("status")
        .is_some_and(|s| K::SETTLED.contains(&s));
    if !settled_in_state && !settle_before_delete::<K>(cx, &id, diags).await {
        return;
    }
    let mut sent = K::send_delete(&cx.client, &id, &ClientToken::generate(), &api).await;
    if settled_in_state && matches!(&sent, Err(e) if !e.is_code_in(K::NOT_FOUND)) {
        if !settle_before_delete::<K>(cx, &id, diags).await {
            return;
        }
        // A new token: the first request failed. Had it deleted the object after
        // all, the wait above would have found it gone.
        sent = K::send_delete(&cx.client, &id, &ClientToken::generate(), &api).await;
    }
    match sent {
        Ok(()) => {}
        Err(e) if e.is_code_in(K::NOT_FOUND) => return,
        Err(e) => {
            let what = K::NAME.to_lowercase();
            return api_error(diags, format!("Could not delete {what} {id}"), &e);
        }
    }
    if let Err(e) = wait::until_gone(cx, || K::describe(&cx.client, &id, &api)).await {
        wait::report(diags, K::NAME, &id, "deleted", "it to disappear", &e);
    }
}

/// Waits until object `id` accepts a delete. `false` when there is nothing more
/// to do: it is gone, or the wait failed (reported in `diags`).
async fn settle_before_delete<K: RemoteKind>(
    cx: &Cx<Client>,
    id: &str,
    diags: &mut Diagnostics,
) -> bool {
    match wait_for::<K>(cx, id, Goal::Settled).await {
        Ok(_) => true,
        Err(WaitError::Gone) => false,
        Err(e) => {
            diags.error(
                format!("{} {id} could not be deleted", K::NAME),
                format!("Waiting for it to settle: {e}."),
            );
            false
        }
    }
}
