//! The list data sources under the real `terraform`, over more objects than fit
//! in a page: every page is read, `ids` / `names` line up with the items one to
//! one, every filter and `name_regex` narrows the list, and items carry every
//! attribute the API reports. Objects are seeded through the API client.

use std::collections::{BTreeMap, BTreeSet};

use aliyun_emulator::{PipelineOutcome, TemplateSeed};
use serde_json::Value as Json;
use terraform_provider_aliyun::aliyun::{
    CallContext, ClientToken, CreateDataCacheRequest, CreateImageCacheRequest, DataSource,
    StartImagePipelineExecutionRequest, Tag,
};

use crate::acc::Acc;

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

#[test]
fn image_caches_every_page_every_filter() {
    let t = Acc::new();
    let c = t.client();
    // 24 web caches (nginx, team=web) and 23 db caches (redis, team=db, own group).
    let mut by_name = BTreeMap::new();
    t.block_on(async {
        for i in 0..47 {
            let web = i % 2 == 0;
            let name = if web {
                format!("web-{i:02}")
            } else {
                format!("db-{i:02}")
            };
            let req = CreateImageCacheRequest {
                image_cache_name: name.clone(),
                security_group_id: Some("sg-seed".into()),
                v_switch_id: Some("vsw-seed".into()),
                image: vec![
                    if web { "nginx:1.25" } else { "redis:7" }.into(),
                    "busybox".into(),
                ],
                tag: vec![Tag::new("team", if web { "web" } else { "db" })],
                resource_group_id: (!web).then(|| "rg-db".to_string()),
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
    let webs = by_name.keys().filter(|n| n.starts_with("web-")).count();
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

    t.apply(&format!(
        r#"
data "aliyun_eci_image_caches" "all" {{}}
data "aliyun_eci_image_caches" "web_regex" {{
  name_regex = "^web-"
}}
data "aliyun_eci_image_caches" "db_tag" {{
  tags = {{ team = "db" }}
}}
data "aliyun_eci_image_caches" "by_name" {{
  image_cache_name = "{one_name}"
}}
data "aliyun_eci_image_caches" "by_id" {{
  image_cache_id = "{one_id}"
}}
data "aliyun_eci_image_caches" "by_snapshot" {{
  snapshot_id = "{snapshot}"
}}
data "aliyun_eci_image_caches" "by_image" {{
  image = "redis:7"
}}
data "aliyun_eci_image_caches" "by_group" {{
  resource_group_id = "rg-db"
}}
data "aliyun_eci_image_caches" "matching" {{
  match_images      = ["nginx:1.25"]
  image_full_match  = true
  image_match_count = 3
}}
data "aliyun_eci_image_caches" "regex_and_tag" {{
  tags       = {{ team = "web" }}
  name_regex = "-4[0-9]$"
}}
"#
    ));
    let all = data(&t, "data.aliyun_eci_image_caches.all");
    let ids = aligned(&all, "caches", Some("image_cache_name"));
    assert_eq!(
        ids.iter().collect::<BTreeSet<_>>(),
        by_name.values().collect::<BTreeSet<_>>(),
        "every cache of every page"
    );
    assert!(
        later_pages(&t, "DescribeImageCaches") >= 2,
        "three pages of 20"
    );

    let count = |name: &str| {
        let d = data(&t, &format!("data.aliyun_eci_image_caches.{name}"));
        aligned(&d, "caches", Some("image_cache_name")).len()
    };
    assert_eq!(count("web_regex"), webs);
    assert_eq!(count("db_tag"), dbs);
    assert_eq!(count("by_image"), dbs);
    assert_eq!(count("by_group"), dbs);
    assert_eq!(count("by_name"), 1);
    assert_eq!(count("by_id"), 1);
    assert_eq!(count("by_snapshot"), 1);
    assert_eq!(count("matching"), 3);
    let want_regex_tag = by_name.keys().filter(|n| n.starts_with("web-4")).count();
    assert!(want_regex_tag > 0);
    assert_eq!(count("regex_and_tag"), want_regex_tag);
    let names = strings(&data(&t, "data.aliyun_eci_image_caches.web_regex")["names"]);
    assert!(names.iter().all(|n| n.starts_with("web-")), "{names:?}");

    let item = &data(&t, "data.aliyun_eci_image_caches.by_id")["caches"][0];
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
}

#[test]
fn data_caches_every_page_every_filter() {
    let t = Acc::new();
    let c = t.client();
    let mut seeded = Vec::new();
    t.block_on(async {
        for i in 0..48 {
            let model = i % 2 == 0;
            let req = CreateDataCacheRequest {
                // One cache has no name: `names` still lines up with `ids`.
                name: (i != 7).then(|| format!("{}-{i:02}", if model { "model" } else { "set" })),
                bucket: Some(if model { "models" } else { "datasets" }.into()),
                path: Some(format!("/data/{i:02}")),
                size: Some(20 + i),
                data_source: Some(DataSource {
                    source_type: "URL".into(),
                    options: BTreeMap::from([("url".into(), format!("https://example.com/{i}"))]),
                }),
                tag: vec![Tag::new("kind", if model { "model" } else { "dataset" })],
                resource_group_id: (i % 3 == 0).then(|| "rg-third".to_string()),
                retention_days: (i == 0).then_some(30),
                ..Default::default()
            };
            let id = c
                .create_data_cache(&req, &ClientToken::generate(), &cx())
                .await
                .expect("seed a data cache")
                .data_cache_id;
            seeded.push((i, id));
        }
    });
    let (_, first) = seeded[0].clone();
    let some_ids: Vec<&str> = seeded[10..13].iter().map(|(_, id)| id.as_str()).collect();
    t.apply(&format!(
        r#"
data "aliyun_eci_data_caches" "all" {{}}
data "aliyun_eci_data_caches" "models" {{
  bucket = "models"
}}
data "aliyun_eci_data_caches" "one_path" {{
  bucket = "datasets"
  path   = "/data/05"
}}
data "aliyun_eci_data_caches" "by_ids" {{
  data_cache_ids = {ids}
}}
data "aliyun_eci_data_caches" "by_tag" {{
  tags = {{ kind = "dataset" }}
}}
data "aliyun_eci_data_caches" "by_group" {{
  resource_group_id = "rg-third"
}}
data "aliyun_eci_data_caches" "regex" {{
  name_regex = "^model-[0-9]*[05]$"
}}
data "aliyun_eci_data_caches" "first" {{
  data_cache_ids = ["{first}"]
}}
"#,
        ids = serde_json::to_string(&some_ids).unwrap()
    ));
    let all = data(&t, "data.aliyun_eci_data_caches.all");
    let ids = aligned(&all, "caches", Some("name"));
    assert_eq!(
        ids.iter().collect::<BTreeSet<_>>(),
        seeded.iter().map(|(_, id)| id).collect::<BTreeSet<_>>(),
        "every cache of every page"
    );
    assert!(
        later_pages(&t, "DescribeDataCaches") >= 2,
        "three pages of 20"
    );
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
        let d = data(&t, &format!("data.aliyun_eci_data_caches.{name}"));
        aligned(&d, "caches", Some("name")).len()
    };
    assert_eq!(count("models"), 24);
    assert_eq!(count("one_path"), 1);
    assert_eq!(count("by_ids"), 3);
    assert_eq!(count("by_tag"), 24);
    assert_eq!(count("by_group"), 16);
    // model-00, model-10, model-20, model-30, model-40 end in 0; models are even, none ends in 5.
    assert_eq!(count("regex"), 5);
    let by_ids = strings(&data(&t, "data.aliyun_eci_data_caches.by_ids")["ids"]);
    assert_eq!(by_ids, some_ids);

    let item = &data(&t, "data.aliyun_eci_data_caches.first")["caches"][0];
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
        serde_json::json!({"url": "https://example.com/0"}),
        "options with plain keys"
    );
    assert_eq!(item["tags"], serde_json::json!({"kind": "model"}));
}

#[test]
fn executions_every_page_every_filter() {
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
    t.apply(&format!(
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
    ));
    let all = data(&t, "data.aliyun_ecs_image_pipeline_executions.all");
    let ids = aligned(&all, "executions", None);
    assert_eq!(
        ids.iter().collect::<BTreeSet<_>>(),
        seeded.iter().collect::<BTreeSet<_>>(),
        "every build of every page"
    );
    assert!(
        later_pages(&t, "DescribeImagePipelineExecutions") >= 1,
        "two pages of 100"
    );

    let count = |name: &str| {
        let d = data(
            &t,
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
    let ok = &data(&t, "data.aliyun_ecs_image_pipeline_executions.one_good")["executions"][0];
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
    let bad_item = &data(&t, "data.aliyun_ecs_image_pipeline_executions.one_bad")["executions"][0];
    has_attributes(
        bad_item,
        &all_attrs,
        &["status", "error_code", "error_info", "message"],
    );
    assert_eq!(bad_item["status"], "FAILED");
    assert_eq!(bad_item["error_info"], "The build command failed.");
}
