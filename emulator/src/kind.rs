//! What a stored object kind declares, and the one table that registers the
//! kinds.
//!
//! A kind (image cache, data cache, image template, execution) is a module with
//! a plain state machine and its handlers. It joins the emulator by
//! implementing [`Kind`] and taking one line in the `registry!` invocation at
//! the end of this file; everything else is written once over the trait:
//!
//! | Concern | Declared by the kind | Written once in |
//! |---|---|---|
//! | routes | [`Kind::ROUTES`] | [`crate::routes::find`] |
//! | state | its struct, stored in [`Objects`] in creation order | [`Objects`] |
//! | inspection | [`Kind::STATE_KEY`], its `Serialize`, [`Kind::seeded`] | [`Objects::state`] |
//! | tags | [`Kind::TAGGING`], [`Kind::tags_mut`] | [`crate::tag_api`] |
//! | clock | [`Kind::advance`], [`Kind::gone`] | [`Objects::sweep`] |
//! | drift | [`Kind::id`], [`Kind::owner_id`], [`Kind::patch`] | [`Objects::delete`], [`Objects::patch`] |
//! | reset | [`Kind::reset`] | [`Objects::reset`] |

use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::clock::Millis;
use crate::routes::Route;
use crate::tags::Tag;
use crate::world::Settings;

/// How the generic tag APIs reach a kind: `TagResources`, `UntagResources`
/// and `ListTagResources` of API `version` with `ResourceType=resource_type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tagging {
    /// API version whose tag actions serve the kind.
    pub version: &'static str,
    /// The `ResourceType` value naming the kind.
    pub resource_type: &'static str,
}

/// A kind of stored object: one state machine plus what the world needs to
/// route to it, show it, tag it, advance it, drift it and reset it.
pub trait Kind: Serialize + Sized {
    /// Key of the kind's list in `GET /_emulator/state`.
    const STATE_KEY: &'static str;
    /// The API actions served by the kind's handlers.
    const ROUTES: &'static [Route];
    /// Whether (and how) the generic tag APIs reach the kind.
    const TAGGING: Option<Tagging> = None;

    /// The object's id (`imc-…`, `ip-…`).
    fn id(&self) -> &str;
    /// Creation order.
    fn seq(&self) -> u64;
    /// Region.
    fn region_id(&self) -> &str;
    /// Id of the object this one belongs to: removing that object out of band
    /// removes this one too (an execution belongs to its template).
    fn owner_id(&self) -> Option<&str> {
        None
    }
    /// The tag set the tag APIs act on (the same one Describe returns).
    fn tags_mut(&mut self) -> &mut Vec<Tag>;
    /// Advance the state machine to `now` (pure: derived from stored times).
    fn advance(&mut self, _now: Millis, _settings: &Settings) {}
    /// Whether the sweep removes the object (expired, retention over).
    fn gone(&self, _now: Millis, _settings: &Settings) -> bool {
        false
    }
    /// Overwrite one Describe-named field (`PATCH /_emulator/objects/{id}`).
    fn patch(&mut self, field: &str, value: &Value, now: Millis) -> Result<(), String>;
    /// Whether the object was seeded through the emulator's own API rather
    /// than created through the cloud API (shown as `"seeded": true`).
    fn seeded(&self) -> bool {
        false
    }
    /// What `POST /_emulator/reset` does to the kind's objects.
    fn reset(all: &mut Vec<Self>) {
        all.clear();
    }
}

/// Implements [`Kind::id`] (from the named field), [`Kind::seq`],
/// [`Kind::region_id`] and [`Kind::tags_mut`] (from the fields `seq`,
/// `region_id` and `tags`) inside an `impl Kind` block.
macro_rules! stored_fields {
    ($id:ident) => {
        fn id(&self) -> &str {
            &self.$id
        }
        fn seq(&self) -> u64 {
            self.seq
        }
        fn region_id(&self) -> &str {
            &self.region_id
        }
        fn tags_mut(&mut self) -> &mut Vec<$crate::tags::Tag> {
            &mut self.tags
        }
    };
}
pub(crate) use stored_fields;

/// `(seq, id, &mut tags)` of the objects a tag API acts on.
pub type TagSets<'a> = Vec<(u64, String, &'a mut Vec<Tag>)>;

/// What the registry knows of a kind without an object at hand.
#[derive(Clone, Copy, Debug)]
pub struct KindInfo {
    /// [`Kind::STATE_KEY`].
    pub state_key: &'static str,
    /// [`Kind::ROUTES`].
    pub routes: &'static [Route],
    /// [`Kind::TAGGING`].
    pub tagging: Option<Tagging>,
}

impl KindInfo {
    const fn of<K: Kind>() -> Self {
        KindInfo {
            state_key: K::STATE_KEY,
            routes: K::ROUTES,
            tagging: K::TAGGING,
        }
    }
}

/// An operation on one kind's objects, applied to every kind in turn.
pub trait Visit {
    /// Look at the objects of kind `K`.
    fn visit<K: Kind>(&mut self, all: &[K]);
}

/// A mutating operation on one kind's objects, applied to every kind in turn.
/// `'a` lets a visitor keep borrows of the objects (the tag APIs do).
pub trait VisitMut<'a> {
    /// Change the objects of kind `K`.
    fn visit<K: Kind>(&mut self, all: &'a mut Vec<K>);
}

/// Declares [`Objects`] (one `Vec` per kind, in creation order) and
/// [`KINDS`] from `field: Type` pairs.
macro_rules! registry {
    ($($field:ident: $kind:ty),+ $(,)?) => {
        /// Every stored object: one list per registered kind, in creation order.
        #[derive(Debug, Default)]
        pub struct Objects {
            $(
                #[doc = concat!("The `", stringify!($field), "` kind, in creation order.")]
                pub $field: Vec<$kind>,
            )+
        }

        impl Objects {
            /// Apply `v` to every kind, in registration order.
            pub fn each(&self, v: &mut impl Visit) {
                $(v.visit(&self.$field);)+
            }

            /// Apply `v` to every kind, in registration order.
            pub fn each_mut<'a>(&'a mut self, v: &mut impl VisitMut<'a>) {
                $(v.visit(&mut self.$field);)+
            }
        }

        /// Every registered kind, in registration order.
        pub static KINDS: &[KindInfo] = &[$(KindInfo::of::<$kind>()),+];
    };
}

// The one place a kind is registered: `field of Objects: type implementing Kind`.
registry! {
    image_caches: crate::eci::image_cache::ImageCache,
    data_caches: crate::eci::data_cache::DataCache,
    pipelines: crate::ecs::image_pipeline::ImagePipeline,
    executions: crate::ecs::image_pipeline::Execution,
}

impl Objects {
    /// Advance every state machine to `now` and drop the objects that are gone.
    pub fn sweep(&mut self, now: Millis, settings: &Settings) {
        struct Sweep<'s>(Millis, &'s Settings);
        impl<'a> VisitMut<'a> for Sweep<'_> {
            fn visit<K: Kind>(&mut self, all: &'a mut Vec<K>) {
                for o in all.iter_mut() {
                    o.advance(self.0, self.1);
                }
                all.retain(|o| !o.gone(self.0, self.1));
            }
        }
        self.each_mut(&mut Sweep(now, settings));
    }

    /// Apply every kind's [`Kind::reset`].
    pub fn reset(&mut self) {
        struct Reset;
        impl<'a> VisitMut<'a> for Reset {
            fn visit<K: Kind>(&mut self, all: &'a mut Vec<K>) {
                K::reset(all);
            }
        }
        self.each_mut(&mut Reset);
    }

    /// Objects of every kind created through the cloud API (seeded ones left out).
    pub fn count_unseeded(&self) -> usize {
        struct Count(usize);
        impl Visit for Count {
            fn visit<K: Kind>(&mut self, all: &[K]) {
                self.0 += all.iter().filter(|o| !o.seeded()).count();
            }
        }
        let mut c = Count(0);
        self.each(&mut c);
        c.0
    }

    /// Remove the object `id` of any kind, and every object it owns.
    /// Whether anything was removed.
    pub fn delete(&mut self, id: &str) -> bool {
        struct Delete<'i>(&'i str, bool);
        impl<'a> VisitMut<'a> for Delete<'_> {
            fn visit<K: Kind>(&mut self, all: &'a mut Vec<K>) {
                let before = all.len();
                all.retain(|o| o.id() != self.0 && o.owner_id() != Some(self.0));
                self.1 |= all.len() != before;
            }
        }
        let mut d = Delete(id, false);
        self.each_mut(&mut d);
        d.1
    }

    /// Overwrite fields of the object `id` of any kind: `None` if no such id,
    /// else the first invalid field's message or success.
    pub fn patch(
        &mut self,
        id: &str,
        fields: &Map<String, Value>,
        now: Millis,
    ) -> Option<Result<(), String>> {
        struct Patch<'p> {
            id: &'p str,
            fields: &'p Map<String, Value>,
            now: Millis,
            done: Option<Result<(), String>>,
        }
        impl<'a> VisitMut<'a> for Patch<'_> {
            fn visit<K: Kind>(&mut self, all: &'a mut Vec<K>) {
                if self.done.is_some() {
                    return;
                }
                if let Some(o) = all.iter_mut().find(|o| o.id() == self.id) {
                    self.done = Some(
                        self.fields
                            .iter()
                            .try_for_each(|(k, v)| o.patch(k, v, self.now)),
                    );
                }
            }
        }
        let mut p = Patch {
            id,
            fields,
            now,
            done: None,
        };
        self.each_mut(&mut p);
        p.done
    }

    /// The inspection document: every object with every field under its
    /// kind's [`Kind::STATE_KEY`]; seeded objects carry `"seeded": true`.
    pub fn state(&self) -> Map<String, Value> {
        struct State(Map<String, Value>);
        impl Visit for State {
            fn visit<K: Kind>(&mut self, all: &[K]) {
                let list = all
                    .iter()
                    .map(|o| {
                        let mut v = json!(o);
                        if let (true, Some(m)) = (o.seeded(), v.as_object_mut()) {
                            m.insert("seeded".into(), Value::Bool(true));
                        }
                        v
                    })
                    .collect();
                self.0.insert(K::STATE_KEY.into(), Value::Array(list));
            }
        }
        let mut s = State(Map::new());
        self.each(&mut s);
        s.0
    }

    /// `(seq, id, &mut tags)` of every object of region `region` that the tag
    /// APIs of `version` name `resource_type`; `None` if no kind is so named.
    pub fn tagged(
        &mut self,
        version: &str,
        resource_type: &str,
        region: &str,
    ) -> Option<TagSets<'_>> {
        struct Tagged<'a, 'q> {
            want: Tagging,
            region: &'q str,
            found: Option<TagSets<'a>>,
        }
        impl<'a> VisitMut<'a> for Tagged<'a, '_> {
            fn visit<K: Kind>(&mut self, all: &'a mut Vec<K>) {
                if K::TAGGING != Some(self.want) {
                    return;
                }
                let region = self.region;
                self.found = Some(
                    all.iter_mut()
                        .filter(|o| o.region_id() == region)
                        .map(|o| (o.seq(), o.id().to_string(), o.tags_mut()))
                        .collect(),
                );
            }
        }
        let want = KINDS
            .iter()
            .filter_map(|k| k.tagging)
            .find(|t| t.version == version && t.resource_type == resource_type)?;
        let mut t = Tagged {
            want,
            region,
            found: None,
        };
        self.each_mut(&mut t);
        t.found
    }
}

/// The `ResourceType` values the tag APIs of `version` accept, in registration order.
pub fn resource_types(version: &str) -> Vec<&'static str> {
    KINDS
        .iter()
        .filter_map(|k| k.tagging)
        .filter(|t| t.version == version)
        .map(|t| t.resource_type)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Clock;
    use crate::config::{Config, PipelineOutcome, TemplateSeed};
    use crate::eci::image_cache;
    use crate::ecs::image_pipeline::{self as ip, ImagePipeline};
    use crate::world::{test_call as call, World};

    fn id(body: crate::error::ApiResult<crate::world::Body>, key: &str) -> String {
        body.unwrap()[key].as_str().unwrap().to_string()
    }

    #[test]
    fn sweep_patch_delete_count_state_and_tags_reach_every_kind() {
        let mut w = World::new(Settings::from_config(&Config::for_tests()), Clock::manual());
        let seed = TemplateSeed::new("t", PipelineOutcome::Success);
        let template = ImagePipeline::from_seed(&seed, w.next_seq(), 0, "rg");
        let (tpl, region) = (
            template.image_pipeline_id.clone(),
            template.region_id.clone(),
        );
        w.pipelines.push(template);
        let imc = id(
            call(
                &mut w,
                image_cache::create,
                &[
                    ("RegionId", &region),
                    ("ImageCacheName", "n"),
                    ("Image.1", "x"),
                ],
            ),
            "ImageCacheId",
        );
        let exec = id(
            call(
                &mut w,
                ip::start,
                &[("RegionId", &region), ("ImagePipelineId", &tpl)],
            ),
            "ExecutionId",
        );
        // The seeded template is shown as such and not counted.
        assert_eq!(w.objects.count_unseeded(), 2);
        let state = w.objects.state();
        assert_eq!(state["image_pipelines"][0]["seeded"], true);
        assert!(state["image_caches"][0].get("seeded").is_none());
        assert_eq!(state["executions"][0]["execution_id"], exec.as_str());
        assert_eq!(state.len(), KINDS.len());
        // The sweep advances every kind (instant timings: the next look sees the end).
        w.sweep();
        assert_eq!(w.image_caches[0].status, image_cache::Status::Ready);
        assert!(w.executions[0].status.is_terminal());
        // Patch finds any kind; a bad field is refused.
        let patch = |f: Value| f.as_object().unwrap().clone();
        let renamed = patch(json!({"Name": "renamed"}));
        assert_eq!(w.objects.patch(&tpl, &renamed, 0), Some(Ok(())));
        assert_eq!(w.pipelines[0].name, "renamed");
        assert!(matches!(
            w.objects.patch(&imc, &patch(json!({"Nope": 1})), 0),
            Some(Err(_))
        ));
        assert_eq!(w.objects.patch("ip-none", &renamed, 0), None);
        // Tags: found through the registry by version and ResourceType.
        let tagged = w
            .objects
            .tagged(crate::routes::ECI_VERSION, "ImageCache", &region);
        assert_eq!(tagged.map(|t| t.len()), Some(1));
        assert!(w
            .objects
            .tagged(crate::routes::ECS_VERSION, "ImageCache", &region)
            .is_none());
        // Deleting the template takes its execution along; reset forgets the rest.
        assert!(w.objects.delete(&tpl));
        assert!(w.executions.is_empty() && w.pipelines.is_empty());
        assert!(!w.objects.delete(&tpl));
        w.objects.reset();
        assert!(w.image_caches.is_empty());
        assert_eq!(
            resource_types(crate::routes::ECI_VERSION),
            ["ImageCache", "DataCache"]
        );
    }

    #[test]
    fn every_kind_has_its_own_state_key_and_actions() {
        let mut keys: Vec<_> = KINDS.iter().map(|k| k.state_key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), KINDS.len(), "{KINDS:?}");
        for k in KINDS {
            assert!(!k.routes.is_empty(), "{k:?} serves no action");
        }
    }
}
