//! The provider block's credential arguments and their resolution into one
//! [`SourceSpec`] per provider block (alias).
//!
//! Order of precedence (the first source found wins; then `assume_role`, if
//! present, wraps it and keeps it live):
//!
//! 1. Arguments in the provider block, in this order: `access_key` +
//!    `secret_key` (+ `security_token`), `assume_role_with_oidc`, `profile`,
//!    `credentials_uri`, `ecs_role_name`.
//! 2. The environment, in the same order: the AccessKey of the first family
//!    that has both id and secret (`ALIBABA_CLOUD_*`, then `ALICLOUD_*`, then
//!    `ALIBABACLOUD_*`; id, secret and token all from that one family); the
//!    OIDC triple (`ALIBABA_CLOUD_ROLE_ARN`, `ALIBABA_CLOUD_OIDC_PROVIDER_ARN`,
//!    `ALIBABA_CLOUD_OIDC_TOKEN_FILE` or `ALIBABA_CLOUD_OIDC_TOKEN`); the
//!    profile named by `ALIBABA_CLOUD_PROFILE` / `ALICLOUD_PROFILE` /
//!    `ALIBABACLOUD_PROFILE`; `ALIBABA_CLOUD_CREDENTIALS_URI` /
//!    `ALICLOUD_CREDENTIALS_URI`; `ALIBABA_CLOUD_ECS_METADATA` /
//!    `ALICLOUD_ECS_ROLE_NAME`.
//! 3. The `current` profile of the profile file, if the file exists (unless
//!    `ALIBABA_CLOUD_CLI_PROFILE_DISABLED=true`).
//! 4. The SDKs' INI credentials file, section `ALIBABA_CLOUD_PROFILE` or
//!    `default` (a profile named in the environment that the JSON file lacks
//!    is also looked up there, as the SDKs do).
//!
//! An explicit setting beats the environment, and the environment beats the
//! file's default. The instance metadata is never probed without being asked
//! for (`ecs_role_name`, its variables, or an `EcsRamRole` profile): a probe
//! off ECS costs seconds on every plan and is a network call before anything
//! needs one. Nothing here calls the network: the profile file is read, and
//! network sources are only described; they run at the first API call.

use std::path::PathBuf;

use crate::aliyun::credentials::ecs_metadata::DEFAULT_ENDPOINT as METADATA_DEFAULT;
use crate::aliyun::credentials::ini::IniFile;
use crate::aliyun::credentials::profile::{default_path, ConfigFile, ProfileError};
use crate::aliyun::credentials::sts::{self, OidcToken, RoleParams};
use crate::aliyun::credentials::Endpoints;
use crate::aliyun::{Credentials, Secret, SourceSpec};
use crate::tf::validators::{IntBetween, Matches};
use crate::tf::{Attribute, AttributePath, Block, Diagnostics, Nesting, Type, Value};

/// The environment variable pointing the provider at a different instance
/// metadata service (default `http://100.100.100.200`).
pub const METADATA_ENDPOINT_ENV: &str = "ALIBABA_CLOUD_ECS_METADATA_ENDPOINT";

/// Adds the credential arguments (other than `access_key`, `secret_key`,
/// `security_token`) to the provider block.
pub fn add_schema(block: Block) -> Block {
    let s = || Attribute::optional(Type::String);
    let role_arn = || {
        s().validate(Matches::new(
            r"^acs:ram::[0-9]+:role/[^\s]+$",
            "a role ARN like `acs:ram::1234567890123456:role/terraform`",
        ))
    };
    let endpoint = || {
        s().validate(Matches::new(
            r"^(https?://)?[A-Za-z0-9.-]+(:[0-9]+)?/?$",
            "a host or an `http(s)://host[:port]` URL",
        ))
    };
    let expiration = || {
        Attribute::optional(Type::Number)
            .doc(
                "Session length in seconds, 900 to 43200 (up to the role's maximum session \
                 duration). Default 3600.",
            )
            .validate(IntBetween(900, 43200))
    };
    let assume_role = Block::new(
        "Assume a RAM role with the credential found by the other arguments (which stays live: an \
         expiring source is refreshed before each AssumeRole). The temporary credential is renewed \
         before it expires.",
    )
    .attr(
        "role_arn",
        role_arn().doc(
            "ARN of the role, `acs:ram::<account>:role/<name>`. Default: \
             `ALICLOUD_ASSUME_ROLE_ARN`, then `ALIBABA_CLOUD_ROLE_ARN`.",
        ),
    )
    .attr(
        "session_name",
        s().doc(
            "Session name. Default: `ALICLOUD_ASSUME_ROLE_SESSION_NAME`, then \
             `ALIBABA_CLOUD_ROLE_SESSION_NAME`, then `terraform`.",
        ),
    )
    .attr(
        "policy",
        s().doc("Inline policy (JSON) narrowing the role's permissions."),
    )
    .attr(
        "session_expiration",
        expiration().doc(
            "Session length in seconds, 900 to 43200 (up to the role's maximum session duration). \
             Default: `ALICLOUD_ASSUME_ROLE_SESSION_EXPIRATION`, then 3600.",
        ),
    )
    .attr(
        "external_id",
        s().doc(
            "External ID required by the role's trust policy. Default: \
             `ALIBABA_CLOUD_EXTERNAL_ID`, then `ALIBABACLOUD_EXTERNAL_ID`.",
        ),
    );
    let oidc = Block::new(
        "Exchange an OIDC token (a CI system's, or an ACK pod's with RRSA) for a RAM role with \
         AssumeRoleWithOIDC. The token file is read again at every renewal.",
    )
    .attr(
        "oidc_provider_arn",
        s().validate(Matches::new(
            r"^acs:ram::[0-9]+:oidc-provider/[^\s]+$",
            "an OIDC provider ARN like `acs:ram::1234567890123456:oidc-provider/ci`",
        ))
        .doc("ARN of the OIDC provider. Default: `ALIBABA_CLOUD_OIDC_PROVIDER_ARN`."),
    )
    .attr(
        "oidc_token_file",
        s().doc("Path of the file holding the token. Default: `ALIBABA_CLOUD_OIDC_TOKEN_FILE`."),
    )
    .attr(
        "oidc_token",
        s().sensitive().doc(
            "The token itself; wins over `oidc_token_file`. Default: `ALIBABA_CLOUD_OIDC_TOKEN`.",
        ),
    )
    .attr(
        "role_arn",
        role_arn().doc("ARN of the role. Default: `ALIBABA_CLOUD_ROLE_ARN`."),
    )
    .attr(
        "role_session_name",
        s().doc("Session name. Default: `ALIBABA_CLOUD_ROLE_SESSION_NAME`, then `terraform`."),
    )
    .attr(
        "policy",
        s().doc("Inline policy (JSON) narrowing the role's permissions."),
    )
    .attr("session_expiration", expiration());
    block
        .attr(
            "profile",
            s().doc(
                "Profile of the aliyun CLI's configuration file. Modes AK, StsToken, RamRoleArn, \
                 ChainableRamRoleArn, EcsRamRole, OIDC, External and CredentialsURI work; OAuth \
                 and CloudSSO are refused. Default: `ALIBABA_CLOUD_PROFILE`, `ALICLOUD_PROFILE`, \
                 `ALIBABACLOUD_PROFILE`, then the file's `current` profile (used only when nothing \
                 else provides credentials).",
            ),
        )
        .attr(
            "shared_credentials_file",
            s().doc(
                "Path of the aliyun CLI's JSON configuration file (`~` is expanded). Default: \
                 `ALICLOUD_SHARED_CREDENTIALS_FILE`, `ALIBABA_CLOUD_CONFIG_FILE`, \
                 `ALIBABA_CLOUD_CREDENTIALS_FILE` (when it holds a JSON CLI configuration), then \
                 `~/.aliyun/config.json`.",
            ),
        )
        .attr(
            "ecs_role_name",
            s().doc(
                "RAM role of the ECS instance Terraform runs on; its credentials come from the \
                 instance metadata service (IMDSv2, falling back to IMDSv1 unless \
                 `ALIBABA_CLOUD_IMDSV1_DISABLED=true`). Default: `ALIBABA_CLOUD_ECS_METADATA`, \
                 then `ALICLOUD_ECS_ROLE_NAME`. The service is reached at \
                 `http://100.100.100.200`, or at `ALIBABA_CLOUD_ECS_METADATA_ENDPOINT`.",
            ),
        )
        .attr(
            "credentials_uri",
            s().validate(Matches::new(
                r"^https?://[^\s]+$",
                "an `http://` or `https://` URL",
            ))
            .doc(
                "URL answering `{\"Code\": \"Success\", \"AccessKeyId\", \"AccessKeySecret\", \
                 \"SecurityToken\", \"Expiration\"}`, read again before expiry. Default: \
                 `ALIBABA_CLOUD_CREDENTIALS_URI`, then `ALICLOUD_CREDENTIALS_URI`.",
            ),
        )
        .attr(
            "sts_endpoint",
            endpoint().doc(
                "STS endpoint (host or URL) for `assume_role`, `assume_role_with_oidc` and role \
                 profiles; same as `endpoints { sts }`. Default: `ALIBABA_CLOUD_STS_ENDPOINT`, \
                 else `sts.<ALIBABA_CLOUD_STS_REGION>.aliyuncs.com` (`sts-vpc.` with \
                 `ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED=true`), else `sts.<region>.aliyuncs.com` for \
                 regions that have one, else `sts.aliyuncs.com`.",
            ),
        )
        .block_limited("assume_role", Nesting::List, assume_role, 0, 1)
        .block_limited("assume_role_with_oidc", Nesting::List, oidc, 0, 1)
}

/// The AccessKey variable families, in order: (id, secret, token). The first
/// family with both an id and a secret provides all three. The bare
/// `ACCESS_KEY_ID` / `ACCESS_KEY_SECRET` the CLI also reads are left out:
/// names that generic often belong to something else.
const KEY_FAMILIES: &[(&str, &str, &str)] = &[
    (
        "ALIBABA_CLOUD_ACCESS_KEY_ID",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
        "ALIBABA_CLOUD_SECURITY_TOKEN",
    ),
    (
        "ALICLOUD_ACCESS_KEY",
        "ALICLOUD_SECRET_KEY",
        "ALICLOUD_SECURITY_TOKEN",
    ),
    (
        "ALIBABACLOUD_ACCESS_KEY_ID",
        "ALIBABACLOUD_ACCESS_KEY_SECRET",
        "ALIBABACLOUD_SECURITY_TOKEN",
    ),
    (
        "ALICLOUD_ACCESS_KEY_ID",
        "ALICLOUD_ACCESS_KEY_SECRET",
        "ALICLOUD_SECURITY_TOKEN",
    ),
];

/// Reads one setting: the first non-empty variable of `names`.
fn first_env(env: &dyn Fn(&str) -> Option<String>, names: &[&str]) -> Option<String> {
    names
        .iter()
        .find_map(|n| env(n).filter(|v| !v.trim().is_empty()))
}

fn is_true(env: &dyn Fn(&str) -> Option<String>, name: &str) -> bool {
    env(name).is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
}

fn nested(config: &Value, name: &str) -> Option<Value> {
    config.attr(name).as_list().and_then(|l| l.first()).cloned()
}

fn nonempty(v: Option<&str>) -> Option<String> {
    v.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// The STS endpoints and metadata address, from the block and the environment.
pub fn endpoints(config: &Value, env: &dyn Fn(&str) -> Option<String>, region: &str) -> Endpoints {
    let from_block = nonempty(config.str_attr("sts_endpoint"))
        .or_else(|| nested(config, "endpoints").and_then(|e| nonempty(e.str_attr("sts"))));
    let sts_override = from_block
        .or_else(|| first_env(env, &["ALIBABA_CLOUD_STS_ENDPOINT"]))
        .map(|e| sts::normalize_endpoint(&e));
    let vpc = is_true(env, "ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED");
    let sts_default = match first_env(env, &["ALIBABA_CLOUD_STS_REGION"]) {
        Some(r) => sts::endpoint_for_region(r.trim(), vpc),
        None => sts::endpoint_for_region(region, vpc),
    };
    Endpoints {
        sts_override,
        sts_default,
        metadata: first_env(env, &[METADATA_ENDPOINT_ENV])
            .map(|e| e.trim().trim_end_matches('/').to_string())
            .unwrap_or_else(|| METADATA_DEFAULT.to_string()),
        imds_v1_disabled: is_true(env, "ALIBABA_CLOUD_IMDSV1_DISABLED"),
    }
}

fn home(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    first_env(env, &["HOME", "USERPROFILE"]).map(PathBuf::from)
}

fn expand(path: &str, env: &dyn Fn(&str) -> Option<String>) -> PathBuf {
    match (path.strip_prefix("~/"), home(env)) {
        (Some(rest), Some(h)) => h.join(rest),
        _ => PathBuf::from(path),
    }
}

/// The profile file to read: argument, then the variables, then the default.
/// `ALIBABA_CLOUD_CREDENTIALS_FILE` means a JSON CLI configuration to the
/// official provider and an INI file to the SDKs; it is used only when it
/// holds JSON with `profiles`.
fn profile_path(config: &Value, env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    if let Some(p) = nonempty(config.str_attr("shared_credentials_file")) {
        return Some(expand(&p, env));
    }
    if let Some(p) = first_env(
        env,
        &[
            "ALICLOUD_SHARED_CREDENTIALS_FILE",
            "ALIBABA_CLOUD_CONFIG_FILE",
        ],
    ) {
        return Some(expand(&p, env));
    }
    if let Some(p) = first_env(env, &["ALIBABA_CLOUD_CREDENTIALS_FILE"]) {
        let path = expand(&p, env);
        let is_cli_json = std::fs::read_to_string(&path)
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .is_some_and(|v| v.get("profiles").is_some());
        if is_cli_json {
            return Some(path);
        }
    }
    home(env).map(|h| default_path(&h))
}

/// The SDKs' INI credentials file: `ALIBABA_CLOUD_CREDENTIALS_FILE` when it is
/// not a JSON CLI configuration, else `~/.alibabacloud/credentials.ini` (the
/// Python SDK's name), else `~/.alibabacloud/credentials` (the Go SDK's).
fn load_ini(env: &dyn Fn(&str) -> Option<String>) -> Option<(PathBuf, IniFile)> {
    let mut candidates = Vec::new();
    if let Some(p) = first_env(env, &["ALIBABA_CLOUD_CREDENTIALS_FILE"]) {
        candidates.push(expand(&p, env));
    }
    if let Some(h) = home(env) {
        candidates.push(h.join(".alibabacloud").join("credentials.ini"));
        candidates.push(h.join(".alibabacloud").join("credentials"));
    }
    candidates.into_iter().find_map(|path| {
        let text = std::fs::read_to_string(&path).ok()?;
        let is_json = serde_json::from_str::<serde_json::Value>(&text).is_ok();
        (!is_json).then(|| {
            let ini = IniFile::parse(&path.display().to_string(), &text);
            (path, ini)
        })
    })
}

/// The profile named by the block or the environment, and where it was named.
fn named_profile(
    config: &Value,
    env: &dyn Fn(&str) -> Option<String>,
) -> (Option<String>, Option<String>) {
    (
        nonempty(config.str_attr("profile")),
        first_env(
            env,
            &[
                "ALIBABA_CLOUD_PROFILE",
                "ALICLOUD_PROFILE",
                "ALIBABACLOUD_PROFILE",
            ],
        ),
    )
}

/// The `region_id` of the profile that would be used, for a provider block
/// without `region` (no network; reads the profile file).
pub fn profile_region(config: &Value, env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let path = profile_path(config, env)?;
    let file = ConfigFile::load(&path).ok()?;
    let (block, from_env) = named_profile(config, env);
    let name = block
        .or(from_env)
        .or_else(|| file.current().map(str::to_string))?;
    file.region(&name)
}

/// Resolves the credential of one provider block. With no source at all, or a
/// named source that cannot work, adds ONE error (listing what was tried, in
/// order) and returns `None`.
pub fn resolve(
    config: &Value,
    env: &dyn Fn(&str) -> Option<String>,
    region: &str,
    diags: &mut Diagnostics,
) -> Option<SourceSpec> {
    let ep = endpoints(config, env, region);
    let mut tried: Vec<String> = Vec::new();
    let profile_err = |diags: &mut Diagnostics, path: AttributePath, e: ProfileError| {
        diags.error_at(path, "Cannot use the Alibaba Cloud profile", e.to_string());
    };

    // 1. Arguments of the block.
    let base: Option<SourceSpec> = 'found: {
        let (id, secret) = (
            nonempty(config.str_attr("access_key")),
            nonempty(config.str_attr("secret_key")),
        );
        match (id, secret) {
            (Some(id), Some(secret)) => {
                let mut c = Credentials::new(id, Secret::new(secret));
                if let Some(t) = nonempty(config.str_attr("security_token")) {
                    c = c.with_security_token(t);
                }
                break 'found Some(SourceSpec::Static(c));
            }
            (Some(_), None) | (None, Some(_)) => {
                let missing = if config.str_attr("access_key").is_some() {
                    "secret_key"
                } else {
                    "access_key"
                };
                diags.error_at(
                    AttributePath::root(missing),
                    "Incomplete AccessKey",
                    format!("`access_key` and `secret_key` go together; `{missing}` is not set."),
                );
                return None;
            }
            (None, None) => {
                tried.push("`access_key` and `secret_key` in the provider block: not set".into())
            }
        }
        if let Some(block) = nested(config, "assume_role_with_oidc") {
            match oidc_from(Some(&block), env, &ep) {
                Ok(spec) => break 'found Some(spec),
                Err(message) => {
                    diags.error_at(
                        AttributePath::root("assume_role_with_oidc"),
                        "Incomplete assume_role_with_oidc",
                        message,
                    );
                    return None;
                }
            }
        }
        tried.push("`assume_role_with_oidc` block: absent".into());
        if let Some(name) = nonempty(config.str_attr("profile")) {
            match load_profile(config, env, &name, &ep) {
                Ok(spec) => break 'found Some(spec),
                Err(e) => {
                    profile_err(diags, AttributePath::root("profile"), e);
                    return None;
                }
            }
        }
        tried.push("`profile` argument: not set".into());
        if let Some(uri) = nonempty(config.str_attr("credentials_uri")) {
            break 'found Some(SourceSpec::Uri(uri));
        }
        tried.push("`credentials_uri` argument: not set".into());
        if let Some(role) = nonempty(config.str_attr("ecs_role_name")) {
            break 'found Some(ecs(Some(role), env, &ep, diags)?);
        }
        tried.push("`ecs_role_name` argument: not set".into());

        // 2. The environment.
        let families = KEY_FAMILIES
            .iter()
            .filter_map(|(id, secret, token)| {
                match (first_env(env, &[id]), first_env(env, &[secret])) {
                    (Some(i), Some(s)) => Some((*id, i, s, first_env(env, &[token]))),
                    _ => None,
                }
            })
            .collect::<Vec<_>>();
        if let Some((var, i, s, t)) = families.first() {
            if let Some((other, ..)) = families.iter().find(|f| f.1.trim() != i.trim()) {
                diags.warn(
                    "Two AccessKeys in the environment",
                    format!("{var} and {other} name different AccessKeys; the provider uses {var}'s family."),
                );
            }
            let mut c = Credentials::new(i.trim(), Secret::new(s.trim()));
            if let Some(t) = t {
                c = c.with_security_token(t.trim());
            }
            break 'found Some(SourceSpec::Static(c));
        }
        tried.push(
            "AccessKey variables: none of ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET, ALICLOUD_ACCESS_KEY/ALICLOUD_SECRET_KEY, \
             ALIBABACLOUD_ACCESS_KEY_ID/_SECRET, ALICLOUD_ACCESS_KEY_ID/_SECRET are set"
                .into(),
        );
        let triple = ["ALIBABA_CLOUD_ROLE_ARN", "ALIBABA_CLOUD_OIDC_PROVIDER_ARN"]
            .iter()
            .all(|n| first_env(env, &[n]).is_some())
            && first_env(
                env,
                &["ALIBABA_CLOUD_OIDC_TOKEN_FILE", "ALIBABA_CLOUD_OIDC_TOKEN"],
            )
            .is_some();
        if triple {
            match oidc_from(None, env, &ep) {
                Ok(spec) => break 'found Some(spec),
                Err(message) => {
                    diags.error("Incomplete OIDC environment", message);
                    return None;
                }
            }
        }
        tried.push(
            "OIDC variables: ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN and \
             ALIBABA_CLOUD_OIDC_TOKEN_FILE are not all set"
                .into(),
        );
        let cli_disabled = is_true(env, "ALIBABA_CLOUD_CLI_PROFILE_DISABLED")
            || is_true(env, "ALIBABA_CLOUD_IGNORE_PROFILE");
        if let (_, Some(name)) = named_profile(config, env) {
            let json = (!cli_disabled).then(|| load_profile(config, env, &name, &ep));
            let absent = match &json {
                Some(Ok(spec)) => break 'found Some(spec.clone()),
                Some(Err(ProfileError::FileMissing { .. } | ProfileError::NotFound { .. }))
                | None => true,
                Some(Err(_)) => false,
            };
            // The SDKs also look the name up as a section of their INI file.
            if let Some((path, ini)) = load_ini(env).filter(|(_, f)| absent && f.has(&name)) {
                match ini.resolve(&name, &ep) {
                    Ok(spec) => break 'found Some(spec),
                    Err(m) => {
                        diags.error(
                            "Cannot use the Alibaba Cloud credentials file",
                            format!("{m} ({})", path.display()),
                        );
                        return None;
                    }
                }
            }
            if let Some(Err(e)) = json {
                diags.error(
                    "Cannot use the Alibaba Cloud profile",
                    format!("{e} (named by the environment: ALIBABA_CLOUD_PROFILE, ALICLOUD_PROFILE or ALIBABACLOUD_PROFILE)"),
                );
                return None;
            }
        }
        tried.push("profile variables: ALIBABA_CLOUD_PROFILE, ALICLOUD_PROFILE and ALIBABACLOUD_PROFILE are not set".into());
        if let Some(uri) = first_env(
            env,
            &["ALIBABA_CLOUD_CREDENTIALS_URI", "ALICLOUD_CREDENTIALS_URI"],
        ) {
            if first_env(
                env,
                &["ALIBABA_CLOUD_ECS_METADATA", "ALICLOUD_ECS_ROLE_NAME"],
            )
            .is_some()
            {
                diags.warn(
                    "Two credential sources in the environment",
                    "Both a credentials URI and an ECS role name are set; the credentials URI is used.",
                );
            }
            break 'found Some(SourceSpec::Uri(uri.trim().to_string()));
        }
        tried.push("ALIBABA_CLOUD_CREDENTIALS_URI and ALICLOUD_CREDENTIALS_URI: not set".into());
        if let Some(role) = first_env(
            env,
            &["ALIBABA_CLOUD_ECS_METADATA", "ALICLOUD_ECS_ROLE_NAME"],
        ) {
            break 'found Some(ecs(Some(role.trim().to_string()), env, &ep, diags)?);
        }
        tried.push("ALIBABA_CLOUD_ECS_METADATA and ALICLOUD_ECS_ROLE_NAME: not set".into());

        // 3. The file's current profile.
        match profile_path(config, env) {
            _ if cli_disabled => {
                tried.push(
                "profile file: skipped (ALIBABA_CLOUD_CLI_PROFILE_DISABLED or ALIBABA_CLOUD_IGNORE_PROFILE is true)".into(),
            )
            }
            None => tried.push("profile file: no home directory (HOME) to find it in".into()),
            Some(path) => match ConfigFile::load(&path) {
                Err(e) => tried.push(format!("profile file: {e}")),
                Ok(file) => match file.current() {
                    None => tried.push(format!(
                        "profile file {}: no `current` profile",
                        path.display()
                    )),
                    Some(current) => match file.resolve(current, &ep) {
                        Ok(spec) => break 'found Some(spec),
                        Err(e) => {
                            tried.push(format!("the `current` profile of {}: {e}", path.display()))
                        }
                    },
                },
            },
        }

        // 4. The SDKs' INI credentials file.
        let section = named_profile(config, env)
            .1
            .unwrap_or_else(|| "default".into());
        match load_ini(env) {
            None => tried.push(
                "INI credentials file: ~/.alibabacloud/credentials.ini and ~/.alibabacloud/credentials do not exist".into(),
            ),
            Some((_, ini)) if ini.has(&section) => match ini.resolve(&section, &ep) {
                Ok(spec) => break 'found Some(spec),
                Err(m) => tried.push(format!("INI credentials file: {m}")),
            },
            Some((path, _)) => tried.push(format!(
                "INI credentials file {}: no section [{section}]",
                path.display()
            )),
        }
        None
    };

    let Some(base) = base else {
        let list: Vec<String> = tried
            .iter()
            .enumerate()
            .map(|(i, t)| format!("{}. {t}", i + 1))
            .collect();
        diags.error(
            "No Alibaba Cloud credentials found",
            format!(
                "The provider looked for credentials in this order and found none:\n{}\n\n\
                 Set `access_key` and `secret_key`, `profile`, `assume_role_with_oidc`, `credentials_uri` or \
                 `ecs_role_name` in the provider block, or the matching environment variables.",
                list.join("\n")
            ),
        );
        return None;
    };

    let spec = match nested(config, "assume_role") {
        None => base,
        Some(block) => {
            let role_arn = nonempty(block.str_attr("role_arn")).or_else(|| {
                first_env(env, &["ALICLOUD_ASSUME_ROLE_ARN", "ALIBABA_CLOUD_ROLE_ARN"])
            });
            let Some(role_arn) = role_arn else {
                diags.error_at(
                    AttributePath::root("assume_role"),
                    "Missing role ARN",
                    "`assume_role` needs `role_arn` (or ALICLOUD_ASSUME_ROLE_ARN / ALIBABA_CLOUD_ROLE_ARN).",
                );
                return None;
            };
            let mut params = RoleParams::new(role_arn.trim());
            if let Some(n) = nonempty(block.str_attr("session_name")).or_else(|| {
                first_env(
                    env,
                    &[
                        "ALICLOUD_ASSUME_ROLE_SESSION_NAME",
                        "ALIBABA_CLOUD_ROLE_SESSION_NAME",
                    ],
                )
            }) {
                params.session_name = n.trim().to_string();
            }
            params.duration_seconds = match block.i64_attr("session_expiration") {
                Some(n) => n as u64,
                None => match first_env(env, &["ALICLOUD_ASSUME_ROLE_SESSION_EXPIRATION"]) {
                    Some(v) => match v.trim().parse::<u64>() {
                        Ok(n) if (900..=43200).contains(&n) => n,
                        _ => {
                            diags.error(
                                "Invalid ALICLOUD_ASSUME_ROLE_SESSION_EXPIRATION",
                                format!("{v:?} is not a number of seconds between 900 and 43200."),
                            );
                            return None;
                        }
                    },
                    None => sts::DEFAULT_DURATION,
                },
            };
            params.policy = nonempty(block.str_attr("policy"));
            params.external_id = nonempty(block.str_attr("external_id")).or_else(|| {
                first_env(
                    env,
                    &["ALIBABA_CLOUD_EXTERNAL_ID", "ALIBABACLOUD_EXTERNAL_ID"],
                )
            });
            let endpoint = ep.sts_for(None, false);
            base.assume(params, endpoint)
        }
    };
    log::debug!("credentials: {}", spec.describe());
    Some(spec)
}

fn load_profile(
    config: &Value,
    env: &dyn Fn(&str) -> Option<String>,
    name: &str,
    ep: &Endpoints,
) -> Result<SourceSpec, ProfileError> {
    let path = profile_path(config, env).ok_or_else(|| ProfileError::FileMissing {
        path: "~/.aliyun/config.json (no HOME)".into(),
    })?;
    let file = ConfigFile::load(&path)?;
    let spec = file.resolve(name, ep).map_err(|e| match e {
        ProfileError::UnsupportedMode { name, mode, hint }
            if matches!(mode.to_ascii_lowercase().as_str(), "oauth" | "cloudsso") =>
        {
            ProfileError::UnsupportedMode {
                name,
                mode,
                hint: format!(
                    "{hint}, or the provider's `assume_role` / `assume_role_with_oidc` arguments"
                ),
            }
        }
        other => other,
    })?;
    let external = match spec {
        SourceSpec::Process(_) => Some("External"),
        SourceSpec::Uri(_) => Some("CredentialsURI"),
        _ => None,
    };
    if let Some(mode) = external {
        let disabled = env("ALIBABA_CLOUD_DISABLE_EXTERNAL_PROCESS")
            .is_some_and(|x| matches!(x.trim().to_ascii_lowercase().as_str(), "1" | "true"));
        if disabled {
            return Err(ProfileError::Invalid {
                name: name.into(),
                mode: mode.into(),
                message: "external credential sources are disabled (ALIBABA_CLOUD_DISABLE_EXTERNAL_PROCESS)".into(),
            });
        }
    }
    if let SourceSpec::EcsRamRole { .. } = spec {
        if is_true(env, "ALIBABA_CLOUD_ECS_METADATA_DISABLED") {
            return Err(ProfileError::Invalid {
                name: name.into(),
                mode: "EcsRamRole".into(),
                message:
                    "the instance metadata is disabled (ALIBABA_CLOUD_ECS_METADATA_DISABLED=true)"
                        .into(),
            });
        }
    }
    Ok(spec)
}

fn ecs(
    role: Option<String>,
    env: &dyn Fn(&str) -> Option<String>,
    ep: &Endpoints,
    diags: &mut Diagnostics,
) -> Option<SourceSpec> {
    if is_true(env, "ALIBABA_CLOUD_ECS_METADATA_DISABLED") {
        diags.error_at(
            AttributePath::root("ecs_role_name"),
            "Instance metadata disabled",
            "An ECS RAM role was asked for, but ALIBABA_CLOUD_ECS_METADATA_DISABLED=true forbids reading the instance metadata.",
        );
        return None;
    }
    Some(SourceSpec::EcsRamRole {
        role_name: role,
        metadata_endpoint: ep.metadata.clone(),
        imds_v1_disabled: ep.imds_v1_disabled,
    })
}

/// The OIDC source from the block (fields falling back to the environment) or
/// from the environment alone.
fn oidc_from(
    block: Option<&Value>,
    env: &dyn Fn(&str) -> Option<String>,
    ep: &Endpoints,
) -> Result<SourceSpec, String> {
    let get = |attr: &str, var: &str| {
        block
            .and_then(|b| nonempty(b.str_attr(attr)))
            .or_else(|| first_env(env, &[var]).map(|v| v.trim().to_string()))
    };
    let provider_arn = get("oidc_provider_arn", "ALIBABA_CLOUD_OIDC_PROVIDER_ARN")
        .ok_or("`oidc_provider_arn` is not set (nor ALIBABA_CLOUD_OIDC_PROVIDER_ARN)")?;
    let role_arn = get("role_arn", "ALIBABA_CLOUD_ROLE_ARN")
        .ok_or("`role_arn` is not set (nor ALIBABA_CLOUD_ROLE_ARN)")?;
    let token = match get("oidc_token", "ALIBABA_CLOUD_OIDC_TOKEN") {
        Some(t) => OidcToken::Literal(Secret::new(t)),
        None => OidcToken::File(
            get("oidc_token_file", "ALIBABA_CLOUD_OIDC_TOKEN_FILE").ok_or(
                "neither `oidc_token` nor `oidc_token_file` is set (nor ALIBABA_CLOUD_OIDC_TOKEN / ALIBABA_CLOUD_OIDC_TOKEN_FILE)",
            )?,
        ),
    };
    let mut params = RoleParams::new(role_arn);
    if let Some(n) = get("role_session_name", "ALIBABA_CLOUD_ROLE_SESSION_NAME") {
        params.session_name = n;
    }
    if let Some(b) = block {
        params.policy = nonempty(b.str_attr("policy"));
        if let Some(n) = b.i64_attr("session_expiration") {
            params.duration_seconds = n as u64;
        }
    }
    Ok(SourceSpec::Oidc {
        provider_arn,
        token,
        params,
        sts_endpoint: ep.sts_for(None, false),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, HashMap};

    fn config(pairs: &[(&str, Value)]) -> Value {
        let schema = crate::resources::provider_config::schema();
        let mut m: BTreeMap<String, Value> = schema
            .block
            .attributes
            .keys()
            .map(|k| (k.clone(), Value::Null))
            .collect();
        for block in schema.block.blocks.keys() {
            m.insert(block.clone(), Value::List(vec![]));
        }
        for (k, v) in pairs {
            m.insert(k.to_string(), v.clone());
        }
        Value::Object(m)
    }

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| m.get(k).cloned()
    }

    fn describe(config: &Value, vars: &[(&str, &str)]) -> String {
        let mut d = Diagnostics::new();
        let e = env(vars);
        match resolve(config, &e, "cn-hangzhou", &mut d) {
            Some(s) => s.describe(),
            None => format!(
                "error: {}",
                d.0.iter()
                    .map(|x| format!("{} {}", x.summary, x.detail))
                    .collect::<Vec<_>>()
                    .join(" | ")
            ),
        }
    }

    #[test]
    fn the_block_beats_the_environment_and_families_are_not_mixed() {
        let block = config(&[("credentials_uri", "http://x/c".into())]);
        assert_eq!(
            describe(
                &block,
                &[
                    ("ALIBABA_CLOUD_ACCESS_KEY_ID", "a"),
                    ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "b")
                ]
            ),
            "credentials URI http://x/c"
        );
        // ALIBABA_CLOUD_* has no secret, so the whole ALICLOUD_* family is used (no token there).
        let mut d = Diagnostics::new();
        let vars = env(&[
            ("ALIBABA_CLOUD_ACCESS_KEY_ID", "a"),
            ("ALIBABA_CLOUD_SECURITY_TOKEN", "t"),
            ("ALICLOUD_ACCESS_KEY", "legacy"),
            ("ALICLOUD_SECRET_KEY", "s"),
        ]);
        match resolve(&config(&[]), &vars, "cn-hangzhou", &mut d).unwrap() {
            SourceSpec::Static(c) => {
                assert_eq!(c.access_key_id, "legacy");
                assert!(c.security_token.is_none());
            }
            other => panic!("{other:?}"),
        }
        assert!(d.0.is_empty(), "{:?}", d.0);
        // Two families naming different keys: the first wins, with a warning.
        let mut d = Diagnostics::new();
        let vars = env(&[
            ("ALIBABA_CLOUD_ACCESS_KEY_ID", "a"),
            ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "s1"),
            ("ALICLOUD_ACCESS_KEY", "b"),
            ("ALICLOUD_SECRET_KEY", "s2"),
        ]);
        resolve(&config(&[]), &vars, "cn-hangzhou", &mut d).unwrap();
        assert!(!d.has_errors());
        assert!(
            d.0[0]
                .detail
                .contains("ALIBABA_CLOUD_ACCESS_KEY_ID and ALICLOUD_ACCESS_KEY"),
            "{:?}",
            d.0
        );
    }

    #[test]
    fn assume_role_wraps_the_source_and_oidc_comes_from_the_env_triple() {
        let role = Value::List(vec![Value::object([
            ("role_arn", Value::from("acs:ram::1:role/deploy")),
            ("session_name", Value::Null),
            ("policy", Value::Null),
            ("session_expiration", Value::Null),
            ("external_id", Value::Null),
        ])]);
        let c = config(&[("ecs_role_name", "runner".into()), ("assume_role", role)]);
        assert_eq!(
            describe(&c, &[]),
            "AssumeRole acs:ram::1:role/deploy over ECS RAM role runner"
        );
        assert_eq!(
            describe(
                &config(&[]),
                &[
                    ("ALIBABA_CLOUD_ROLE_ARN", "acs:ram::1:role/ci"),
                    (
                        "ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
                        "acs:ram::1:oidc-provider/gh"
                    ),
                    ("ALIBABA_CLOUD_OIDC_TOKEN_FILE", "/tmp/token"),
                ]
            ),
            "AssumeRoleWithOIDC acs:ram::1:role/ci"
        );
    }

    #[test]
    fn sts_endpoint_precedence_and_metadata_address() {
        let sts_block = Value::List(vec![Value::object([
            ("eci", Value::Null),
            ("ecs", Value::Null),
            ("sts", Value::from("http://block:1")),
        ])]);
        let e = |c: &Value, vars: &[(&str, &str)]| endpoints(c, &env(vars), "cn-hangzhou");
        let both = config(&[
            ("sts_endpoint", "sts.example.com".into()),
            ("endpoints", sts_block.clone()),
        ]);
        assert_eq!(
            e(&both, &[]).sts_override.as_deref(),
            Some("https://sts.example.com")
        );
        let block = config(&[("endpoints", sts_block)]);
        assert_eq!(
            e(&block, &[("ALIBABA_CLOUD_STS_ENDPOINT", "http://env:2")])
                .sts_override
                .as_deref(),
            Some("http://block:1")
        );
        let none = config(&[]);
        assert_eq!(
            e(&none, &[("ALIBABA_CLOUD_STS_ENDPOINT", "http://env:2/")])
                .sts_override
                .as_deref(),
            Some("http://env:2")
        );
        let d = e(
            &none,
            &[
                ("ALIBABA_CLOUD_STS_REGION", "cn-shanghai"),
                ("ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED", "TRUE"),
            ],
        );
        assert_eq!(
            (d.sts_override, d.sts_default.as_str()),
            (None, "https://sts-vpc.cn-shanghai.aliyuncs.com")
        );
        let d = e(&none, &[]);
        assert_eq!(d.sts_default, "https://sts.cn-hangzhou.aliyuncs.com");
        assert_eq!(d.metadata, "http://100.100.100.200");
        assert!(!d.imds_v1_disabled);
        let d = e(
            &none,
            &[
                (METADATA_ENDPOINT_ENV, "http://127.0.0.1:9/"),
                ("ALIBABA_CLOUD_IMDSV1_DISABLED", "true"),
            ],
        );
        assert_eq!(d.metadata, "http://127.0.0.1:9");
        assert!(d.imds_v1_disabled);
        assert_eq!(
            endpoints(&none, &env(&[]), "xx-nowhere-1").sts_default,
            "https://sts.aliyuncs.com"
        );
    }

    #[test]
    fn nothing_anywhere_is_one_error_listing_every_place_in_order() {
        let mut d = Diagnostics::new();
        let home = tempfile::tempdir().unwrap();
        let vars = env(&[("HOME", home.path().to_str().unwrap())]);
        assert!(resolve(&config(&[]), &vars, "cn-hangzhou", &mut d).is_none());
        assert_eq!(d.0.len(), 1, "{:?}", d.0);
        let detail = &d.0[0].detail;
        let order = [
            "`access_key`",
            "assume_role_with_oidc",
            "`profile`",
            "`credentials_uri`",
            "`ecs_role_name`",
            "ALIBABA_CLOUD_ACCESS_KEY_ID",
            "ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
            "ALIBABA_CLOUD_PROFILE",
            "ALIBABA_CLOUD_CREDENTIALS_URI",
            "ALIBABA_CLOUD_ECS_METADATA",
            "config.json does not exist",
        ];
        let mut at = 0;
        for needle in order {
            let found = detail[at..]
                .find(needle)
                .unwrap_or_else(|| panic!("{needle} not in order in:\n{detail}"));
            at += found;
        }
    }

    #[test]
    fn the_ini_file_comes_after_the_json_profiles() {
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(home.path().join(".alibabacloud")).unwrap();
        std::fs::write(
            home.path().join(".alibabacloud/credentials"),
            "[default]\ntype = access_key\naccess_key_id = iniid\naccess_key_secret = s\n\
             [ecs]\ntype = ecs_ram_role\nrole_name = Runner\n",
        )
        .unwrap();
        let h = home.path().to_str().unwrap();
        assert_eq!(describe(&config(&[]), &[("HOME", h)]), "static AccessKey");
        // A name the (absent) JSON file lacks is looked up as an INI section.
        assert_eq!(
            describe(
                &config(&[]),
                &[("HOME", h), ("ALIBABA_CLOUD_PROFILE", "ecs")]
            ),
            "ECS RAM role Runner"
        );
        // A name in neither is the JSON file's error.
        let out = describe(
            &config(&[]),
            &[("HOME", h), ("ALIBABA_CLOUD_PROFILE", "nope")],
        );
        assert!(out.contains("does not exist"), "{out}");
        // ALIBABA_CLOUD_CREDENTIALS_FILE pointing at an INI file.
        let other = home.path().join("other.ini");
        std::fs::write(
            &other,
            "[default]\ntype = access_key\naccess_key_id = other\naccess_key_secret = s\n",
        )
        .unwrap();
        let mut d = Diagnostics::new();
        let vars = env(&[
            ("HOME", h),
            ("ALIBABA_CLOUD_CREDENTIALS_FILE", other.to_str().unwrap()),
        ]);
        match resolve(&config(&[]), &vars, "cn-hangzhou", &mut d).unwrap() {
            SourceSpec::Static(c) => assert_eq!(c.access_key_id, "other"),
            spec => panic!("{spec:?}"),
        }
    }

    #[test]
    fn the_current_profile_is_used_last_and_a_named_missing_one_is_an_error() {
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(home.path().join(".aliyun")).unwrap();
        std::fs::write(
            home.path().join(".aliyun/config.json"),
            r#"{"current": "dev", "profiles": [{"name": "dev", "mode": "AK", "access_key_id": "devid", "access_key_secret": "s", "region_id": "cn-shanghai"}]}"#,
        )
        .unwrap();
        let h = home.path().to_str().unwrap();
        assert_eq!(describe(&config(&[]), &[("HOME", h)]), "static AccessKey");
        assert_eq!(
            profile_region(&config(&[]), &env(&[("HOME", h)])).as_deref(),
            Some("cn-shanghai")
        );
        let out = describe(&config(&[("profile", "prod".into())]), &[("HOME", h)]);
        assert!(
            out.starts_with("error: Cannot use the Alibaba Cloud profile")
                && out.contains("\"prod\""),
            "{out}"
        );
    }
}
