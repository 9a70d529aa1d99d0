//! `tf-acc-sweep`: deletes what acceptance tests left behind in a region.
//!
//! Every object an acceptance test creates has a name starting with `tf-acc-` and
//! the tag `tf-acc=true` (the harness checks it after every apply). A test that fails
//! half-way, or a run that is interrupted, can leave such objects; this tool finds
//! them through the provider's own API client and removes them:
//!
//! - ECI image caches and data caches whose name has the prefix or that carry the
//!   tag: deleted, then polled until the API no longer returns them;
//! - ECS image pipeline executions that are still running and carry the tag or
//!   build a template swept below: cancelled, then polled until they leave the
//!   running statuses (executions cannot be deleted);
//! - ECS image templates whose name has the prefix or that carry the tag: deleted
//!   (a template is refused while one of its builds runs, so the sweeper asks again
//!   once the builds above are cancelled), then polled until they are gone. The
//!   account's template named by `ALIYUN_ACC_IMAGE_TEMPLATE_ID` (the real-cloud
//!   mode's build template) is never swept, whatever its name.
//!
//! Without `--yes` it only lists what it would do. Settings come from the same
//! environment as the real-cloud acceptance mode: `ALIBABA_CLOUD_ACCESS_KEY_ID`,
//! `ALIBABA_CLOUD_ACCESS_KEY_SECRET`, optional `ALIBABA_CLOUD_SECURITY_TOKEN`,
//! `ALIBABA_CLOUD_REGION_ID` (or `--region`), and optionally `ALIYUN_ACC_ENDPOINT`
//! (or `ALIYUN_ACC_ECI_ENDPOINT` / `ALIYUN_ACC_ECS_ENDPOINT`) for another endpoint.
//! Exit status: 0 when nothing is left, 1 when something could not be removed in
//! time, 2 on bad usage.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use terraform_provider_aliyun::aliyun::{eci, ecs};
use terraform_provider_aliyun::aliyun::{
    ApiError, CallContext, CancelImagePipelineExecutionRequest, Client, ClientConfig, ClientToken,
    Credentials, DeleteDataCacheRequest, DeleteImageCacheRequest, DeleteImagePipelineRequest,
    DescribeDataCachesRequest, DescribeImageCachesRequest, DescribeImagePipelineExecutionsRequest,
    DescribeImagePipelinesRequest, Tag,
};

/// Statuses of an execution that is still running (and can be cancelled).
const RUNNING: &[&str] = &[
    "PREPARING",
    "REPAIRING",
    "BUILDING",
    "TESTING",
    "DISTRIBUTING",
    "RELEASING",
    "CANCELLING",
];

struct Options {
    region: Option<String>,
    prefix: String,
    tag_key: String,
    tag_value: String,
    yes: bool,
    timeout: Duration,
    /// The account's build template (`ALIYUN_ACC_IMAGE_TEMPLATE_ID`): never swept.
    keep_template: Option<String>,
}

fn usage() -> &'static str {
    "usage: tf-acc-sweep [--region R] [--prefix tf-acc-] [--tag tf-acc=true] [--timeout SECONDS] [--yes]\n\
     Lists (and with --yes deletes) the ECI image/data caches and the ECS image templates,\n\
     and cancels the ECS image builds, left by acceptance tests in a region. Credentials:\n\
     ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET[, ALIBABA_CLOUD_SECURITY_TOKEN];\n\
     endpoint override: ALIYUN_ACC_ENDPOINT; never swept: ALIYUN_ACC_IMAGE_TEMPLATE_ID."
}

fn parse(args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut o = Options {
        region: None,
        prefix: "tf-acc-".into(),
        tag_key: "tf-acc".into(),
        tag_value: "true".into(),
        yes: false,
        timeout: Duration::from_secs(900),
        keep_template: None,
    };
    let mut args = args.peekable();
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match a.as_str() {
            "--region" => o.region = Some(value("--region")?),
            "--prefix" => o.prefix = value("--prefix")?,
            "--tag" => {
                let t = value("--tag")?;
                let (k, v) = t.split_once('=').ok_or("--tag wants KEY=VALUE")?;
                o.tag_key = k.into();
                o.tag_value = v.into();
            }
            "--timeout" => {
                let s = value("--timeout")?;
                o.timeout = Duration::from_secs(
                    s.parse()
                        .map_err(|_| format!("--timeout wants seconds, got {s:?}"))?,
                );
            }
            "--yes" => o.yes = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if o.prefix.is_empty() {
        return Err("--prefix must not be empty (it would match every object)".into());
    }
    Ok(o)
}

fn main() -> ExitCode {
    let options = match parse(std::env::args().skip(1)) {
        Ok(o) => Options {
            keep_template: std::env::var("ALIYUN_ACC_IMAGE_TEMPLATE_ID")
                .ok()
                .filter(|v| !v.trim().is_empty()),
            ..o
        },
        Err(msg) => {
            if !msg.is_empty() {
                eprintln!("tf-acc-sweep: {msg}");
            }
            eprintln!("{}", usage());
            return ExitCode::from(2);
        }
    };
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("tf-acc-sweep: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(sweep(&options)) {
        Ok(0) => ExitCode::SUCCESS,
        Ok(left) => {
            eprintln!("tf-acc-sweep: {left} object(s) left");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("tf-acc-sweep: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn client(o: &Options) -> anyhow::Result<(Client, String)> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    let id =
        env("ALIBABA_CLOUD_ACCESS_KEY_ID").context("ALIBABA_CLOUD_ACCESS_KEY_ID is not set")?;
    let secret = env("ALIBABA_CLOUD_ACCESS_KEY_SECRET")
        .context("ALIBABA_CLOUD_ACCESS_KEY_SECRET is not set")?;
    let Some(region) = o.region.clone().or_else(|| env("ALIBABA_CLOUD_REGION_ID")) else {
        bail!("no region: pass --region or set ALIBABA_CLOUD_REGION_ID");
    };
    let mut creds = Credentials::new(id, secret);
    if let Some(t) = env("ALIBABA_CLOUD_SECURITY_TOKEN") {
        creds = creds.with_security_token(t);
    }
    let mut config = ClientConfig::new(region.clone(), creds);
    let endpoint = env("ALIYUN_ACC_ENDPOINT");
    config.eci_endpoint = env("ALIYUN_ACC_ECI_ENDPOINT").or_else(|| endpoint.clone());
    config.ecs_endpoint = env("ALIYUN_ACC_ECS_ENDPOINT").or(endpoint);
    config.user_agent = format!("tf-acc-sweep/{}", env!("CARGO_PKG_VERSION"));
    Ok((Client::new(config)?, region))
}

/// What was found, by kind: (id, name, extra for the delete call).
#[derive(Default)]
struct Found {
    image_caches: Vec<(String, String)>,
    data_caches: Vec<(String, String, String, String)>,
    executions: Vec<(String, String)>,
    templates: Vec<(String, String)>,
}

impl Found {
    fn count(&self) -> usize {
        self.image_caches.len()
            + self.data_caches.len()
            + self.executions.len()
            + self.templates.len()
    }
}

async fn find(client: &Client, o: &Options, cx: &CallContext) -> Result<Found, ApiError> {
    let marked = |name: &str, tags: &[Tag]| {
        name.starts_with(&o.prefix)
            || tags
                .iter()
                .any(|t| t.key == o.tag_key && t.value == o.tag_value)
    };
    let mut found = Found::default();
    for c in client
        .describe_all_image_caches(&DescribeImageCachesRequest::default(), cx)
        .await?
    {
        if marked(&c.image_cache_name, &c.tags) {
            found
                .image_caches
                .push((c.image_cache_id, c.image_cache_name));
        }
    }
    for c in client
        .describe_all_data_caches(&DescribeDataCachesRequest::default(), cx)
        .await?
    {
        if marked(&c.name, &c.tags) {
            found
                .data_caches
                .push((c.data_cache_id, c.name, c.bucket, c.path));
        }
    }
    let tagged = DescribeImagePipelineExecutionsRequest {
        tag: vec![Tag {
            key: o.tag_key.clone(),
            value: o.tag_value.clone(),
        }],
        ..Default::default()
    };
    let mut running = client
        .describe_all_image_pipeline_executions(&tagged, cx)
        .await?;
    for p in client
        .describe_all_image_pipelines(&DescribeImagePipelinesRequest::default(), cx)
        .await?
    {
        if o.keep_template.as_deref() == Some(p.image_pipeline_id.as_str())
            || !marked(&p.name, &p.tags)
        {
            continue;
        }
        // Its builds, tagged or not: the template cannot go while one runs.
        let builds = DescribeImagePipelineExecutionsRequest {
            image_pipeline_id: Some(p.image_pipeline_id.clone()),
            ..Default::default()
        };
        running.extend(
            client
                .describe_all_image_pipeline_executions(&builds, cx)
                .await?,
        );
        found.templates.push((p.image_pipeline_id, p.name));
    }
    let mut seen = std::collections::BTreeSet::new();
    for e in running {
        if RUNNING.contains(&e.status.as_str()) && seen.insert(e.execution_id.clone()) {
            found.executions.push((e.execution_id, e.status));
        }
    }
    Ok(found)
}

/// Sweeps and returns how many objects are left.
async fn sweep(o: &Options) -> anyhow::Result<usize> {
    let (client, region) = client(o)?;
    let cx = CallContext::default();
    let found = find(&client, o, &cx).await.context("listing the objects")?;
    println!(
        "{region}: {} image cache(s), {} data cache(s), {} running image build(s), {} image \
         template(s) marked {:?} or {}={}",
        found.image_caches.len(),
        found.data_caches.len(),
        found.executions.len(),
        found.templates.len(),
        o.prefix,
        o.tag_key,
        o.tag_value
    );
    for (id, name) in &found.image_caches {
        println!("  image cache {id} {name:?}");
    }
    for (id, name, _, _) in &found.data_caches {
        println!("  data cache {id} {name:?}");
    }
    for (id, status) in &found.executions {
        println!("  image build {id} ({status})");
    }
    for (id, name) in &found.templates {
        println!("  image template {id} {name:?}");
    }
    if let Some(id) = &o.keep_template {
        println!("  (the account's build template {id} is never swept)");
    }
    if found.count() == 0 {
        return Ok(0);
    }
    if !o.yes {
        println!("dry run: pass --yes to delete them");
        return Ok(found.count());
    }

    // Deletes and cancels are asynchronous: poll until nothing is returned any
    // more, asking again for whatever is still there (a cache still being created
    // may refuse the first delete).
    let deadline = Instant::now() + o.timeout;
    let mut delay = Duration::from_secs(1);
    let mut asked = std::collections::BTreeSet::new();
    let mut left = found;
    loop {
        remove(&client, &left, &mut asked, &cx).await;
        if Instant::now() + delay > deadline {
            eprintln!(
                "still there after {:?}: {} image cache(s), {} data cache(s), {} image build(s), \
                 {} image template(s)",
                o.timeout,
                left.image_caches.len(),
                left.data_caches.len(),
                left.executions.len(),
                left.templates.len()
            );
            return Ok(left.count());
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(15));
        left = find(&client, o, &cx).await.context("polling")?;
        if left.count() == 0 {
            println!("all gone");
            return Ok(0);
        }
        println!("waiting: {} object(s) left", left.count());
    }
}

/// Asks for every object of `found` to go; prints what it asked the first time
/// (`asked`) and every refusal.
async fn remove(
    client: &Client,
    found: &Found,
    asked: &mut std::collections::BTreeSet<String>,
    cx: &CallContext,
) {
    // `gone`: the call's own codes for an object that no longer exists (done).
    let mut report = |id: &str, what: &str, gone: &[&str], r: Result<(), ApiError>| match r {
        Ok(()) => {
            if asked.insert(id.to_string()) {
                println!("{what} {id}");
            }
        }
        Err(e) if e.is_code_in(gone) => {}
        Err(e) => eprintln!("{what} {id} refused (will retry): {e}"),
    };
    for (id, _) in &found.image_caches {
        let req = DeleteImageCacheRequest {
            image_cache_id: id.clone(),
        };
        let r = client
            .delete_image_cache(&req, &ClientToken::generate(), cx)
            .await;
        report(
            id,
            "deleting image cache",
            eci::IMAGE_CACHE_NOT_FOUND,
            r.map(drop),
        );
    }
    for (id, _, bucket, path) in &found.data_caches {
        let req = DeleteDataCacheRequest {
            data_cache_id: id.clone(),
            bucket: Some(bucket.clone()).filter(|b| !b.is_empty()),
            path: Some(path.clone()).filter(|p| !p.is_empty()),
        };
        let r = client
            .delete_data_cache(&req, &ClientToken::generate(), cx)
            .await;
        report(
            id,
            "deleting data cache",
            eci::DATA_CACHE_NOT_FOUND,
            r.map(drop),
        );
    }
    for (id, status) in &found.executions {
        if status == "CANCELLING" {
            continue;
        }
        let req = CancelImagePipelineExecutionRequest {
            execution_id: id.clone(),
        };
        let r = client.cancel_image_pipeline_execution(&req, cx).await;
        report(
            id,
            "cancelling image build",
            ecs::EXECUTION_NOT_FOUND,
            r.map(drop),
        );
    }
    // After the cancels: a template with a running build is refused
    // (`InvalidImagePipeline.HasRunningExecution`) and asked again next round.
    for (id, _) in &found.templates {
        let req = DeleteImagePipelineRequest {
            image_pipeline_id: id.clone(),
        };
        let r = client.delete_image_pipeline(&req, cx).await;
        report(
            id,
            "deleting image template",
            ecs::IMAGE_PIPELINE_NOT_FOUND,
            r.map(drop),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options() {
        let p = |v: &[&str]| parse(v.iter().map(|s| s.to_string()));
        let o = p(&[]).unwrap();
        assert_eq!((o.prefix.as_str(), o.yes), ("tf-acc-", false));
        let o = p(&["--yes", "--tag", "k=v", "--timeout", "5"]).unwrap();
        assert_eq!((o.tag_key.as_str(), o.tag_value.as_str()), ("k", "v"));
        assert_eq!(o.timeout, Duration::from_secs(5));
        assert!(p(&["--prefix", ""]).is_err());
        assert!(p(&["--tag", "novalue"]).is_err());
        assert!(p(&["--bogus"]).is_err());
    }
}
