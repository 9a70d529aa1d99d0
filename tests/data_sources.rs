//! The list data sources under the real `terraform`, over more objects than fit
//! in a page: every page is read, `ids` / `names` line up with the items one to
//! one, every filter and `name_regex` narrows the list, and items carry every
//! attribute the API reports. Objects are seeded through the API client, then read
//! in one step (`acc::Step`: a read sends no write).
//!
//! Also runs in real-cloud mode (`ALIYUN_ACC_REAL=1`, see `acc::real`): seeded
//! objects are named `tf-acc-ds<run>-...` and tagged `tf-acc = "true"` and
//! `tf-acc-run = "<run>"`, a tag unique to the test; there, an account may hold other
//! objects, so every data source also filters on that tag and the counts stay
//! exact. Seeded objects are deleted at the end (the sweeper finds them after a
//! failed run). What only the emulator knows (pages requested, templates with
//! scripted outcomes, image matches ranked among the whole account's caches) is
//! skipped and reported.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use aliyun_emulator::{PipelineOutcome, TemplateSeed};
use serde_json::Value as Json;
use terraform_provider_aliyun::aliyun::{
    CallContext, ClientToken, CreateDataCacheRequest, CreateImageCacheRequest, DataSource,
    DeleteDataCacheRequest, DeleteImageCacheRequest, DescribeDataCachesRequest,
    DescribeImageCachesRequest, StartImagePipelineExecutionRequest, Tag,
};

use crate::acc::{skip_emulator_only_test, Acc, Step};

fn cx() -> CallContext {
    CallContext::with_timeout(std::time::Duration::from_secs(60))
}

/// A data source's values from the state.
fn data(t: &Acc, address: &str) -> Json {
    t.resource(address)
}

fn strings(v: &Json) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|s| {
            s.as_str()
                .unwrap_or_else(|| panic!("not a string: {s}"))
                .to_string()
        })
        .collect()
}

/// `ids` and (when `name_attr` is given) `names` are aligned one to one with the
/// items, and the IDs are unique. Returns the IDs.
fn aligned(d: &Json, items_attr: &str, name_attr: Option<&str>) -> Vec<String> {
    let ids = strings(&d["ids"]);
    let items = d[items_attr].as_array().expect("items");
    assert_eq!(ids.len(), items.len(), "one id per item: {d:#}");
    let unique: BTreeSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "no item is listed twice");
    for (i, item) in items.iter().enumerate() {
        assert_eq!(item["id"], ids[i].as_str(), "ids[{i}] is items[{i}].id");
    }
    if let Some(name_attr) = name_attr {
        let names = strings(&d["names"]);
        assert_eq!(names.len(), ids.len(), "one name per id: {d:#}");
        for (i, item) in items.iter().enumerate() {
            let want = item[name_attr].as_str().unwrap_or("");
            assert_eq!(names[i], want, "names[{i}] is the name of ids[{i}]");
        }
    }
    ids
}

/// Requests for `action` that asked for a page after the first.
fn later_pages(t: &Acc, action: &str) -> usize {
    t.requests(action)
        .iter()
        .filter(|r| r.params.get("NextToken").is_some_and(|n| !n.is_empty()))
        .count()
}

/// Every attribute of an item is present and, for those listed, set.
fn has_attributes(item: &Json, all: &[&str], set: &[&str]) {
    let keys: BTreeSet<&str> = item
        .as_object()
        .expect("item")
        .keys()
        .map(String::as_str)
        .collect();
    for name in all {
        assert!(keys.contains(name), "item lacks {name}: {item:#}");
    }
    for name in set {
        assert!(
            !item[name].is_null() && item[name] != "",
            "item has no {name}: {item:#}"
        );
    }
}

/// What marks the objects of one test: a name prefix and a tag unique to it.
struct Run {
    id: String,
}

impl Run {
    fn new() -> Run {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .subsec_nanos();
        Run {
            id: format!("{:08x}", nanos ^ std::process::id().rotate_left(16)),
        }
    }

    /// The name prefix of this test's objects: `tf-acc-ds<run>-`.
    fn prefix(&self) -> String {
        format!("tf-acc-ds{}-", self.id)
    }

    /// The tag unique to this test.
    fn tag(&self) -> Tag {
        Tag::new("tf-acc-run", &self.id)
    }

    /// `own` tags, then the tags every seeded object carries.
    fn tags(&self, own: Tag) -> Vec<Tag> {
        vec![own, Tag::new("tf-acc", "true"), self.tag()]
    }

    /// The tags of an item seeded with `own` tags, as the state holds them.
    fn tags_json(&self, own: (&str, &str)) -> Json {
        serde_json::json!({own.0: own.1, "tf-acc": "true", "tf-acc-run": self.id})
    }

    /// A line restricting a data source to this test's objects in real-cloud mode,
    /// where the account may hold others; nothing against the test's own emulator.
    fn scope(&self, t: &Acc) -> String {
        if t.is_real() {
            format!("  tags = {{ \"tf-acc-run\" = \"{}\" }}\n", self.id)
        } else {
            String::new()
        }
    }

    /// The same restriction inside a data source's own `tags` map.
    fn scope_tags(&self, t: &Acc) -> String {
        if t.is_real() {
            format!(", \"tf-acc-run\" = \"{}\"", self.id)
        } else {
            String::new()
        }
    }
}

/// How long seeded objects may take to settle (instant in the test emulator; real
/// image pulls take minutes).
const SETTLE: Duration = Duration::from_secs(45 * 60);

/// Polls `list` (the statuses of the objects tagged with the run's tag) until it
/// returns `n` objects, none of them in a status of `busy`.
fn wait_settled(t: &Acc, what: &str, n: usize, list: &dyn Fn() -> Vec<String>) {
    let deadline = Instant::now() + SETTLE;
    loop {
        let statuses = list();
        let busy = statuses
            .iter()
            .filter(|s| !["Ready", "Available", "Failed", "UpdateFailed"].contains(&s.as_str()));
        if statuses.len() == n && busy.count() == 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: {} of {n} listed, not all settled after {SETTLE:?}: {statuses:?}",
            statuses.len()
        );
        std::thread::sleep(if t.is_real() {
            Duration::from_secs(5)
        } else {
            Duration::from_millis(50)
        });
    }
}

#[test]
fn image_caches_every_page_every_filter() {
    let t = Acc::new();
    if t.skip_without(&["rg-acc0001"]) {
        return;
    }
    let c = t.client();
    let run = Run::new();
    let prefix = run.prefix();
    let group = t.substitute("rg-acc0001");
    // 24 web caches (nginx, team=web) and 23 db caches (redis, team=db, own group).
    let mut by_name = BTreeMap::new();
    t.block_on(async {
        for i in 0..47 {
            let web = i % 2 == 0;
            let name = if web {
                format!("{prefix}web-{i:02}")
            } else {
                format!("{prefix}db-{i:02}")
            };
            let req = CreateImageCacheRequest {
                image_cache_name: name.clone(),
                security_group_id: Some(t.substitute("sg-acc0001")),
                v_switch_id: Some(t.substitute("vsw-acc0001")),
                image: vec![
                    if web { "nginx:1.25" } else { "redis:7" }.into(),
                    "busybox".into(),
                ],
                tag: run.tags(Tag::new("team", if web { "web" } else { "db" })),
                resource_group_id: (!web).then(|| group.clone()),
                ..Default::default()
            };
            let id = c
                .create_image_cache(&req, &ClientToken::generate(), &cx())
                .await
                .expect("seed an image cache")
                .image_cache_id;
            by_name.insert(name, id);
        }
    });
    let ours = DescribeImageCachesRequest {
        tag: vec![run.tag()],
        ..Default::default()
    };
    wait_settled(&t, "image caches", by_name.len(), &|| {
        let caches = t.block_on(c.describe_all_image_caches(&ours, &cx()));
        let caches = caches.expect("list the seeded image caches");
        caches.into_iter().map(|c| c.status).collect()
    });
    let webs = by_name.keys().filter(|n| n.contains("-web-")).count();
    let dbs = by_name.len() - webs;
    assert!(
        webs > 20 && dbs > 20,
        "both groups span pages: {webs} {dbs}"
    );
    let (one_name, one_id) = by_name
        .iter()
        .next()
        .map(|(n, i)| (n.clone(), i.clone()))
        .unwrap();
    let snapshot = t
        .block_on(c.describe_image_cache(&one_id, &cx()))
        .unwrap()
        .unwrap()
        .snapshot_id;
    assert!(!snapshot.is_empty());

    let (scope, scope_tags) = (run.scope(&t), run.scope_tags(&t));
    let config = format!(
        r#"
data "aliyun_eci_image_caches" "all" {{
{scope}}}
data "aliyun_eci_image_caches" "web_regex" {{
  name_regex = "^{prefix}web-"
{scope}}}
data "aliyun_eci_image_caches" "db_tag" {{
  tags = {{ team = "db"{scope_tags} }}
}}
data "aliyun_eci_image_caches" "by_name" {{
  image_cache_name = "{one_name}"
{scope}}}
data "aliyun_eci_image_caches" "by_id" {{
  image_cache_id = "{one_id}"
{scope}}}
data "aliyun_eci_image_caches" "by_snapshot" {{
  snapshot_id = "{snapshot}"
{scope}}}
data "aliyun_eci_image_caches" "by_image" {{
  image = "redis:7"
{scope}}}
data "aliyun_eci_image_caches" "by_group" {{
  resource_group_id = "rg-acc0001"
{scope}}}
data "aliyun_eci_image_caches" "matching" {{
  match_images      = ["nginx:1.25"]
  image_full_match  = true
  image_match_count = 3
{scope}}}
data "aliyun_eci_image_caches" "regex_and_tag" {{
  tags       = {{ team = "web"{scope_tags} }}
  name_regex = "-4[0-9]$"
}}
"#
    );
    let want_regex_tag = by_name.keys().filter(|n| n.contains("-web-4")).count();
    assert!(want_regex_tag > 0);
    let all_ids: BTreeSet<String> = by_name.values().cloned().collect();
    t.run(Step::new(config).check(move |t| {
        let all = data(t, "data.aliyun_eci_image_caches.all");
        let ids = aligned(&all, "caches", Some("image_cache_name"));
        assert_eq!(
            ids.into_iter().collect::<BTreeSet<_>>(),
            all_ids,
            "every cache of every page"
        );
        if t.emulator_only("pages requested (request log)") {
            assert!(
                later_pages(t, "DescribeImageCaches") >= 2,
                "three pages of 20"
            );
        }

        let count = |name: &str| {
            let d = data(t, &format!("data.aliyun_eci_image_caches.{name}"));
            aligned(&d, "caches", Some("image_cache_name")).len()
        };
        assert_eq!(count("web_regex"), webs);
        assert_eq!(count("db_tag"), dbs);
        assert_eq!(count("by_image"), dbs);
        assert_eq!(count("by_group"), dbs);
        assert_eq!(count("by_name"), 1);
        assert_eq!(count("by_id"), 1);
        assert_eq!(count("by_snapshot"), 1);
        if t.emulator_only("the best 3 image matches (the account's other caches rank too)") {
            assert_eq!(count("matching"), 3);
        }
        assert_eq!(count("regex_and_tag"), want_regex_tag);
        let names = strings(&data(t, "data.aliyun_eci_image_caches.web_regex")["names"]);
        let web = format!("{prefix}web-");
        assert!(names.iter().all(|n| n.starts_with(&web)), "{names:?}");

        let item = &data(t, "data.aliyun_eci_image_caches.by_id")["caches"][0];
        has_attributes(
            item,
            &[
                "id",
                "image_cache_name",
                "images",
                "image_cache_size",
                "resource_group_id",
                "elimination_strategy",
                "tags",
                "status",
                "progress",
                "snapshot_id",
                "flash_snapshot_id",
                "container_group_id",
                "creation_time",
                "expire_date_time",
                "last_matched_time",
                "region_id",
                "events",
            ],
            &[
                "id",
                "image_cache_name",
                "images",
                "image_cache_size",
                "resource_group_id",
                "tags",
                "status",
                "progress",
                "snapshot_id",
                "container_group_id",
                "creation_time",
                "region_id",
                "events",
            ],
        );
        assert_eq!(item["id"], one_id.as_str());
        assert_eq!(item["status"], "Ready");
        assert_eq!(item["snapshot_id"], snapshot.as_str());
    }));

    // The seeded caches are the test's to delete.
    t.block_on(async {
        for id in by_name.values() {
            let req = DeleteImageCacheRequest {
                image_cache_id: id.clone(),
            };
            c.delete_image_cache(&req, &ClientToken::generate(), &cx())
                .await
                .expect("delete a seeded image cache");
        }
    });
    wait_settled(&t, "deleted image caches", 0, &|| {
        let caches = t.block_on(c.describe_all_image_caches(&ours, &cx()));
        caches
            .expect("list the seeded image caches")
            .into_iter()
            .map(|c| c.status)
            .collect()
    });
    t.destroy();
}

#[test]
fn data_caches_every_page_every_filter() {
    let t = Acc::new();
    if t.skip_without(&["rg-acc0001"]) {
        return;
    }
    let c = t.client();
    let run = Run::new();
    let prefix = run.prefix();
    // A directory of this test's own in each bucket (paths are unique in a bucket).
    let dir = format!("/{}", prefix.trim_end_matches('-'));
    let group = t.substitute("rg-acc0001");
    let mut seeded = Vec::new();
    t.block_on(async {
        for i in 0..48 {
            let model = i % 2 == 0;
            let req = CreateDataCacheRequest {
                // One cache has no name: `names` still lines up with `ids`.
                name: (i != 7)
                    .then(|| format!("{prefix}{}-{i:02}", if model { "model" } else { "set" })),
                bucket: Some(if model { "models" } else { "datasets" }.into()),
                path: Some(format!("{dir}/{i:02}")),
                size: Some(20 + i),
                data_source: Some(DataSource {
                    source_type: "URL".into(),
                    options: BTreeMap::from([(
                        "url".into(),
                        format!("https://www.example.com/?cache={i}"),
                    )]),
                }),
                security_group_id: Some(t.substitute("sg-acc0001")),
                v_switch_id: Some(t.substitute("vsw-acc0001")),
                tag: run.tags(Tag::new("kind", if model { "model" } else { "dataset" })),
                resource_group_id: (i % 3 == 0).then(|| group.clone()),
                retention_days: (i == 0).then_some(30),
                ..Default::default()
            };
            let id = c
                .create_data_cache(&req, &ClientToken::generate(), &cx())
                .await
                .expect("seed a data cache")
                .data_cache_id;
            seeded.push((
                i,
                id,
                req.bucket.unwrap_or_default(),
                req.path.unwrap_or_default(),
            ));
        }
    });
    let ours = DescribeDataCachesRequest {
        tag: vec![run.tag()],
        ..Default::default()
    };
    wait_settled(&t, "data caches", seeded.len(), &|| {
        let caches = t.block_on(c.describe_all_data_caches(&ours, &cx()));
        let caches = caches.expect("list the seeded data caches");
        caches.into_iter().map(|c| c.status).collect()
    });
    let first = seeded[0].1.clone();
    let some_ids: Vec<String> = seeded[10..13].iter().map(|s| s.1.clone()).collect();
    let (scope, scope_tags) = (run.scope(&t), run.scope_tags(&t));
    let config = format!(
        r#"
data "aliyun_eci_data_caches" "all" {{
{scope}}}
data "aliyun_eci_data_caches" "models" {{
  bucket = "models"
{scope}}}
data "aliyun_eci_data_caches" "one_path" {{
  bucket = "datasets"
  path   = "{dir}/05"
{scope}}}
data "aliyun_eci_data_caches" "by_ids" {{
  data_cache_ids = {ids}
{scope}}}
data "aliyun_eci_data_caches" "by_tag" {{
  tags = {{ kind = "dataset"{scope_tags} }}
}}
data "aliyun_eci_data_caches" "by_group" {{
  resource_group_id = "rg-acc0001"
{scope}}}
data "aliyun_eci_data_caches" "regex" {{
  name_regex = "^{prefix}model-[0-9]*[05]$"
{scope}}}
data "aliyun_eci_data_caches" "first" {{
  data_cache_ids = ["{first}"]
{scope}}}
"#,
        ids = serde_json::to_string(&some_ids).unwrap()
    );
    let all_ids: BTreeSet<String> = seeded.iter().map(|s| s.1.clone()).collect();
    let tags = run.tags_json(("kind", "model"));
    t.run(Step::new(config).check(move |t| {
        let all = data(t, "data.aliyun_eci_data_caches.all");
        let ids = aligned(&all, "caches", Some("name"));
        assert_eq!(
            ids.into_iter().collect::<BTreeSet<_>>(),
            all_ids,
            "every cache of every page"
        );
        if t.emulator_only("pages requested (request log)") {
            assert!(
                later_pages(t, "DescribeDataCaches") >= 2,
                "three pages of 20"
            );
        }
        let nameless = all["caches"]
            .as_array()
            .unwrap()
            .iter()
            .position(|c| c["name"].is_null())
            .expect("the nameless cache is listed");
        assert_eq!(
            strings(&all["names"])[nameless],
            "",
            "its name is an empty string, in place"
        );

        let count = |name: &str| {
            let d = data(t, &format!("data.aliyun_eci_data_caches.{name}"));
            aligned(&d, "caches", Some("name")).len()
        };
        assert_eq!(count("models"), 24);
        assert_eq!(count("one_path"), 1);
        assert_eq!(count("by_ids"), 3);
        assert_eq!(count("by_tag"), 24);
        assert_eq!(count("by_group"), 16);
        // model-00, model-10, model-20, model-30, model-40 end in 0; models are even,
        // none ends in 5.
        assert_eq!(count("regex"), 5);
        let by_ids = strings(&data(t, "data.aliyun_eci_data_caches.by_ids")["ids"]);
        assert_eq!(by_ids, some_ids);

        let item = &data(t, "data.aliyun_eci_data_caches.first")["caches"][0];
        has_attributes(
            item,
            &[
                "id",
                "name",
                "bucket",
                "path",
                "size",
                "data_source",
                "resource_group_id",
                "tags",
                "status",
                "progress",
                "snapshot_id",
                "flash_snapshot_id",
                "container_group_id",
                "creation_time",
                "expire_date_time",
                "last_matched_time",
                "region_id",
                "events",
            ],
            &[
                "id",
                "name",
                "bucket",
                "path",
                "size",
                "data_source",
                "resource_group_id",
                "tags",
                "status",
                "progress",
                "snapshot_id",
                "flash_snapshot_id",
                "container_group_id",
                "creation_time",
                "expire_date_time",
                "region_id",
                "events",
            ],
        );
        assert_eq!(item["status"], "Available");
        assert_eq!(item["bucket"], "models");
        assert_eq!(item["size"], 20);
        assert_eq!(
            item["data_source"][0]["options"],
            serde_json::json!({"url": "https://www.example.com/?cache=0"}),
            "options with plain keys"
        );
        assert_eq!(item["tags"], tags);
    }));

    // The seeded caches are the test's to delete.
    t.block_on(async {
        for (_, id, bucket, path) in &seeded {
            let req = DeleteDataCacheRequest {
                data_cache_id: id.clone(),
                bucket: Some(bucket.clone()),
                path: Some(path.clone()),
            };
            c.delete_data_cache(&req, &ClientToken::generate(), &cx())
                .await
                .expect("delete a seeded data cache");
        }
    });
    wait_settled(&t, "deleted data caches", 0, &|| {
        let caches = t.block_on(c.describe_all_data_caches(&ours, &cx()));
        caches
            .expect("list the seeded data caches")
            .into_iter()
            .map(|c| c.status)
            .collect()
    });
    t.destroy();
}

#[test]
fn executions_every_page_every_filter() {
    if skip_emulator_only_test("120 builds of templates with scripted outcomes (emulator seeds)") {
        return;
    }
    let t = Acc::new();
    let good = t
        .emu
        .seed_template(TemplateSeed::new("good", PipelineOutcome::Success));
    let bad = t.emu.seed_template(TemplateSeed {
        message: "The build command failed.".into(),
        ..TemplateSeed::new("bad", PipelineOutcome::Failed)
    });
    let c = t.client();
    // More than the client's page of 100: 70 good builds, 50 failed ones.
    let mut seeded = Vec::new();
    t.block_on(async {
        for i in 0..120 {
            let template = if i < 70 { &good } else { &bad };
            let req = StartImagePipelineExecutionRequest {
                image_pipeline_id: template.clone(),
                tag: vec![Tag::new("batch", if i % 2 == 0 { "even" } else { "odd" })],
            };
            let id = c
                .start_image_pipeline_execution(&req, &ClientToken::generate(), &cx())
                .await
                .expect("start a build")
                .execution_id;
            seeded.push(id);
        }
    });
    let (first_good, first_bad) = (seeded[0].clone(), seeded[70].clone());
    let config = format!(
        r#"
data "aliyun_ecs_image_pipeline_executions" "all" {{}}
data "aliyun_ecs_image_pipeline_executions" "good" {{
  image_pipeline_id = "{good}"
}}
data "aliyun_ecs_image_pipeline_executions" "failed" {{
  statuses = ["FAILED"]
}}
data "aliyun_ecs_image_pipeline_executions" "finished" {{
  statuses = ["SUCCESS", "FAILED"]
}}
data "aliyun_ecs_image_pipeline_executions" "running" {{
  statuses = ["BUILDING", "PREPARING"]
}}
data "aliyun_ecs_image_pipeline_executions" "even" {{
  tags = {{ batch = "even" }}
}}
data "aliyun_ecs_image_pipeline_executions" "good_even" {{
  image_pipeline_id = "{good}"
  tags              = {{ batch = "even" }}
}}
data "aliyun_ecs_image_pipeline_executions" "one_good" {{
  execution_id = "{first_good}"
}}
data "aliyun_ecs_image_pipeline_executions" "one_bad" {{
  execution_id = "{first_bad}"
}}
"#
    );
    t.run(Step::new(config).check(move |t| {
        let all = data(t, "data.aliyun_ecs_image_pipeline_executions.all");
        let ids = aligned(&all, "executions", None);
        assert_eq!(
            ids.iter().collect::<BTreeSet<_>>(),
            seeded.iter().collect::<BTreeSet<_>>(),
            "every build of every page"
        );
        assert!(
            later_pages(t, "DescribeImagePipelineExecutions") >= 1,
            "two pages of 100"
        );

        let count = |name: &str| {
            let d = data(
                t,
                &format!("data.aliyun_ecs_image_pipeline_executions.{name}"),
            );
            aligned(&d, "executions", None).len()
        };
        assert_eq!(count("good"), 70);
        assert_eq!(count("failed"), 50);
        assert_eq!(count("finished"), 120);
        assert_eq!(count("running"), 0);
        assert_eq!(count("even"), 60);
        assert_eq!(count("good_even"), 35);
        assert_eq!(count("one_good"), 1);

        let all_attrs = [
            "id",
            "image_pipeline_id",
            "tags",
            "status",
            "image_id",
            "message",
            "error_code",
            "error_info",
            "resource_group_id",
            "creation_time",
            "modified_time",
        ];
        let ok = &data(t, "data.aliyun_ecs_image_pipeline_executions.one_good")["executions"][0];
        has_attributes(
            ok,
            &all_attrs,
            &[
                "id",
                "image_pipeline_id",
                "tags",
                "status",
                "image_id",
                "message",
                "resource_group_id",
                "creation_time",
                "modified_time",
            ],
        );
        assert_eq!(ok["status"], "SUCCESS");
        assert_eq!(ok["image_pipeline_id"], good.as_str());
        assert_eq!(ok["tags"], serde_json::json!({"batch": "even"}));
        let bad_item =
            &data(t, "data.aliyun_ecs_image_pipeline_executions.one_bad")["executions"][0];
        has_attributes(
            bad_item,
            &all_attrs,
            &["status", "error_code", "error_info", "message"],
        );
        assert_eq!(bad_item["status"], "FAILED");
        assert_eq!(bad_item["error_info"], "The build command failed.");
    }));
}
