//! Access control that changes what a read returns (`godata-api.md` §1.3), in its
//! order: the permission, then the user's outbreaks, then (for non-GET requests under
//! an outbreak) the active outbreak; and the geographic restriction of case reads.

use axum::response::Response;
use serde_json::{Value, json};

use super::errors;
use super::store::Store;
use super::value::MVal;

pub fn permission(s: &Store, user: usize, permission: &str) -> Result<(), Response> {
    if s.users[user]
        .user
        .permissions
        .iter()
        .any(|p| p == permission)
    {
        Ok(())
    } else {
        Err(errors::missing_permission(permission))
    }
}

/// `outbreakIds`, then the active outbreak for writes-shaped requests.
pub fn outbreak(s: &Store, user: usize, outbreak_id: &str, get: bool) -> Result<(), Response> {
    let u = &s.users[user].user;
    if !u.outbreak_ids.is_empty() && !u.outbreak_ids.iter().any(|o| o == outbreak_id) {
        return Err(errors::access_denied(
            "access denied to the given outbreak; the outbreak is not set as one of the user's accessible outbreaks",
        ));
    }
    if !get && u.active_outbreak_id.as_deref() != Some(outbreak_id) {
        return Err(errors::access_denied(
            "access to POST/PUT/DELETE actions on outbreak related data is granted only for the active outbreak",
        ));
    }
    Ok(())
}

/// The residence condition a restricted user's case reads get, if any: the team
/// locations and everything under them, and `null` (cases without a residence stay
/// visible).
pub fn geographic(s: &Store, user: usize, outbreak: &Value) -> Option<MVal> {
    let u = &s.users[user].user;
    if outbreak["applyGeographicRestrictions"] != true
        || u.disregard_geographic_restrictions
        || u.team_locations.is_empty()
    {
        return None;
    }
    let mut allowed: Vec<Value> = s
        .with_sub_locations(&u.team_locations)
        .into_iter()
        .map(Value::String)
        .collect();
    allowed.push(Value::Null);
    let cond = json!({"usualPlaceOfResidenceLocationId": {"inq": allowed}});
    Some(MVal::parse(&cond.to_string()).expect("json"))
}
