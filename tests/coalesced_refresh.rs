//! Coalesced refresh (`aliyun::coalesce`): a refresh of many caches is answered
//! from a shared region listing, and every answer is still what a single
//! Describe would give: drift and out-of-band deletes are planned back, faults
//! during listing pages change nothing, objects created while a listing runs are
//! found, and a write of this client is never answered from an older listing.
//! The applies are steps (`acc::Step`): planned actions, exact calls.
//!
//! In real-cloud mode (`ALIYUN_ACC_REAL=1`, see `acc::real`) the step of 60 image
//! caches runs against the account (its refreshes answered from listings of real
//! pages, the re-plans exact and empty; caches named `tf-acc-co-*` and tagged
//! `tf-acc`), while what only the emulator can do, count or serve (call counts,
//! edits behind Terraform's back, faults, latency, seeding hundreds of caches
//! through the client, the made-up model repository of the data caches) is
//! skipped and reported.

use std::time::Duration;

use aliyun_emulator::{Config, FaultSettings};
use serde_json::json;
use terraform_provider_aliyun::aliyun::{
    CallContext, Client, ClientToken, CreateImageCacheRequest, UpdateImageCacheRequest,
};

use crate::acc::{action, skip_emulator_only_test, Acc, Step};

/// Caches per test: three pages of 20.
const N: usize = 60;

fn image_caches(n: usize) -> String {
    format!(
        r#"resource "aliyun_eci_image_cache" "c" {{
  count             = {n}
  image_cache_name  = "tf-acc-co-${{count.index}}"
  images            = ["nginx:1.25"]
  security_group_id = "sg-acc0001"
  vswitch_id        = "vsw-acc0001"
  tags              = {{ "tf-acc" = "true" }}
}}
"#
    )
}

fn data_caches(n: usize) -> String {
    format!(
        r#"resource "aliyun_eci_data_cache" "d" {{
  count             = {n}
  name              = "tf-acc-co-${{count.index}}"
  path              = "/co/${{count.index}}"
  security_group_id = "sg-acc0001"
  vswitch_id        = "vsw-acc0001"
  tags              = {{ "tf-acc" = "true" }}
  data_source {{
    type    = "URL"
    options = {{ repoSource = "HuggingFace/Model", repoId = "org/co" }}
  }}
}}
"#
    )
}

/// An emulator answering every call after 20 ms: Terraform's ten concurrent reads
/// are then surely in flight together, as against a real API.
fn acc() -> Acc {
    let mut config = Config::for_tests();
    config.latency = Duration::from_millis(20);
    Acc::with_config(config)
}

/// Runs a plan; returns its actions and the `describe` calls it made.
fn planned(t: &Acc, describe: &str) -> (crate::acc::Actions, u64) {
    let before = t.calls(describe);
    let actions = t.plan_actions();
    (actions, t.calls(describe) - before)
}

#[test]
fn image_caches_refresh_from_a_listing_with_drift_and_deletes() {
    let t = acc();
    let config = image_caches(N);
    // The re-plans after the apply refresh the N caches: exact and empty.
    t.run(Step::new(config.clone()).calls("CreateImageCache", N as u64));
    if t.emulator_only("drift and a delete behind Terraform's back, Describe calls of a refresh") {
        let renamed = t.attr("aliyun_eci_image_cache.c[7]", "id");
        let gone = t.attr("aliyun_eci_image_cache.c[42]", "id");
        assert!(t
            .emu
            .patch_object(&renamed, json!({"ImageCacheName": "renamed"})));
        assert!(t.emu.delete_object(&gone));

        let (actions, describes) = planned(&t, "DescribeImageCaches");
        assert_eq!(action(&actions, "aliyun_eci_image_cache.c[7]"), ["update"]);
        assert_eq!(action(&actions, "aliyun_eci_image_cache.c[42]"), ["create"]);
        let changed = actions.values().filter(|a| a != &&["no-op"]).count();
        assert_eq!(changed, 2, "only the drifted caches change: {actions:?}");
        // 3 pages, the first reads one by one before the burst, the deleted one confirmed.
        assert!(
            describes <= 12,
            "{describes} DescribeImageCaches for {N} caches"
        );

        // The next apply converges (its own refresh is coalesced as well).
        t.run(
            Step::new(config)
                .plans("aliyun_eci_image_cache.c[7]", &["update"])
                .plans("aliyun_eci_image_cache.c[42]", &["create"])
                .calls("UpdateImageCache", 1)
                .calls("CreateImageCache", 1)
                .sends("UpdateImageCache", &[("ImageCacheName", "tf-acc-co-7")])
                .check(|t| {
                    assert_eq!(
                        t.attr("aliyun_eci_image_cache.c[7]", "image_cache_name"),
                        "tf-acc-co-7"
                    );
                }),
        );
    }
    t.destroy();
}

#[test]
fn data_caches_refresh_from_a_listing_with_drift_and_deletes() {
    if skip_emulator_only_test("the caches pull a made-up model repository only the emulator has") {
        return;
    }
    let t = acc();
    let config = data_caches(N);
    t.run(Step::new(config.clone()).calls("CreateDataCache", N as u64));
    let renamed = t.attr("aliyun_eci_data_cache.d[3]", "id");
    let gone = t.attr("aliyun_eci_data_cache.d[55]", "id");
    assert!(t.emu.patch_object(&renamed, json!({"Name": "renamed"})));
    assert!(t.emu.delete_object(&gone));

    let (actions, describes) = planned(&t, "DescribeDataCaches");
    assert_eq!(action(&actions, "aliyun_eci_data_cache.d[3]"), ["update"]);
    assert_eq!(action(&actions, "aliyun_eci_data_cache.d[55]"), ["create"]);
    let changed = actions.values().filter(|a| a != &&["no-op"]).count();
    assert_eq!(changed, 2, "only the drifted caches change: {actions:?}");
    assert!(
        describes <= 12,
        "{describes} DescribeDataCaches for {N} caches"
    );
    t.run(
        Step::new(config)
            .plans("aliyun_eci_data_cache.d[3]", &["update"])
            .plans("aliyun_eci_data_cache.d[55]", &["create"])
            .calls("UpdateDataCache", 1)
            .calls("CreateDataCache", 1)
            .check(|t| {
                assert_eq!(t.attr("aliyun_eci_data_cache.d[3]", "name"), "tf-acc-co-3");
            }),
    );
    t.destroy();
}

/// Faults on a third of the Describe calls, listing pages included: the pages
/// are retried (or the reads fall back one by one) and the plan is exact.
#[test]
fn faults_during_listing_pages_change_no_answer() {
    if skip_emulator_only_test("fault injection") {
        return;
    }
    let t = acc();
    let config = image_caches(N);
    t.run(Step::new(config).calls("CreateImageCache", N as u64));
    let gone = t.attr("aliyun_eci_image_cache.c[11]", "id");
    assert!(t.emu.delete_object(&gone));
    t.emu.set_fault_settings(&FaultSettings {
        rate: 0.3,
        seed: 11,
        actions: vec!["DescribeImageCaches".into()],
        ..Default::default()
    });
    let (actions, _) = planned(&t, "DescribeImageCaches");
    assert!(
        t.emu
            .call_counts()
            .faulted
            .get("DescribeImageCaches")
            .copied()
            > Some(0),
        "faults struck"
    );
    assert_eq!(action(&actions, "aliyun_eci_image_cache.c[11]"), ["create"]);
    let changed = actions.values().filter(|a| a != &&["no-op"]).count();
    assert_eq!(changed, 1, "{actions:?}");
    t.emu.set_faults(0.0, 0);
    t.destroy();
}

async fn create(client: &Client, name: &str) -> String {
    let cx = CallContext::with_timeout(Duration::from_secs(30));
    let req = CreateImageCacheRequest {
        image_cache_name: name.into(),
        image: vec!["nginx:1.25".into()],
        security_group_id: Some("sg-co00001".into()),
        v_switch_id: Some("vsw-co00001".into()),
        ..Default::default()
    };
    client
        .create_image_cache(&req, &ClientToken::generate(), &cx)
        .await
        .expect("create")
        .image_cache_id
}

/// Directly through the client, with 30 ms per call so the listing is still
/// running: a cache created meanwhile by someone else is found, and a cache this
/// client updated is read as updated, never from the older listing.
#[test]
fn objects_created_or_written_while_a_listing_runs() {
    if skip_emulator_only_test("call latency and Describe call counts of the client") {
        return;
    }
    let mut config = Config::for_tests();
    config.latency = Duration::from_millis(30);
    let t = Acc::with_config(config);
    let seeder = t.client();
    let ids: Vec<String> = t.block_on(async {
        let mut ids = Vec::new();
        for i in 0..N {
            ids.push(create(&seeder, &format!("seed-{i}")).await);
        }
        ids
    });
    let reader = t.client();
    let other = t.client();
    // A single read is one call, sent at once.
    let before = t.calls("DescribeImageCaches");
    let single = t.block_on(async {
        let cx = CallContext::with_timeout(Duration::from_secs(60));
        reader.read_image_cache(&ids[0], &cx).await.expect("read")
    });
    assert_eq!(single.map(|c| c.image_cache_name), Some("seed-0".into()));
    assert_eq!(t.calls("DescribeImageCaches") - before, 1);
    t.block_on(async {
        let cx = CallContext::with_timeout(Duration::from_secs(60));
        // A burst of reads starts the listing.
        let burst: Vec<_> = ids
            .iter()
            .map(|id| {
                let (reader, cx, id) = (reader.clone(), cx.clone(), id.clone());
                tokio::spawn(async move { reader.read_image_cache(&id, &cx).await })
            })
            .collect();
        // Meanwhile another configuration creates a cache: found all the same.
        let late = create(&other, "late").await;
        let found = reader.read_image_cache(&late, &cx).await.expect("read");
        assert_eq!(found.map(|c| c.image_cache_name), Some("late".into()));
        for (id, read) in ids.iter().zip(burst) {
            let cache = read.await.unwrap().expect("read").expect("exists");
            assert_eq!(&cache.image_cache_id, id);
        }
        // Created once the listing is complete: missing from it, yet found.
        let later = create(&other, "later").await;
        let found = reader.read_image_cache(&later, &cx).await.expect("read");
        assert_eq!(found.map(|c| c.image_cache_name), Some("later".into()));
    });
    let describes = t.calls("DescribeImageCaches") - before;
    assert!(
        describes < N as u64 / 2,
        "{describes} DescribeImageCaches for {N} concurrent reads"
    );
    t.block_on(async {
        let cx = CallContext::with_timeout(Duration::from_secs(60));
        // The listing is young, but this client renamed a cache after it started:
        // the read is not answered from it.
        let renamed = ids[N - 1].clone();
        let update = UpdateImageCacheRequest {
            image_cache_id: renamed.clone(),
            image_cache_name: Some("renamed-by-reader".into()),
            ..Default::default()
        };
        reader
            .update_image_cache(&update, &ClientToken::generate(), &cx)
            .await
            .expect("update");
        let after = reader.read_image_cache(&renamed, &cx).await.expect("read");
        assert_eq!(
            after.map(|c| c.image_cache_name),
            Some("renamed-by-reader".into())
        );
    });
}

/// A region holding far more caches than the reads in flight: the listing stops
/// paying after its first page, pauses, and the reads go one by one (a few
/// calls, not the 45 pages of the region).
#[test]
fn a_crowded_region_is_not_listed_for_a_few_reads() {
    if skip_emulator_only_test("900 caches seeded through the client, and call counts") {
        return;
    }
    // 30 ms per call, so the reads are in flight together.
    let mut config = Config::for_tests();
    config.latency = Duration::from_millis(30);
    let t = Acc::with_config(config);
    let seeder = t.client();
    let ids: Vec<String> = t.block_on(async {
        let mut ids = Vec::new();
        for batch in 0..9 {
            let creates: Vec<_> = (0..100)
                .map(|i| {
                    let seeder = seeder.clone();
                    let name = format!("crowd-{batch}-{i}");
                    tokio::spawn(async move { create(&seeder, &name).await })
                })
                .collect();
            for c in creates {
                ids.push(c.await.unwrap());
            }
        }
        ids
    });
    let reader = t.client();
    let wanted = [&ids[5], &ids[450], &ids[700], &ids[899]];
    let before = t.calls("DescribeImageCaches");
    t.block_on(async {
        let cx = CallContext::with_timeout(Duration::from_secs(60));
        let reads: Vec<_> = wanted
            .iter()
            .map(|id| {
                let (reader, cx, id) = (reader.clone(), cx.clone(), id.to_string());
                tokio::spawn(async move { reader.read_image_cache(&id, &cx).await })
            })
            .collect();
        for (id, read) in wanted.iter().zip(reads) {
            let cache = read.await.unwrap().expect("read").expect("exists");
            assert_eq!(&&cache.image_cache_id, id);
        }
    });
    let describes = t.calls("DescribeImageCaches") - before;
    assert!(
        describes <= wanted.len() as u64 + 1,
        "{describes} DescribeImageCaches for {} reads in a region of 900",
        wanted.len()
    );
}
