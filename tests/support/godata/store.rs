//! What the fake Go.Data holds: outbreaks, cases, locations, reference data, users
//! and their tokens, and the fake clock everything is timed by.

use jiff::tz::TimeZone;
use serde_json::{Value, json};

use super::GoDataVersion;
use super::value::MVal;

/// Date properties by model (`common/models/*.json`, `server/models/*.json`): these
/// are Dates to MongoDB, so a query compares them with Dates only.
pub const CASE_DATES: &[&str] = &[
    "dob",
    "dateOfReporting",
    "dateOfOnset",
    "dateOfOutcome",
    "dateBecomeCase",
    "dateOfBurial",
    "dateOfInfection",
    "dateOfLastContact",
    "createdAt",
    "updatedAt",
    "deletedAt",
    "addresses.date",
    "dateRanges.startDate",
    "dateRanges.endDate",
    "classificationHistory.startDate",
    "classificationHistory.endDate",
    "vaccinesReceived.date",
];
/// The top-level ones (the juggler coerces only these on plain reads).
pub const CASE_DATES_TOP: &[&str] = &[
    "dob",
    "dateOfReporting",
    "dateOfOnset",
    "dateOfOutcome",
    "dateBecomeCase",
    "dateOfBurial",
    "dateOfInfection",
    "dateOfLastContact",
    "createdAt",
    "updatedAt",
    "deletedAt",
];
pub const OUTBREAK_DATES: &[&str] = &[
    "startDate",
    "endDate",
    "createdAt",
    "updatedAt",
    "deletedAt",
];
pub const AUDIT_DATES: &[&str] = &["createdAt", "updatedAt", "deletedAt"];

pub const CASE_TYPE: &str = "LNG_REFERENCE_DATA_CATEGORY_PERSON_TYPE_CASE";

/// The permissions a case reader needs (§1.3).
pub const OUTBREAK_VIEW: &str = "outbreak_view";
pub const CASE_LIST: &str = "case_list";

/// A Go.Data account.
#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    pub email: String,
    pub password: String,
    pub permissions: Vec<String>,
    /// Empty: every outbreak.
    pub outbreak_ids: Vec<String>,
    pub active_outbreak_id: Option<String>,
    /// Locations of the user's teams (geographic restrictions, §1.3).
    pub team_locations: Vec<String>,
    pub disregard_geographic_restrictions: bool,
    /// Failed logins before the fake starts (10: locked for 30 minutes).
    pub failed_logins: u32,
}

impl User {
    /// An account that may read every outbreak's cases.
    pub fn new(email: &str, password: &str) -> User {
        User {
            id: format!("u-{}", email.split('@').next().unwrap_or(email)),
            email: email.into(),
            password: password.into(),
            permissions: vec![OUTBREAK_VIEW.into(), CASE_LIST.into()],
            outbreak_ids: Vec::new(),
            active_outbreak_id: None,
            team_locations: Vec::new(),
            disregard_geographic_restrictions: false,
            failed_logins: 0,
        }
    }
}

#[derive(Debug, Clone)]
pub struct UserState {
    pub user: User,
    /// `loginRetriesCount` and `bruteForceLoginDate`.
    pub failures: u32,
    pub last_failure_ms: i64,
    pub last_renewal_ms: i64,
}

#[derive(Debug, Clone)]
pub struct Token {
    pub id: String,
    pub user: usize,
    pub created_ms: i64,
    pub ttl_s: i64,
    /// A 2FA step-1 token: saved, but not usable.
    pub disabled: bool,
}

/// 2FA switches (`login.twoFactorAuthentication.{oauthLogin,defaultLogin}.enabled`).
#[derive(Debug, Clone, Copy, Default)]
pub struct TwoFactor {
    pub oauth: bool,
    pub login: bool,
}

#[derive(Debug)]
pub struct Store {
    pub version: GoDataVersion,
    pub zone_name: String,
    pub zone: TimeZone,
    pub now_ms: i64,
    pub outbreaks: Vec<Value>,
    pub cases: Vec<Value>,
    pub locations: Vec<Value>,
    pub reference: Vec<Value>,
    pub users: Vec<UserState>,
    pub tokens: Vec<Token>,
    /// Every token ever handed out (to keep them out of the request log).
    pub issued: Vec<String>,
    pub two_factor: TwoFactor,
    pub api_key: String,
    /// Requests so far: the seed of each answer's order.
    pub seq: u64,
    next_token: u64,
}

pub const TOKEN_TTL_S: i64 = 600;
pub const MAX_RETRIES: u32 = 10;
pub const LOCK_MS: i64 = 30 * 60 * 1000;

/// A record as stored: `deleted` always present (the soft-delete mixin writes it).
fn stored(mut v: Value) -> Value {
    if let Value::Object(o) = &mut v {
        o.entry("deleted").or_insert(Value::Bool(false));
    }
    v
}

impl Store {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        version: GoDataVersion,
        zone_name: &str,
        now_ms: i64,
        outbreaks: Vec<Value>,
        cases: Vec<Value>,
        locations: Vec<Value>,
        reference: Vec<Value>,
        users: Vec<User>,
        two_factor: TwoFactor,
        api_key: String,
    ) -> Store {
        let zone = TimeZone::get(zone_name).unwrap_or_else(|e| panic!("zone {zone_name}: {e}"));
        let users = users
            .into_iter()
            .map(|u| UserState {
                failures: u.failed_logins,
                last_failure_ms: now_ms,
                last_renewal_ms: i64::MIN / 2,
                user: u,
            })
            .collect();
        let cases = cases
            .into_iter()
            .map(|mut c| {
                if let Value::Object(o) = &mut c {
                    o.entry("type").or_insert(json!(CASE_TYPE));
                }
                stored(c)
            })
            .collect();
        Store {
            version,
            zone_name: zone_name.into(),
            zone,
            now_ms,
            outbreaks: outbreaks.into_iter().map(stored).collect(),
            cases,
            locations: locations.into_iter().map(stored).collect(),
            reference: reference.into_iter().map(stored).collect(),
            users,
            tokens: Vec::new(),
            issued: Vec::new(),
            two_factor,
            api_key,
            seq: 0,
            next_token: 0,
        }
    }

    pub fn user_by_email(&self, email: &str) -> Option<usize> {
        self.users.iter().position(|u| u.user.email == email)
    }

    /// Save a token for a user; every other token of that user goes (§1.2).
    pub fn new_token(&mut self, user: usize, disabled: bool) -> String {
        self.next_token += 1;
        let mut rng = fastrand::Rng::with_seed(self.next_token.wrapping_mul(0x9e37_79b9));
        let id: String = (0..64).map(|_| rng.alphanumeric()).collect();
        self.tokens.retain(|t| t.user != user);
        self.tokens.push(Token {
            id: id.clone(),
            user,
            created_ms: self.now_ms,
            ttl_s: TOKEN_TTL_S,
            disabled,
        });
        self.issued.push(id.clone());
        id
    }

    /// The outbreak, unless unknown or soft-deleted.
    pub fn outbreak(&self, id: &str) -> Option<&Value> {
        self.outbreaks
            .iter()
            .find(|o| o["id"] == id && o["deleted"] != true)
    }

    /// A case as MongoDB sees it (`_id`, Dates).
    pub fn typed_case(c: &Value) -> MVal {
        typed_with_id(c, CASE_DATES)
    }

    pub fn add_case(&mut self, mut c: Value) {
        if let Value::Object(o) = &mut c {
            o.entry("type").or_insert(json!(CASE_TYPE));
        }
        self.cases.push(stored(c));
    }

    /// Soft-delete a case (`deleted: true, deletedAt`); false when unknown.
    pub fn soft_delete_case(&mut self, id: &str) -> bool {
        let now = super::dates::format_ms(self.now_ms);
        match self.cases.iter_mut().find(|c| c["id"] == id) {
            Some(c) => {
                c["deleted"] = json!(true);
                c["deletedAt"] = json!(now);
                true
            }
            None => false,
        }
    }

    /// The location and every location under it.
    pub fn with_sub_locations(&self, roots: &[String]) -> Vec<String> {
        let mut out: Vec<String> = roots.to_vec();
        let mut i = 0;
        while i < out.len() {
            let parent = out[i].clone();
            for l in &self.locations {
                if l["parentLocationId"] == parent.as_str()
                    && l["deleted"] != true
                    && let Some(id) = l["id"].as_str()
                    && !out.iter().any(|o| o == id)
                {
                    out.push(id.to_string());
                }
            }
            i += 1;
        }
        out
    }
}

/// A record typed by its date paths, `id` stored as `_id`.
pub fn typed_with_id(v: &Value, dates: &[&str]) -> MVal {
    let mut t = MVal::typed(v, dates);
    if let MVal::Obj(kv) = &mut t {
        for (k, _) in kv.iter_mut() {
            if k == "id" {
                *k = "_id".into();
            }
        }
    }
    t
}
