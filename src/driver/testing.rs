//! A fake provider for the driver's tests: one resource (`fake_thing`) exercising
//! every schema behaviour, one data source (`fake_info`), and knobs to make
//! operations fail or the remote object vanish.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::objects::null_object;
use super::Driver;
use crate::tf::protocol::{ConfigureProviderRequest, DynamicValue, ProviderServer};
use crate::tf::provider::{Cx, DataSource, Existence, PlanChange, Provider, Resource};
use crate::tf::schema::{Attribute, Block, Nesting, Schema};
use crate::tf::validators::{IntBetween, OneOf, StringLength};
use crate::tf::{msgpack, AttributePath, Diagnostics, Type, Value};

/// What the fake resource's `create` does.
#[derive(Debug, Default, Clone, Copy)]
pub enum CreateOutcome {
    /// Succeeds.
    #[default]
    Ok,
    /// Records the ID, then fails (the object exists remotely).
    FailAfterId,
    /// Fails before any object exists.
    FailBeforeId,
}

/// Knobs and a call log shared between a test and the fake resource.
#[derive(Debug, Default)]
pub struct Knobs {
    pub create: CreateOutcome,
    pub fail_update: bool,
    pub fail_delete: bool,
    pub fail_read: bool,
    pub gone: bool,
    /// `op` of every call, in order.
    pub calls: Vec<&'static str>,
    /// The timeout each call received.
    pub timeouts: Vec<Option<Duration>>,
    /// The write-only `password` as create/update saw it in the configuration.
    pub password_seen: Option<String>,
}

pub struct FakeClient;

#[derive(Default)]
pub struct FakeResource {
    pub knobs: Mutex<Knobs>,
}

impl FakeResource {
    fn record(&self, op: &'static str, cx: &Cx<FakeClient>) {
        let mut k = self.knobs.lock().unwrap();
        k.calls.push(op);
        k.timeouts.push(cx.timeout);
    }
    fn knobs(&self) -> std::sync::MutexGuard<'_, Knobs> {
        self.knobs.lock().unwrap()
    }
}

pub fn thing_schema() -> Schema {
    let a = |a: Attribute| a.doc("Test attribute.");
    let cred = Block::new("A credential.")
        .attr(
            "server",
            a(Attribute::required(Type::String)).validate(StringLength(1, 100)),
        )
        .attr("user", a(Attribute::optional(Type::String)))
        .attr("token", a(Attribute::computed(Type::String)));
    let rule = Block::new("A rule.")
        .attr(
            "port",
            a(Attribute::required(Type::Number))
                .validate(IntBetween(1, 65535))
                .replace_on_change(),
        )
        .attr(
            "proto",
            a(Attribute::optional_computed(Type::String)).default_value("tcp"),
        )
        .attr("rule_id", a(Attribute::computed(Type::String)));
    let block = Block::new("A fake thing.")
        .attr("id", a(Attribute::computed(Type::String)).stable())
        .attr(
            "name",
            a(Attribute::required(Type::String)).validate(StringLength(1, 50)),
        )
        .attr(
            "zone",
            a(Attribute::optional(Type::String)).replace_on_change(),
        )
        .attr(
            "image",
            a(Attribute::optional(Type::String)).replace_unless_adopting(),
        )
        .attr(
            "size",
            a(Attribute::optional_computed(Type::Number)).default_value(20i64),
        )
        .attr("status", a(Attribute::computed(Type::String)))
        .attr("arn", a(Attribute::computed(Type::String)).stable())
        .attr(
            "revision",
            a(Attribute::computed(Type::String)).changed_by(&["tags", "rule"]),
        )
        .attr(
            "password",
            a(Attribute::optional(Type::String))
                .write_only()
                .sensitive()
                .validate(StringLength(1, 10)),
        )
        .attr("tags", a(Attribute::optional(Type::map(Type::String))))
        .attr(
            "legacy",
            a(Attribute::optional(Type::String)).deprecated("Use `name`."),
        )
        .block("cred", Nesting::Set, cred)
        .block_limited("rule", Nesting::List, rule, 0, 3);
    let m = |n| Duration::from_secs(n);
    Schema::new(block).with_timeouts(&[
        ("create", m(60)),
        ("update", m(120)),
        ("delete", m(180)),
        ("read", m(30)),
    ])
}

#[async_trait::async_trait]
impl Resource<FakeClient> for FakeResource {
    fn type_name(&self) -> &'static str {
        "fake_thing"
    }
    fn schema(&self) -> Schema {
        thing_schema()
    }
    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        if config.str_attr("name") == Some("invalid") {
            diags.error("Invalid name", "The fake refuses this name.");
        }
    }
    fn modify_plan(&self, plan: PlanChange<'_>) {
        if plan.prior.is_some() && plan.config.str_attr("name") == Some("hook") {
            let rr = plan.requires_replace;
            rr.extend([
                AttributePath::root("zone"),
                AttributePath::root("name"),
                AttributePath::root("zone"),
            ]);
        }
    }
    async fn create(
        &self,
        cx: &Cx<FakeClient>,
        config: &Value,
        state: &mut Value,
        diags: &mut Diagnostics,
    ) {
        self.record("create", cx);
        let outcome = self.knobs().create;
        self.knobs().password_seen = config.str_attr("password").map(str::to_string);
        if let CreateOutcome::FailBeforeId = outcome {
            diags.error("Create failed", "before the ID");
            return;
        }
        state.set_attr("id", "thing-1");
        state.set_attr("arn", "arn:thing-1");
        if let CreateOutcome::FailAfterId = outcome {
            diags.error("Create failed", "after the ID");
            return;
        }
        fill_computed(state, "ready");
    }
    async fn read(
        &self,
        cx: &Cx<FakeClient>,
        state: &mut Value,
        diags: &mut Diagnostics,
    ) -> Existence {
        self.record("read", cx);
        if self.knobs().fail_read {
            state.set_attr("status", "garbage");
            diags.error("Read failed", "boom");
            return Existence::Exists;
        }
        if self.knobs().gone {
            return Existence::Gone;
        }
        state.set_attr("status", "ready");
        Existence::Exists
    }
    async fn update(
        &self,
        cx: &Cx<FakeClient>,
        _prior: &Value,
        config: &Value,
        state: &mut Value,
        diags: &mut Diagnostics,
    ) {
        self.record("update", cx);
        self.knobs().password_seen = config.str_attr("password").map(str::to_string);
        if self.knobs().fail_update {
            state.set_attr("status", "half-done");
            diags.error("Update failed", "boom");
            return;
        }
        fill_computed(state, "updated");
    }
    async fn delete(&self, cx: &Cx<FakeClient>, _state: &Value, diags: &mut Diagnostics) {
        self.record("delete", cx);
        if self.knobs().fail_delete {
            diags.error("Delete failed", "boom");
        }
    }
}

/// What the fake API returns: a status, and IDs for rules and tokens for credentials.
fn fill_computed(state: &mut Value, status: &str) {
    state.set_attr("status", status);
    if let Some(Value::List(rules)) = state.attr_mut("rule") {
        for r in rules {
            let id = format!("r-{}", r.i64_attr("port").unwrap_or(0));
            r.set_attr("rule_id", id);
        }
    }
    if let Some(Value::Set(creds)) = state.attr_mut("cred") {
        for c in creds {
            let token = format!("tok-{}", c.str_attr("server").unwrap_or(""));
            c.set_attr("token", token);
        }
    }
}

pub struct FakeInfo;

pub fn info_schema() -> Schema {
    Schema::new(
        Block::new("Fake information.")
            .attr(
                "name",
                Attribute::required(Type::String)
                    .doc("Name.")
                    .validate(StringLength(1, 10)),
            )
            .attr("value", Attribute::computed(Type::String).doc("Value."))
            .attr(
                "later",
                Attribute::computed(Type::String).doc("Left unknown by the fake."),
            ),
    )
}

#[async_trait::async_trait]
impl DataSource<FakeClient> for FakeInfo {
    fn type_name(&self) -> &'static str {
        "fake_info"
    }
    fn schema(&self) -> Schema {
        info_schema()
    }
    async fn read(&self, _cx: &Cx<FakeClient>, state: &mut Value, diags: &mut Diagnostics) {
        let name = state.str_attr("name").unwrap_or_default().to_string();
        if name == "missing" {
            diags.error("Not found", "No such thing.");
            return;
        }
        state.set_attr("value", format!("v-{name}"));
        state.set_attr("later", Value::Unknown);
    }
}

pub struct FakeProvider {
    pub thing: Arc<FakeResource>,
}

#[async_trait::async_trait]
impl Provider for FakeProvider {
    type Client = FakeClient;
    fn schema(&self) -> Schema {
        let region = Attribute::optional(Type::String)
            .doc("Region.")
            .validate(OneOf(&["cn-hangzhou", "cn-beijing"]));
        Schema::new(Block::new("The fake provider.").attr("region", region))
    }
    async fn configure(&self, config: &Value, diags: &mut Diagnostics) -> Option<FakeClient> {
        if config.str_attr("region") == Some("cn-beijing") {
            diags.error("Configuration refused", "The fake refuses cn-beijing.");
            return None;
        }
        Some(FakeClient)
    }
    fn resources(&self) -> Vec<Arc<dyn Resource<FakeClient>>> {
        vec![self.thing.clone()]
    }
    fn data_sources(&self) -> Vec<Arc<dyn DataSource<FakeClient>>> {
        vec![Arc::new(FakeInfo)]
    }
}

/// An unconfigured driver over the fake provider, and the fake resource's handle.
pub fn driver() -> (Driver<FakeProvider>, Arc<FakeResource>) {
    let thing = Arc::new(FakeResource::default());
    (
        Driver::new(FakeProvider {
            thing: thing.clone(),
        }),
        thing,
    )
}

/// A configured driver.
pub async fn configured() -> (Driver<FakeProvider>, Arc<FakeResource>) {
    let (d, thing) = driver();
    let diags = d.configure_provider(provider_config(Value::Null)).await;
    assert!(diags.is_empty(), "{diags:?}");
    (d, thing)
}

pub fn provider_config(region: Value) -> ConfigureProviderRequest {
    let ty = Type::object([("region", Type::String)]);
    let config = msgpack::encode(&Value::object([("region", region)]), &ty).unwrap();
    ConfigureProviderRequest {
        config: DynamicValue::msgpack(config),
        ..Default::default()
    }
}

/// A `fake_thing` object: nulls (empty blocks) except `attrs`.
pub fn thing(attrs: &[(&str, Value)]) -> Value {
    let mut v = null_object(&thing_schema().block);
    for (k, a) in attrs {
        v.set_attr(k, a.clone());
    }
    v
}

pub fn cred(server: &str, user: Option<&str>) -> Value {
    Value::object([
        ("server", server.into()),
        ("user", user.into()),
        ("token", Value::Null),
    ])
}

pub fn rule(port: i64, proto: Option<&str>) -> Value {
    Value::object([
        ("port", port.into()),
        ("proto", proto.into()),
        ("rule_id", Value::Null),
    ])
}

/// Encodes a `fake_thing` value.
pub fn dv(v: &Value) -> DynamicValue {
    DynamicValue::msgpack(msgpack::encode(v, &thing_schema().value_type()).unwrap())
}

/// Decodes a `fake_thing` value.
pub fn undv(dv: &DynamicValue) -> Value {
    msgpack::decode(&dv.msgpack, &thing_schema().value_type()).unwrap()
}

/// A `fake_info` configuration.
pub fn info_dv(name: Value) -> DynamicValue {
    let v = Value::object([
        ("name", name),
        ("value", Value::Null),
        ("later", Value::Null),
    ]);
    DynamicValue::msgpack(msgpack::encode(&v, &info_schema().value_type()).unwrap())
}

/// The attribute paths of the diagnostics, in order.
pub fn paths(d: &Diagnostics) -> Vec<String> {
    d.iter()
        .filter_map(|d| d.attribute.as_ref().map(|p| p.to_string()))
        .collect()
}

/// Terraform's proposed new state: configuration, with prior values for computed
/// attributes the configuration leaves null (set elements matched on their
/// configurable attributes, as Terraform does).
pub fn proposed(block: &Block, prior: &Value, config: &Value) -> Value {
    if config.is_null() || config.is_unknown() {
        return config.clone();
    }
    let mut out = BTreeMap::new();
    for (name, a) in &block.attributes {
        let c = config.attr(name);
        let v = if a.is_computed() && c.is_null() {
            prior.attr(name)
        } else {
            c
        };
        out.insert(name.clone(), v.clone());
    }
    for (name, nb) in &block.blocks {
        let (c, p) = (config.attr(name), prior.attr(name));
        let prior_elems = p.as_list().unwrap_or(&[]);
        let elems = c.as_list().unwrap_or(&[]).iter();
        let v = match nb.nesting {
            Nesting::Single => proposed(&nb.block, p, c),
            Nesting::List => Value::List(
                elems
                    .enumerate()
                    .map(|(i, e)| {
                        proposed(&nb.block, prior_elems.get(i).unwrap_or(&Value::Null), e)
                    })
                    .collect(),
            ),
            Nesting::Set => Value::Set(
                elems
                    .map(|e| {
                        let same = |p: &&Value| {
                            nb.block
                                .attributes
                                .iter()
                                .all(|(k, a)| a.is_computed() || p.attr(k) == e.attr(k))
                        };
                        proposed(
                            &nb.block,
                            prior_elems.iter().find(same).unwrap_or(&Value::Null),
                            e,
                        )
                    })
                    .collect(),
            ),
        };
        out.insert(
            name.clone(),
            if c.is_unknown() { Value::Unknown } else { v },
        );
    }
    Value::Object(out)
}
