//! What the two ECI cache resources (`aliyun_eci_image_cache`,
//! `aliyun_eci_data_cache`) share as remote objects, written once.
//!
//! Both are status-driven ([`lifecycle`](super::lifecycle)), read through
//! coalesced region listings at refresh ([`coalesce`]) and one `Describe` while
//! waiting, deleted by one call, recover `retention_days` after an import (the
//! API returns only the expiry), and warn at every refresh while they are
//! failed. A cache type declares its statuses, its mapping and its warning
//! ([`EciCache`]); [`CacheKind`] turns that into the lifecycle's [`RemoteKind`].
//! Each resource adds its delete call
//! ([`Deletable`](super::lifecycle::Deletable) for its `CacheKind`).

use std::future::Future;
use std::marker::PhantomData;

use crate::aliyun::coalesce::{self, Coalesced};
use crate::aliyun::{ApiError, CallContext, Client};
use crate::resources::common::recover_retention;
use crate::resources::lifecycle::RemoteKind;
use crate::resources::wait::Watched;
use crate::tf::{Cx, Diagnostics, Value};

/// An ECI cache type, as its resource declares it.
pub trait EciCache: Coalesced + Watched {
    /// How messages name the kind, capitalised: "Image cache".
    const NAME: &'static str;
    /// Statuses in which the cache accepts updates and deletes.
    const SETTLED: &'static [&'static str];
    /// Statuses a create, or a change that reloads the data, ends in.
    const READY: &'static [&'static str];
    /// Statuses that end a wait for [`EciCache::READY`] as a failure.
    const FAILED: &'static [&'static str];
    /// Copies what Describe returns into `state`.
    fn flatten(&self, state: &mut Value);

    /// The warning a refresh gives about this cache, if any (a failed cache).
    fn warn(&self, diags: &mut Diagnostics);
}

/// The lifecycle's view of cache type `T`.
pub struct CacheKind<T>(PhantomData<T>);

impl<T: EciCache> RemoteKind for CacheKind<T> {
    type Object = T;
    const NAME: &'static str = T::NAME;
    const SETTLED: &'static [&'static str] = T::SETTLED;
    const READY: &'static [&'static str] = T::READY;
    const FAILED: &'static [&'static str] = T::FAILED;

    fn describe(
        client: &Client,
        id: &str,
        api: &CallContext,
    ) -> impl Future<Output = Result<Option<T>, ApiError>> + Send {
        T::one(client, id, api)
    }

    fn refresh(
        client: &Client,
        id: &str,
        api: &CallContext,
    ) -> impl Future<Output = Result<Option<T>, ApiError>> + Send {
        coalesce::read::<T>(client, id, api)
    }

    fn flatten(state: &mut Value, cache: &T) {
        cache.flatten(state);
    }

    fn after_read(cx: &Cx<Client>, state: &mut Value, cache: &T, diags: &mut Diagnostics) {
        if cx.imported {
            recover_retention(state);
        }
        cache.warn(diags);
    }
}
