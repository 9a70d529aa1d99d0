//! The `aliyun` client against the emulator.
//!
//! Every test starts its own emulator (port 0), so tests are independent and
//! run in parallel. Assertions check both what the client returns and what
//! the emulator saw (call counts, stored objects), so a client that silently
//! skips a call, duplicates a create or retries a non-retryable error fails.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use aliyun_emulator::{Config, Emulator, Handle, LogEntry, PipelineOutcome, TemplateSeed, Timings};
use terraform_provider_aliyun::aliyun::*;
use tokio::time::Instant;

const SECRET: &str = "emulator-secret";

async fn emulator_with(config: Config) -> Handle {
    Emulator::start(config).await.expect("emulator starts")
}

async fn emulator() -> Handle {
    emulator_with(Config::for_tests()).await
}

/// Retries fast enough for tests, generous enough for a 30 % fault rate.
fn test_policy() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 15,
        initial_backoff: Duration::from_millis(2),
        throttling_initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(40),
    }
}

fn client_as(h: &Handle, id: &str, secret: &str, retry: RetryPolicy) -> Client {
    let mut config = ClientConfig::new("cn-hangzhou", Credentials::new(id, secret));
    config.eci_endpoint = Some(h.endpoint());
    config.ecs_endpoint = Some(h.endpoint());
    config.retry = retry;
    config.request_timeout = Duration::from_secs(10);
    Client::new(config).expect("client config is valid")
}

fn client(h: &Handle) -> Client {
    client_as(h, "emulator", SECRET, test_policy())
}

/// Every request the emulator logged for `action`, verified or not.
fn logged(h: &Handle, action: &str) -> Vec<LogEntry> {
    h.requests()
        .into_iter()
        .filter(|e| e.action.as_deref() == Some(action))
        .collect()
}

fn cx() -> CallContext {
    CallContext::with_timeout(Duration::from_secs(60))
}

fn image_cache_req(name: &str) -> CreateImageCacheRequest {
    CreateImageCacheRequest {
        image_cache_name: name.into(),
        security_group_id: Some("sg-emulator".into()),
        v_switch_id: Some("vsw-emulator".into()),
        image: vec!["nginx:latest".into(), "busybox:1.36".into()],
        image_cache_size: Some(20),
        tag: vec![Tag::new("env", "test")],
        ..Default::default()
    }
}

fn data_cache_req(name: &str, path: &str) -> CreateDataCacheRequest {
    CreateDataCacheRequest {
        name: Some(name.into()),
        bucket: Some("default".into()),
        path: Some(path.into()),
        size: Some(40),
        security_group_id: Some("sg-emulator".into()),
        v_switch_id: Some("vsw-emulator".into()),
        data_source: Some(DataSource {
            source_type: "URL".into(),
            options: BTreeMap::from([
                ("repoSource".into(), "HuggingFace/Model".into()),
                ("repoId".into(), "stabilityai/stable-diffusion-2-1".into()),
            ]),
        }),
        tag: vec![Tag::new("team", "ml")],
        ..Default::default()
    }
}

/// Polls until the image cache reaches `status` (or panics after 10 s).
async fn wait_image_cache(c: &Client, id: &str, status: &str) -> ImageCache {
    let until = Instant::now() + Duration::from_secs(10);
    loop {
        let cache = c.describe_image_cache(id, &cx()).await.unwrap();
        match cache {
            Some(cache) if cache.status == status => return cache,
            other if Instant::now() > until => panic!("{id} never reached {status}: {other:?}"),
            _ => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
}

async fn wait_data_cache(c: &Client, id: &str, status: &str) -> DataCache {
    let until = Instant::now() + Duration::from_secs(10);
    loop {
        let cache = c.describe_data_cache(id, &cx()).await.unwrap();
        match cache {
            Some(cache) if cache.status == status => return cache,
            other if Instant::now() > until => panic!("{id} never reached {status}: {other:?}"),
            _ => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
}

async fn wait_execution(c: &Client, id: &str, status: &str) -> ImagePipelineExecution {
    let until = Instant::now() + Duration::from_secs(10);
    loop {
        let exec = c
            .describe_image_pipeline_execution(id, &cx())
            .await
            .unwrap();
        match exec {
            Some(exec) if exec.status == status => return exec,
            other if Instant::now() > until => panic!("{id} never reached {status}: {other:?}"),
            _ => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
}

// ------------------------------------------------------------- image caches

#[tokio::test]
async fn image_cache_create_describe_update_delete() {
    let h = emulator().await;
    let c = client(&h);
    let token = ClientToken::generate();
    let created = c
        .create_image_cache(&image_cache_req("web"), &token, &cx())
        .await
        .unwrap();
    assert!(created.image_cache_id.starts_with("imc-"), "{created:?}");
    assert!(!created.request_id.is_empty());

    let cache = wait_image_cache(&c, &created.image_cache_id, "Ready").await;
    assert_eq!(cache.image_cache_name, "web");
    assert_eq!(cache.images, ["nginx:latest", "busybox:1.36"]);
    assert_eq!(cache.image_cache_size, Some(20));
    assert!(
        cache.tags.contains(&Tag::new("env", "test")),
        "{:?}",
        cache.tags
    );
    assert_eq!(cache.creation_time.len(), 20, "{}", cache.creation_time);

    let rename = UpdateImageCacheRequest {
        image_cache_id: created.image_cache_id.clone(),
        image_cache_name: Some("web-2".into()),
        retention_days: Some(3),
        ..Default::default()
    };
    c.update_image_cache(&rename, &ClientToken::generate(), &cx())
        .await
        .unwrap();
    let cache = wait_image_cache(&c, &created.image_cache_id, "Ready").await;
    assert_eq!(cache.image_cache_name, "web-2");
    assert!(
        !cache.expire_date_time.is_empty(),
        "retention sets an expiry"
    );

    // Re-pulling the images goes through Updating and back to Ready.
    let repull = UpdateImageCacheRequest {
        image_cache_id: created.image_cache_id.clone(),
        image: vec!["nginx:1.27".into()],
        ..Default::default()
    };
    c.update_image_cache(&repull, &ClientToken::generate(), &cx())
        .await
        .unwrap();
    let cache = wait_image_cache(&c, &created.image_cache_id, "Ready").await;
    assert_eq!(cache.images, ["nginx:1.27"]);

    let all = c
        .describe_all_image_caches(&DescribeImageCachesRequest::default(), &cx())
        .await
        .unwrap();
    assert_eq!(all.len(), 1);

    c.delete_image_cache(
        &DeleteImageCacheRequest {
            image_cache_id: created.image_cache_id.clone(),
        },
        &ClientToken::generate(),
        &cx(),
    )
    .await
    .unwrap();
    assert_eq!(
        c.describe_image_cache(&created.image_cache_id, &cx())
            .await
            .unwrap(),
        None
    );
    assert_eq!(h.calls("CreateImageCache"), 1);
    assert_eq!(h.calls("UpdateImageCache"), 2);
    assert_eq!(h.calls("DeleteImageCache"), 1);
}

#[tokio::test]
async fn image_cache_errors_are_typed_and_not_retried() {
    let mut config = Config::for_tests();
    // Slow transitions so the cache stays in Creating for the whole test.
    config.timings = Timings::uniform(Duration::from_secs(600));
    let h = emulator_with(config).await;
    let c = client(&h);
    let created = c
        .create_image_cache(&image_cache_req("slow"), &ClientToken::generate(), &cx())
        .await
        .unwrap();

    // Updating a cache that is still being created.
    let update = UpdateImageCacheRequest {
        image_cache_id: created.image_cache_id.clone(),
        image_cache_name: Some("other".into()),
        ..Default::default()
    };
    let err = c
        .update_image_cache(&update, &ClientToken::generate(), &cx())
        .await
        .unwrap_err();
    assert!(
        err.is_code("ImageCache.IncorrectStatus") || err.is_code("IncorrectStatus"),
        "{err}"
    );
    assert_eq!(err.http_status(), Some(400));
    assert!(err.request_id().is_some(), "{err}");
    assert_eq!(
        h.calls("UpdateImageCache"),
        1,
        "IncorrectStatus is not retried"
    );

    // Unknown IDs.
    let unknown = UpdateImageCacheRequest {
        image_cache_id: "imc-doesnotexist".into(),
        image_cache_name: Some("x".into()),
        ..Default::default()
    };
    let err = c
        .update_image_cache(&unknown, &ClientToken::generate(), &cx())
        .await
        .unwrap_err();
    assert!(err.is_code_in(IMAGE_CACHE_NOT_FOUND), "{err}");
    let err = c
        .delete_image_cache(
            &DeleteImageCacheRequest {
                image_cache_id: "imc-doesnotexist".into(),
            },
            &ClientToken::generate(),
            &cx(),
        )
        .await
        .unwrap_err();
    assert!(err.is_code_in(IMAGE_CACHE_NOT_FOUND), "{err}");
    assert_eq!(h.calls("DeleteImageCache"), 1, "not found is not retried");
    assert_eq!(
        c.describe_image_cache("imc-doesnotexist", &cx())
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn image_cache_no_op_update_is_no_need_update() {
    let h = emulator().await;
    let c = client(&h);
    let created = c
        .create_image_cache(&image_cache_req("same"), &ClientToken::generate(), &cx())
        .await
        .unwrap();
    wait_image_cache(&c, &created.image_cache_id, "Ready").await;
    let same = UpdateImageCacheRequest {
        image_cache_id: created.image_cache_id.clone(),
        image_cache_name: Some("same".into()),
        ..Default::default()
    };
    let err = c
        .update_image_cache(&same, &ClientToken::generate(), &cx())
        .await
        .unwrap_err();
    assert!(err.is_code("NoNeedUpdate"), "{err}");
    assert_eq!(h.calls("UpdateImageCache"), 1);
}

#[tokio::test]
async fn client_token_makes_create_idempotent_and_detects_mismatch() {
    let h = emulator().await;
    let c = client(&h);
    let token = ClientToken::generate();
    let first = c
        .create_image_cache(&image_cache_req("idem"), &token, &cx())
        .await
        .unwrap();
    let again = c
        .create_image_cache(&image_cache_req("idem"), &token, &cx())
        .await
        .unwrap();
    assert_eq!(first.image_cache_id, again.image_cache_id);
    let all = c
        .describe_all_image_caches(&DescribeImageCachesRequest::default(), &cx())
        .await
        .unwrap();
    assert_eq!(all.len(), 1, "the repeated create made no second cache");

    let err = c
        .create_image_cache(&image_cache_req("different"), &token, &cx())
        .await
        .unwrap_err();
    assert!(err.is_code("IdempotentParameterMismatch"), "{err}");
    assert_eq!(
        h.calls("CreateImageCache"),
        3,
        "the mismatch is not retried"
    );
}

// -------------------------------------------------------------- data caches

#[tokio::test]
async fn data_cache_create_describe_update_delete() {
    let h = emulator().await;
    let c = client(&h);
    let created = c
        .create_data_cache(
            &data_cache_req("model", "/model/sd21"),
            &ClientToken::generate(),
            &cx(),
        )
        .await
        .unwrap();
    assert!(created.data_cache_id.starts_with("edc-"), "{created:?}");
    let cache = wait_data_cache(&c, &created.data_cache_id, "Available").await;
    assert_eq!(cache.name, "model");
    assert_eq!(cache.bucket, "default");
    assert_eq!(cache.path, "/model/sd21");
    assert_eq!(cache.size, Some(40));
    assert_eq!(cache.data_source.source_type, "URL");
    assert_eq!(
        cache.data_source.options,
        BTreeMap::from([
            (
                "repoId".to_string(),
                "stabilityai/stable-diffusion-2-1".to_string()
            ),
            ("repoSource".to_string(), "HuggingFace/Model".to_string()),
        ]),
        "options come back without #len# prefixes"
    );
    assert!(cache.tags.contains(&Tag::new("team", "ml")));

    let update = UpdateDataCacheRequest {
        data_cache_id: created.data_cache_id.clone(),
        name: Some("model-v2".into()),
        data_source: Some(DataSource {
            source_type: "URL".into(),
            options: BTreeMap::from([("url".into(), "https://example.com/a b.bin".into())]),
        }),
        ..Default::default()
    };
    c.update_data_cache(&update, &ClientToken::generate(), &cx())
        .await
        .unwrap();
    let cache = wait_data_cache(&c, &created.data_cache_id, "Available").await;
    assert_eq!(cache.name, "model-v2");
    assert_eq!(
        cache.data_source.options["url"],
        "https://example.com/a b.bin"
    );

    let err = c
        .update_data_cache(
            &UpdateDataCacheRequest {
                data_cache_id: created.data_cache_id.clone(),
                name: Some("model-v2".into()),
                ..Default::default()
            },
            &ClientToken::generate(),
            &cx(),
        )
        .await
        .unwrap_err();
    assert!(err.is_code("NoNeedUpdate"), "{err}");
    assert_eq!(h.calls("UpdateDataCache"), 2);

    c.delete_data_cache(
        &DeleteDataCacheRequest {
            data_cache_id: created.data_cache_id.clone(),
            ..Default::default()
        },
        &ClientToken::generate(),
        &cx(),
    )
    .await
    .unwrap();
    assert_eq!(
        c.describe_data_cache(&created.data_cache_id, &cx())
            .await
            .unwrap(),
        None
    );
    let err = c
        .delete_data_cache(
            &DeleteDataCacheRequest {
                data_cache_id: created.data_cache_id.clone(),
                ..Default::default()
            },
            &ClientToken::generate(),
            &cx(),
        )
        .await
        .unwrap_err();
    assert!(err.is_code_in(DATA_CACHE_NOT_FOUND), "{err}");
}

#[tokio::test]
async fn data_cache_update_while_loading_is_incorrect_status() {
    let mut config = Config::for_tests();
    config.timings = Timings::uniform(Duration::from_secs(600));
    let h = emulator_with(config).await;
    let c = client(&h);
    let created = c
        .create_data_cache(
            &data_cache_req("slow", "/slow"),
            &ClientToken::generate(),
            &cx(),
        )
        .await
        .unwrap();
    let err = c
        .update_data_cache(
            &UpdateDataCacheRequest {
                data_cache_id: created.data_cache_id.clone(),
                name: Some("x".into()),
                ..Default::default()
            },
            &ClientToken::generate(),
            &cx(),
        )
        .await
        .unwrap_err();
    assert!(err.is_code("IncorrectStatus"), "{err}");
    assert_eq!(h.calls("UpdateDataCache"), 1);
}

// --------------------------------------------------------------------- tags

#[tokio::test]
async fn tags_can_be_added_listed_and_removed() {
    let h = emulator().await;
    let c = client(&h);
    let image = c
        .create_image_cache(&image_cache_req("tagged"), &ClientToken::generate(), &cx())
        .await
        .unwrap()
        .image_cache_id;
    let data = c
        .create_data_cache(
            &data_cache_req("tagged", "/t"),
            &ClientToken::generate(),
            &cx(),
        )
        .await
        .unwrap()
        .data_cache_id;

    for (kind, id) in [
        (ResourceType::ImageCache, &image),
        (ResourceType::DataCache, &data),
    ] {
        c.tag_resources(
            &TagResourcesRequest {
                resource_type: kind,
                resource_id: vec![id.clone()],
                tag: vec![Tag::new("owner", "alice"), Tag::new("tier", "gold")],
            },
            &cx(),
        )
        .await
        .unwrap();
        let listed = c
            .list_all_tag_resources(
                &ListTagResourcesRequest {
                    resource_type: kind,
                    resource_id: vec![id.clone()],
                    tag: vec![],
                    limit: None,
                    next_token: None,
                },
                &cx(),
            )
            .await
            .unwrap();
        let keys: HashSet<&str> = listed.iter().map(|t| t.tag_key.as_str()).collect();
        assert!(
            keys.contains("owner") && keys.contains("tier"),
            "{listed:?}"
        );
        assert!(listed.iter().all(|t| &t.resource_id == id), "{listed:?}");

        c.untag_resources(
            &UntagResourcesRequest {
                resource_type: kind,
                resource_id: vec![id.clone()],
                tag_key: vec!["owner".into()],
                all: None,
            },
            &cx(),
        )
        .await
        .unwrap();
        let listed = c
            .list_all_tag_resources(
                &ListTagResourcesRequest {
                    resource_type: kind,
                    resource_id: vec![id.clone()],
                    tag: vec![],
                    limit: Some(1),
                    next_token: None,
                },
                &cx(),
            )
            .await
            .unwrap();
        let keys: HashSet<&str> = listed.iter().map(|t| t.tag_key.as_str()).collect();
        assert!(
            !keys.contains("owner") && keys.contains("tier"),
            "{listed:?}"
        );
    }
    let described = c
        .describe_image_cache(&image, &cx())
        .await
        .unwrap()
        .unwrap();
    assert!(
        described.tags.contains(&Tag::new("tier", "gold")),
        "{:?}",
        described.tags
    );
}

// --------------------------------------------------------- ECS executions

#[tokio::test]
async fn pipeline_execution_start_describe_succeed() {
    let h = emulator().await;
    let c = client(&h);
    let template = h.seed_template(TemplateSeed::new("ok", PipelineOutcome::Success));
    let token = ClientToken::generate();
    let started = c
        .start_image_pipeline_execution(
            &StartImagePipelineExecutionRequest {
                image_pipeline_id: template.clone(),
                tag: vec![Tag::new("build", "nightly")],
            },
            &token,
            &cx(),
        )
        .await
        .unwrap();
    assert!(started.execution_id.starts_with("exec-"), "{started:?}");
    let exec = wait_execution(&c, &started.execution_id, "SUCCESS").await;
    assert_eq!(exec.image_pipeline_id, template);
    assert!(exec.image_id.starts_with("m-"), "{exec:?}");
    assert!(
        exec.tags.contains(&Tag::new("build", "nightly")),
        "{:?}",
        exec.tags
    );

    // Repeating the start with the same token returns the same execution.
    let again = c
        .start_image_pipeline_execution(
            &StartImagePipelineExecutionRequest {
                image_pipeline_id: template.clone(),
                tag: vec![Tag::new("build", "nightly")],
            },
            &token,
            &cx(),
        )
        .await
        .unwrap();
    assert_eq!(again.execution_id, started.execution_id);

    let all = c
        .describe_all_image_pipeline_executions(
            &DescribeImagePipelineExecutionsRequest {
                image_pipeline_id: Some(template.clone()),
                ..Default::default()
            },
            &cx(),
        )
        .await
        .unwrap();
    assert_eq!(all.len(), 1);

    // Cancelling a finished execution is refused and not retried.
    let err = c
        .cancel_image_pipeline_execution(
            &CancelImagePipelineExecutionRequest {
                execution_id: started.execution_id.clone(),
            },
            &cx(),
        )
        .await
        .unwrap_err();
    assert!(err.is_code("InvalidStatus.CancelFailed"), "{err}");
    assert_eq!(h.calls("CancelImagePipelineExecution"), 1);
}

#[tokio::test]
async fn pipeline_execution_cancel_and_not_found() {
    let h = emulator().await;
    let c = client(&h);
    let template = h.seed_template(TemplateSeed::new("stuck", PipelineOutcome::Stuck));
    let started = c
        .start_image_pipeline_execution(
            &StartImagePipelineExecutionRequest {
                image_pipeline_id: template.clone(),
                tag: vec![],
            },
            &ClientToken::generate(),
            &cx(),
        )
        .await
        .unwrap();
    wait_execution(&c, &started.execution_id, "BUILDING").await;

    // One running execution per template.
    let err = c
        .start_image_pipeline_execution(
            &StartImagePipelineExecutionRequest {
                image_pipeline_id: template.clone(),
                tag: vec![],
            },
            &ClientToken::generate(),
            &cx(),
        )
        .await
        .unwrap_err();
    assert!(
        err.is_code("InvalidImagePipeline.HasRunningExecution"),
        "{err}"
    );

    c.cancel_image_pipeline_execution(
        &CancelImagePipelineExecutionRequest {
            execution_id: started.execution_id.clone(),
        },
        &cx(),
    )
    .await
    .unwrap();
    wait_execution(&c, &started.execution_id, "CANCELLED").await;

    let err = c
        .cancel_image_pipeline_execution(
            &CancelImagePipelineExecutionRequest {
                execution_id: "exec-doesnotexist".into(),
            },
            &cx(),
        )
        .await
        .unwrap_err();
    assert!(
        err.is_code("InvalidImagePipelineExecution.NotFound"),
        "{err}"
    );
    assert!(err.is_code_in(EXECUTION_NOT_FOUND));

    let err = c
        .start_image_pipeline_execution(
            &StartImagePipelineExecutionRequest {
                image_pipeline_id: "ip-doesnotexist".into(),
                tag: vec![],
            },
            &ClientToken::generate(),
            &cx(),
        )
        .await
        .unwrap_err();
    assert!(err.is_code_in(IMAGE_PIPELINE_NOT_FOUND), "{err}");
    assert_eq!(
        c.describe_image_pipeline_execution("exec-doesnotexist", &cx())
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn image_pipelines_create_describe_delete() {
    let h = emulator().await;
    let c = client(&h);
    let created = c
        .create_image_pipeline(
            &CreateImagePipelineRequest {
                base_image_type: "IMAGE".into(),
                base_image: Some("m-base".into()),
                name: Some("from-client".into()),
                build_content: Some("RUN echo hi".into()),
                to_region_id: vec!["cn-beijing".into()],
                tag: vec![Tag::new("k", "v")],
                ..Default::default()
            },
            &ClientToken::generate(),
            &cx(),
        )
        .await
        .unwrap();
    assert!(created.image_pipeline_id.starts_with("ip-"), "{created:?}");
    let listed = c
        .describe_image_pipelines(
            &DescribeImagePipelinesRequest {
                image_pipeline_id: vec![created.image_pipeline_id.clone()],
                ..Default::default()
            },
            &cx(),
        )
        .await
        .unwrap();
    assert_eq!(listed.pipelines.len(), 1, "{listed:?}");
    let p = &listed.pipelines[0];
    assert_eq!(p.name, "from-client");
    assert_eq!(p.to_region_ids, ["cn-beijing"]);
    assert!(p.tags.contains(&Tag::new("k", "v")), "{:?}", p.tags);

    let exec = c
        .start_image_pipeline_execution(
            &StartImagePipelineExecutionRequest {
                image_pipeline_id: created.image_pipeline_id.clone(),
                tag: vec![],
            },
            &ClientToken::generate(),
            &cx(),
        )
        .await
        .unwrap();
    c.delete_image_pipeline(
        &DeleteImagePipelineRequest {
            image_pipeline_id: created.image_pipeline_id.clone(),
        },
        &cx(),
    )
    .await
    .unwrap();
    // Deleting the template deletes its executions.
    assert_eq!(
        c.describe_image_pipeline_execution(&exec.execution_id, &cx())
            .await
            .unwrap(),
        None
    );
    let listed = c
        .describe_image_pipelines(
            &DescribeImagePipelinesRequest {
                image_pipeline_id: vec![created.image_pipeline_id.clone()],
                ..Default::default()
            },
            &cx(),
        )
        .await
        .unwrap();
    assert!(listed.pipelines.is_empty(), "{listed:?}");
}

#[tokio::test]
async fn image_pipeline_tags_through_ecs_and_one_template_lookup() {
    let h = emulator().await;
    let c = client(&h);
    let id = c
        .create_image_pipeline(
            &CreateImagePipelineRequest {
                base_image_type: "IMAGE".into(),
                base_image: Some("m-base".into()),
                tag: vec![Tag::new("a", "1")],
                ..Default::default()
            },
            &ClientToken::generate(),
            &cx(),
        )
        .await
        .unwrap()
        .image_pipeline_id;
    let tag = EcsTagResourcesRequest {
        resource_type: IMAGE_PIPELINE_RESOURCE_TYPE.into(),
        resource_id: vec![id.clone()],
        tag: vec![Tag::new("b", "2")],
    };
    c.ecs_tag_resources(&tag, &cx()).await.unwrap();
    let untag = EcsUntagResourcesRequest {
        resource_type: IMAGE_PIPELINE_RESOURCE_TYPE.into(),
        resource_id: vec![id.clone()],
        tag_key: vec!["a".into()],
    };
    c.ecs_untag_resources(&untag, &cx()).await.unwrap();
    let p = c
        .describe_image_pipeline(&id, &cx())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p.tags, [Tag::new("b", "2")]);
    assert_eq!(p.system_disk_size, Some(40));
    assert_eq!(p.delete_instance_on_failure, Some(true));
    let sent = h
        .requests()
        .into_iter()
        .rfind(|r| r.action.as_deref() == Some("TagResources"))
        .unwrap();
    assert_eq!(
        sent.version.as_deref(),
        Some("2014-05-26"),
        "the ECS tag API, not ECI's"
    );
    // An unknown template: no object from Describe, "not found" from the tag API.
    assert_eq!(
        c.describe_image_pipeline("ip-unknown", &cx())
            .await
            .unwrap(),
        None
    );
    let missing = EcsTagResourcesRequest {
        resource_id: vec!["ip-unknown".into()],
        ..tag
    };
    assert!(c
        .ecs_tag_resources(&missing, &cx())
        .await
        .unwrap_err()
        .is_code("InvalidResourceId.NotFound"));
}

// ---------------------------------------------------------- authentication

#[tokio::test]
async fn wrong_secret_is_signature_does_not_match_and_never_shown() {
    let h = emulator().await;
    let wrong_secret = "not-the-right-secret-0123";
    let c = client_as(&h, "emulator", wrong_secret, test_policy());
    let err = c
        .describe_image_caches(&DescribeImageCachesRequest::default(), &cx())
        .await
        .unwrap_err();
    assert!(err.is_code("SignatureDoesNotMatch"), "{err}");
    assert_eq!(err.http_status(), Some(400));
    let shown = format!("{err} | {err:?}");
    assert!(!shown.contains(wrong_secret), "{shown}");
    assert!(!shown.contains(SECRET), "{shown}");
    let log = logged(&h, "DescribeImageCaches");
    assert_eq!(log.len(), 1, "not retried: {log:?}");
    assert_eq!(log[0].code.as_deref(), Some("SignatureDoesNotMatch"));
}

#[tokio::test]
async fn unknown_access_key_is_invalid_access_key_id() {
    let h = emulator().await;
    let c = client_as(&h, "nobody", "whatever-secret", test_policy());
    let err = c
        .describe_data_caches(&DescribeDataCachesRequest::default(), &cx())
        .await
        .unwrap_err();
    assert!(err.is_code("InvalidAccessKeyId.NotFound"), "{err}");
    for missing in [
        IMAGE_CACHE_NOT_FOUND,
        DATA_CACHE_NOT_FOUND,
        IMAGE_PIPELINE_NOT_FOUND,
    ] {
        assert!(
            !err.is_code_in(missing),
            "a bad key is not a missing object"
        );
    }
    let log = logged(&h, "DescribeDataCaches");
    assert_eq!(log.len(), 1, "not retried: {log:?}");
    assert_eq!(log[0].code.as_deref(), Some("InvalidAccessKeyId.NotFound"));
}

#[tokio::test]
async fn secrets_never_appear_in_any_error() {
    let h = emulator().await;
    let c = client(&h);
    let password = "registry-password-42";
    let mut req = image_cache_req("creds");
    req.image_registry_credential = vec![ImageRegistryCredential {
        server: "registry.example.com".into(),
        user_name: "robot".into(),
        password: Secret::new(password),
    }];
    let token = ClientToken::generate();
    c.create_image_cache(&req, &token, &cx()).await.unwrap();
    // Same token, different parameters: an error about this very request.
    req.image_cache_name = "creds-2".into();
    let mut errors = vec![c.create_image_cache(&req, &token, &cx()).await.unwrap_err()];
    let wrong = client_as(&h, "emulator", "wrong-secret-value", test_policy());
    errors.push(
        wrong
            .create_image_cache(&req, &ClientToken::generate(), &cx())
            .await
            .unwrap_err(),
    );
    h.set_faults(1.0, 7);
    errors.push(
        c.create_image_cache(
            &req,
            &ClientToken::generate(),
            &CallContext::with_timeout(Duration::from_millis(300)),
        )
        .await
        .unwrap_err(),
    );
    for err in &errors {
        let shown = format!("{err} | {err:?}");
        for secret in [SECRET, "wrong-secret-value", password] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
    }
}

// -------------------------------------------------------------- pagination

#[tokio::test]
async fn pagination_returns_every_image_cache_once() {
    let h = emulator().await;
    let c = client(&h);
    let mut ids = HashSet::new();
    for i in 0..47 {
        let created = c
            .create_image_cache(
                &image_cache_req(&format!("page-{i}")),
                &ClientToken::generate(),
                &cx(),
            )
            .await
            .unwrap();
        ids.insert(created.image_cache_id);
    }
    let before = h.calls("DescribeImageCaches");
    let all = c
        .describe_all_image_caches(&DescribeImageCachesRequest::default(), &cx())
        .await
        .unwrap();
    let got: HashSet<String> = all.iter().map(|c| c.image_cache_id.clone()).collect();
    assert_eq!(all.len(), 47, "no duplicates");
    assert_eq!(got, ids);
    assert_eq!(h.calls("DescribeImageCaches") - before, 3, "pages of 20");

    let small = c
        .describe_all_image_caches(
            &DescribeImageCachesRequest {
                limit: Some(10),
                ..Default::default()
            },
            &cx(),
        )
        .await
        .unwrap();
    assert_eq!(small.len(), 47);
    let one_page = c
        .describe_image_caches(
            &DescribeImageCachesRequest {
                limit: Some(10),
                ..Default::default()
            },
            &cx(),
        )
        .await
        .unwrap();
    assert_eq!(one_page.image_caches.len(), 10);
    assert!(!one_page.next_token.is_empty());
    assert_eq!(one_page.total_count, Some(47));
}

#[tokio::test]
async fn pagination_returns_every_data_cache_once() {
    let h = emulator().await;
    let c = client(&h);
    let mut ids = HashSet::new();
    for i in 0..46 {
        let created = c
            .create_data_cache(
                &data_cache_req(&format!("page-{i}"), &format!("/p/{i}")),
                &ClientToken::generate(),
                &cx(),
            )
            .await
            .unwrap();
        ids.insert(created.data_cache_id);
    }
    let all = c
        .describe_all_data_caches(&DescribeDataCachesRequest::default(), &cx())
        .await
        .unwrap();
    let got: HashSet<String> = all.iter().map(|c| c.data_cache_id.clone()).collect();
    assert_eq!(all.len(), 46);
    assert_eq!(got, ids);
    let some = c
        .describe_all_data_caches(
            &DescribeDataCachesRequest {
                data_cache_id: ids.iter().take(25).cloned().collect(),
                limit: Some(7),
                ..Default::default()
            },
            &cx(),
        )
        .await
        .unwrap();
    assert_eq!(some.len(), 25);
}

// ------------------------------------------------------------------ retries

#[tokio::test]
async fn creates_under_faults_make_exactly_one_object_each() {
    let h = emulator().await;
    h.set_faults(0.3, 2024);
    let c = client(&h);
    let mut tokens = Vec::new();
    let mut image_ids = HashSet::new();
    for i in 0..12 {
        let token = ClientToken::generate();
        let id = c
            .create_image_cache(&image_cache_req(&format!("faulty-{i}")), &token, &cx())
            .await
            .unwrap_or_else(|e| panic!("create {i} failed despite retries: {e}"))
            .image_cache_id;
        assert!(image_ids.insert(id), "two logical creates returned one ID");
        tokens.push(token);
    }
    let mut data_ids = HashSet::new();
    for i in 0..8 {
        let id = c
            .create_data_cache(
                &data_cache_req(&format!("faulty-{i}"), &format!("/f/{i}")),
                &ClientToken::generate(),
                &cx(),
            )
            .await
            .unwrap_or_else(|e| panic!("data create {i} failed despite retries: {e}"))
            .data_cache_id;
        data_ids.insert(id);
    }
    let template = h.seed_template(TemplateSeed::new("faulty", PipelineOutcome::Success));
    let exec = c
        .start_image_pipeline_execution(
            &StartImagePipelineExecutionRequest {
                image_pipeline_id: template.clone(),
                tag: vec![],
            },
            &ClientToken::generate(),
            &cx(),
        )
        .await
        .unwrap();
    h.set_faults(0.0, 0);

    // Faults happened, so some creates needed more than one attempt...
    assert!(
        h.calls("CreateImageCache") > 12,
        "expected retries, saw {} calls",
        h.calls("CreateImageCache")
    );
    // ...yet there is exactly one object per logical create.
    let caches = c
        .describe_all_image_caches(&DescribeImageCachesRequest::default(), &cx())
        .await
        .unwrap();
    assert_eq!(caches.len(), 12, "{caches:?}");
    let got: HashSet<String> = caches.into_iter().map(|c| c.image_cache_id).collect();
    assert_eq!(got, image_ids);
    let data = c
        .describe_all_data_caches(&DescribeDataCachesRequest::default(), &cx())
        .await
        .unwrap();
    assert_eq!(data.len(), 8);
    let execs = c
        .describe_all_image_pipeline_executions(
            &DescribeImagePipelineExecutionsRequest {
                image_pipeline_id: Some(template),
                ..Default::default()
            },
            &cx(),
        )
        .await
        .unwrap();
    assert_eq!(execs.len(), 1);
    assert_eq!(execs[0].execution_id, exec.execution_id);

    // Every attempt of a logical create carried that create's token, and
    // every attempt was signed anew.
    let attempts = logged(&h, "CreateImageCache");
    assert_eq!(attempts.len() as u64, h.calls("CreateImageCache"));
    let mut per_token: BTreeMap<&str, usize> = BTreeMap::new();
    let mut nonces = HashSet::new();
    for entry in &attempts {
        let token = entry.params.get("ClientToken").expect("ClientToken sent");
        assert!(
            tokens.iter().any(|t| t.as_str() == token),
            "an attempt carried a token that no logical create made: {token}"
        );
        *per_token.entry(token.as_str()).or_default() += 1;
        let nonce = entry.params.get("SignatureNonce").expect("nonce sent");
        assert!(nonces.insert(nonce.clone()), "nonce {nonce} reused");
    }
    assert_eq!(per_token.len(), 12, "{per_token:?}");
    let lost_answers = attempts
        .iter()
        .filter(|e| e.fault.as_deref().is_some_and(|f| f.ends_with("/after")))
        .count();
    assert!(
        lost_answers > 0,
        "no create lost its answer after the side effect; the idempotency path was not exercised"
    );
    assert!(
        per_token.values().any(|n| *n > 1),
        "some create was retried with its token: {per_token:?}"
    );
}

#[tokio::test]
async fn cancellation_stops_a_retry_loop_promptly() {
    let h = emulator().await;
    h.set_faults(1.0, 1);
    let c = client_as(
        &h,
        "emulator",
        SECRET,
        RetryPolicy {
            max_attempts: 1000,
            initial_backoff: Duration::from_millis(20),
            throttling_initial_backoff: Duration::from_millis(20),
            max_backoff: Duration::from_millis(50),
        },
    );
    let cx = CallContext::default();
    let cancel = cx.cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        cancel.cancel();
    });
    let started = Instant::now();
    let err = c
        .create_image_cache(&image_cache_req("never"), &ClientToken::generate(), &cx)
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    assert!(err.is_cancelled(), "{err}");
    assert!(elapsed >= Duration::from_millis(300), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
    assert!(h.calls("CreateImageCache") >= 2, "it was retrying");
}

#[tokio::test]
async fn deadline_stops_a_retry_loop_promptly_with_the_last_error() {
    let h = emulator().await;
    h.set_faults(1.0, 3);
    let c = client_as(
        &h,
        "emulator",
        SECRET,
        RetryPolicy {
            max_attempts: 1000,
            initial_backoff: Duration::from_millis(20),
            throttling_initial_backoff: Duration::from_millis(20),
            max_backoff: Duration::from_millis(50),
        },
    );
    let started = Instant::now();
    let err = c
        .describe_image_caches(
            &DescribeImageCachesRequest::default(),
            &CallContext::with_timeout(Duration::from_millis(400)),
        )
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    assert!(err.is_deadline_exceeded(), "{err}");
    assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
    match &err {
        ApiError::DeadlineExceeded { attempts, last, .. } => {
            assert!(*attempts >= 2, "{err}");
            let last = last.as_ref().expect("a last error is kept");
            assert!(retry::classify(last).is_some(), "{last}");
        }
        other => panic!("unexpected {other}"),
    }
}
