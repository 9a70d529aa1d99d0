//! Coalesced reads: many concurrent single-object reads of one kind answered
//! from one shared region listing instead of one `Describe` each.
//!
//! A Terraform refresh sends a read for every object in state, ten at a time.
//! Answered one by one, N objects cost N calls and N round trips / 10 of wall
//! time. A region listing (DescribeImageCaches or DescribeDataCaches without an
//! ID filter, pages of 20, `NextToken`) answers every object of the region in
//! `ceil(T / 20)` calls, `T` being the `TotalCount` its first page reports.
//!
//! # What the API offers
//!
//! | action | filter by ID | page |
//! |---|---|---|
//! | DescribeImageCaches | `ImageCacheId`: **one** ID (a scalar) | `Limit` (no published range; at most 20 a page on the old documentation page, and the emulator caps it there), `NextToken`, `TotalCount` = all matches |
//! | DescribeDataCaches | `DataCacheId.N`: up to 100 IDs | `Limit` 1–20 (default and maximum 20), `NextToken`, `TotalCount` |
//! | DescribeImagePipelineExecutions | `ExecutionId`: one | `MaxResults` 1–500, `NextToken`, `TotalCount` |
//!
//! Data caches could also be batched by ID, but a batch of 100 IDs still
//! costs `ceil(100 / 20) = 5` calls, and Terraform never has more than 10 reads
//! in flight, so an ID batch answers at most 10 reads per call: 1,000 reads
//! cost 100 calls that way against 50 for the region listing. Image pipeline
//! executions are not coalesced: the help pages require `ImagePipelineId` or
//! `ExecutionId` on every call (the metadata marks both optional), so a
//! region listing may be refused by the service, and a state rarely holds
//! more than a few builds.
//!
//! # Cost model
//!
//! | way | calls | when it pays |
//! |---|---|---|
//! | per-ID `Describe` | 1 per read | few reads, or a region holding far more objects than this configuration reads |
//! | region listing | `P = ceil(T / page)`, fetched one page after another | `P` well below the number of reads |
//!
//! The provider cannot know how many reads a refresh will send: it sees them
//! arrive. So:
//!
//! - **Single reads stay one call, sent at once.** A read with fewer than
//!   [`BURST`] reads of its kind in flight (itself included) is a plain
//!   per-ID `Describe`: a plan touching one resource never waits for a window.
//! - **A burst starts a listing.** A read arriving while [`BURST`]` - 1`
//!   others are in flight fetches the first page, which gives `T`.
//! - **The listing continues only while it pays:** before each further page,
//!   `P <= FACTOR * demand`, where `demand` counts the reads this process has
//!   served or is waiting on for that kind. While it does not, the listing
//!   pauses (objects already listed still answer; the others are read one by
//!   one) and resumes from its `NextToken` once enough reads have arrived. [`FACTOR`] is 8: at Terraform's
//!   parallelism of 10 the first page already sees about 10 reads, so a region
//!   of up to 1,600 objects is listed at once; if the configuration really
//!   manages only those 10, the listing cost at most 8 calls per read it
//!   answered, a bounded loss, against a 20-fold saving when the state holds the
//!   region (1,000 objects: 50 calls instead of 1,000). A listing still paused
//!   after [`MAX_AGE`] ends, and none starts again until `demand` reaches
//!   `P / FACTOR`.
//! - Readers wait on the listing and are answered as soon as the page holding
//!   their object arrives.
//!
//! # Correctness
//!
//! Every answer is what a single `Describe` would have given:
//!
//! - An object found on a page is the service's answer for it, fetched after
//!   the read arrived or at most [`MAX_AGE`] before (and never across a write,
//!   below).
//! - An object *missing* from a listing is never taken as gone: a listing
//!   paginated while objects are created or deleted can skip one, so "missing"
//!   is confirmed with a per-ID `Describe` (which costs nothing in the common
//!   case, where nothing is missing).
//! - A listing that fails (after the client's retries) answers nothing more:
//!   its waiting readers fall back to per-ID reads with the usual retries, and
//!   no new listing of that kind is started by this process.
//! - A write of this client (any call that is not a `Describe*` or `List*`)
//!   makes every listing started before it, or while it was in flight, unusable;
//!   no listing starts while a write is in flight.
//! - A listing answers for at most [`MAX_AGE`] (20 s) after it started. A
//!   refresh is a snapshot taken over the seconds the walk lasts: one-by-one
//!   reads of 1,000 objects at 100 ms already answer over 10 s, so a 20 s bound
//!   adds no staleness a plan can tell apart from its own duration, while it
//!   covers a whole listing of 1,000 objects (50 pages) at 100 ms per call.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::{watch, Notify};
use tokio::time::Instant;

use super::client::{CallContext, Client};
use super::error::ApiError;

/// Reads of one kind in flight (the new one included) that start a listing.
pub const BURST: usize = 3;
/// A listing continues while its pages are at most this many times the demand.
pub const FACTOR: usize = 8;
/// How long after it started a listing may answer a read.
pub const MAX_AGE: Duration = Duration::from_secs(20);
/// Bound on one page call of a listing (its retries included).
const PAGE_TIMEOUT: Duration = Duration::from_secs(60);

/// Writes in flight and done, so listings never answer across a write.
#[derive(Debug, Default)]
pub struct WriteCounter {
    started: AtomicU64,
    done: AtomicU64,
}

impl WriteCounter {
    /// Marks a write as started until the guard is dropped.
    pub fn begin(&self) -> WriteGuard<'_> {
        self.started.fetch_add(1, Ordering::SeqCst);
        WriteGuard(self)
    }

    /// `(started, done)`: equal when no write is in flight.
    fn snapshot(&self) -> (u64, u64) {
        let done = self.done.load(Ordering::SeqCst);
        (self.started.load(Ordering::SeqCst), done)
    }
}

/// Ends a write when dropped.
pub struct WriteGuard<'a>(&'a WriteCounter);

impl Drop for WriteGuard<'_> {
    fn drop(&mut self) {
        self.0.done.fetch_add(1, Ordering::SeqCst);
    }
}

/// `true` when a listing of `total` objects served `page` per call is worth
/// continuing for `demand` reads (see the module docs). An unknown total is
/// judged on the pages fetched so far plus one.
pub fn worth_continuing(total: Option<u64>, page: usize, fetched: usize, demand: usize) -> bool {
    let pages = match total {
        Some(t) => (t as usize).div_ceil(page.max(1)),
        None => fetched + 1,
    };
    pages <= FACTOR * demand
}

/// `true` when a listing started at `started` with `writes_at_start` writes
/// started may answer at `now`, given the client's `writes` `(started, done)`.
pub fn usable(started: Instant, writes_at_start: u64, now: Instant, writes: (u64, u64)) -> bool {
    now.saturating_duration_since(started) <= MAX_AGE && writes.0 == writes_at_start
}

/// One page of a listing: its objects, the next token, the reported total.
pub struct ListPage<T> {
    /// Objects of the page.
    pub items: Vec<T>,
    /// Next page (empty or `None` on the last one).
    pub next_token: Option<String>,
    /// `TotalCount`, if reported.
    pub total: Option<i64>,
}

/// A kind of object whose reads can be coalesced.
pub trait Coalesced: Clone + Send + Sync + 'static {
    /// The object's ID.
    fn id(&self) -> &str;
    /// This kind's coalescer in `client`.
    fn coalescer(client: &Client) -> &Coalescer<Self>;
    /// One page of the region listing.
    fn page(
        client: &Client,
        token: Option<String>,
        cx: &CallContext,
    ) -> impl Future<Output = Result<ListPage<Self>, ApiError>> + Send;
    /// The per-ID `Describe`: `None` when gone.
    fn one(
        client: &Client,
        id: &str,
        cx: &CallContext,
    ) -> impl Future<Output = Result<Option<Self>, ApiError>> + Send;
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Running,
    /// Waiting for the demand to make the next pages pay: found objects answer,
    /// the others are read one by one.
    Paused,
    Complete,
    /// Failed or stopped by the cost rule: answers nothing more.
    Over,
}

struct Listing<T> {
    /// Which listing this is: a listing replaced by a newer one (after a write)
    /// must not touch its successor.
    id: u64,
    started: Instant,
    writes_at_start: u64,
    objects: HashMap<String, T>,
    phase: Phase,
}

struct State<T> {
    in_flight: usize,
    demand: usize,
    listing: Option<Listing<T>>,
    /// No listing until `demand` reaches this (a stopped listing's `P / FACTOR`).
    wait_for_demand: usize,
    /// A listing failed: none again in this process.
    failed: bool,
    /// ID of the next listing.
    next_id: u64,
}

/// Coalesces the reads of one kind for one client (see the module docs).
pub struct Coalescer<T> {
    state: Mutex<State<T>>,
    progress: watch::Sender<u64>,
    /// Signalled when a read arrives (a paused listing may resume).
    demand_grew: Notify,
}

impl<T> Default for Coalescer<T> {
    fn default() -> Self {
        Coalescer {
            state: Mutex::new(State {
                in_flight: 0,
                demand: 0,
                listing: None,
                wait_for_demand: 0,
                failed: false,
                next_id: 0,
            }),
            progress: watch::channel(0).0,
            demand_grew: Notify::new(),
        }
    }
}

/// What a reader does next.
enum Next<T> {
    Answer(T),
    PerId,
    Wait,
    Start(u64),
}

struct InFlight<'a, T>(&'a Coalescer<T>);

impl<T> Drop for InFlight<'_, T> {
    fn drop(&mut self) {
        self.0.state.lock().unwrap().in_flight -= 1;
    }
}

/// Reads object `id` of kind `T`: from a shared listing when reads come in a
/// burst, else with one per-ID call; always the answer a per-ID call would give.
pub async fn read<T: Coalesced>(
    client: &Client,
    id: &str,
    cx: &CallContext,
) -> Result<Option<T>, ApiError> {
    let co = T::coalescer(client);
    {
        let mut s = co.state.lock().unwrap();
        s.in_flight += 1;
        s.demand += 1;
    }
    co.demand_grew.notify_waiters();
    let _guard = InFlight(co);
    let mut progress = co.progress.subscribe();
    loop {
        let next = {
            let mut s = co.state.lock().unwrap();
            let writes = client.writes().snapshot();
            let now = Instant::now();
            let live = s.listing.as_ref().filter(|l| {
                l.phase != Phase::Over && usable(l.started, l.writes_at_start, now, writes)
            });
            match live {
                Some(l) => match (l.objects.get(id), l.phase) {
                    (Some(found), _) => Next::Answer(found.clone()),
                    // Missing from a complete listing: confirmed one by one.
                    (None, Phase::Complete | Phase::Paused) => Next::PerId,
                    (None, _) => Next::Wait,
                },
                None => {
                    let quiet = writes.0 == writes.1;
                    if s.in_flight >= BURST && quiet && !s.failed && s.demand >= s.wait_for_demand {
                        let id = s.next_id;
                        s.next_id += 1;
                        s.listing = Some(Listing {
                            id,
                            started: now,
                            writes_at_start: writes.0,
                            objects: HashMap::new(),
                            phase: Phase::Running,
                        });
                        Next::Start(id)
                    } else {
                        Next::PerId
                    }
                }
            }
        };
        match next {
            Next::Answer(found) => return Ok(Some(found)),
            Next::PerId => return T::one(client, id, cx).await,
            Next::Start(listing) => {
                log::debug!("coalesced reads: a burst of reads starts a region listing");
                let client = client.clone();
                tokio::spawn(async move { run_listing::<T>(&client, listing).await });
            }
            Next::Wait => {
                tokio::select! {
                    biased;
                    _ = cx.cancel.cancelled() => return T::one(client, id, cx).await,
                    _ = sleep_until(cx.deadline) => return T::one(client, id, cx).await,
                    changed = progress.changed() => {
                        if changed.is_err() {
                            return T::one(client, id, cx).await;
                        }
                    }
                }
            }
        }
    }
}

/// Before the next page: `true` at once while the listing pays; else pauses
/// the listing (readers of objects not yet listed go one by one) until enough
/// reads have arrived, or returns `false` when the listing grows too old first.
async fn pause_until_it_pays<T: Coalesced>(
    co: &Coalescer<T>,
    id: u64,
    total: Option<u64>,
    page_len: usize,
    fetched: usize,
) -> bool {
    let mut paused = false;
    loop {
        let grew = co.demand_grew.notified();
        tokio::pin!(grew);
        grew.as_mut().enable();
        let (demand, started) = {
            let s = co.state.lock().unwrap();
            let Some(l) = s.listing.as_ref().filter(|l| l.id == id) else {
                return false;
            };
            (s.demand, l.started)
        };
        if worth_continuing(total, page_len, fetched, demand) {
            if paused {
                log::debug!("coalesced reads: {demand} reads make the listing pay; resumed");
                set_phase(co, id, Phase::Running);
            }
            return true;
        }
        if !paused {
            log::debug!(
                "coalesced reads: the next pages do not pay yet for {demand} reads; paused"
            );
            set_phase(co, id, Phase::Paused);
            co.progress.send_modify(|n| *n += 1);
            paused = true;
        }
        tokio::select! {
            _ = grew => {}
            _ = tokio::time::sleep_until(started + MAX_AGE) => return false,
        }
    }
}

/// Sets the phase of listing `id` (if it is still the current one).
fn set_phase<T>(co: &Coalescer<T>, id: u64, phase: Phase) {
    if let Some(l) = co
        .state
        .lock()
        .unwrap()
        .listing
        .as_mut()
        .filter(|l| l.id == id)
    {
        l.phase = phase;
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

/// Fetches the listing's pages one after another into the coalescer, waking
/// readers after each page.
async fn run_listing<T: Coalesced>(client: &Client, id: u64) {
    let co = T::coalescer(client);
    let wake = || co.progress.send_modify(|n| *n += 1);
    let end = |phase: Phase, failed: bool, wait_for_demand: usize| {
        let mut s = co.state.lock().unwrap();
        if let Some(l) = s.listing.as_mut().filter(|l| l.id == id) {
            l.phase = phase;
        }
        s.failed |= failed;
        s.wait_for_demand = s.wait_for_demand.max(wait_for_demand);
    };
    let mut token: Option<String> = None;
    let mut seen = std::collections::HashSet::new();
    let mut fetched = 0usize;
    let mut total = None;
    let mut page_len = 0usize;
    loop {
        let cx = CallContext::with_timeout(PAGE_TIMEOUT);
        let page = match T::page(client, token.take(), &cx).await {
            Ok(page) => page,
            Err(e) => {
                log::debug!("coalesced reads: the listing failed, reads go one by one: {e}");
                end(Phase::Over, true, 0);
                wake();
                return;
            }
        };
        fetched += 1;
        if fetched == 1 {
            total = page.total.map(|t| t.max(0) as u64);
            page_len = page.items.len();
        }
        {
            let mut s = co.state.lock().unwrap();
            // Replaced by a newer listing (after a write): this one is done.
            let Some(l) = s.listing.as_mut().filter(|l| l.id == id) else {
                return;
            };
            for item in page.items {
                l.objects.insert(item.id().to_owned(), item);
            }
        }
        let next = page.next_token.filter(|t| !t.is_empty());
        let Some(next) = next else {
            end(Phase::Complete, false, 0);
            wake();
            return;
        };
        if !seen.insert(next.clone()) {
            log::debug!("coalesced reads: NextToken {next:?} came twice; reads go one by one");
            end(Phase::Over, true, 0);
            wake();
            return;
        }
        if !pause_until_it_pays::<T>(co, id, total, page_len, fetched).await {
            let pages = total.map_or(fetched + 1, |t| (t as usize).div_ceil(page_len.max(1)));
            end(Phase::Over, false, pages.div_ceil(FACTOR));
            wake();
            return;
        }
        wake();
        token = Some(next);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listing_pays_when_pages_are_few_against_reads() {
        // 1000 objects, 20 a page: 50 pages; 10 reads seen allow 80.
        assert!(worth_continuing(Some(1000), 20, 1, 10));
        // A region of 5000 objects for 10 reads: 250 pages do not pay.
        assert!(!worth_continuing(Some(5000), 20, 1, 10));
        // ...until the reads grow to 250 / 8.
        assert!(worth_continuing(Some(5000), 20, 1, 32));
        // An empty or one-page listing always pays.
        assert!(worth_continuing(Some(0), 0, 1, 1));
        assert!(worth_continuing(Some(20), 20, 1, 1));
        // Unknown total: judged page by page.
        assert!(worth_continuing(None, 20, 7, 1));
        assert!(!worth_continuing(None, 20, 8, 1));
    }

    #[test]
    fn a_listing_answers_only_when_young_and_before_any_write() {
        let t0 = Instant::now();
        assert!(usable(t0, 4, t0 + Duration::from_secs(5), (4, 4)));
        assert!(usable(t0, 4, t0 + MAX_AGE, (4, 4)));
        assert!(!usable(
            t0,
            4,
            t0 + MAX_AGE + Duration::from_millis(1),
            (4, 4)
        ));
        // A write started after the listing (in flight or done).
        assert!(!usable(t0, 4, t0, (5, 4)));
        assert!(!usable(t0, 4, t0, (5, 5)));
    }

    #[test]
    fn write_guard_counts_in_flight_writes() {
        let w = WriteCounter::default();
        let g = w.begin();
        assert_eq!(w.snapshot(), (1, 0));
        drop(g);
        assert_eq!(w.snapshot(), (1, 1));
    }
}
