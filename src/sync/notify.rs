//! Telling people about a run: a DHIS2 message to the configured users and user groups
//! on the chosen instance, on failure or always.

use crate::config::{Config, Notify, NotifyInstance};
use crate::dhis2::data::send_message;
use crate::input::Remote;

use super::outcome::Outcome;

/// Whether a run with this outcome is to be reported by message.
pub fn wanted(config: &Config, outcome: Outcome) -> bool {
    let s = &config.sync;
    let recipients = !s.notify_users.is_empty() || !s.notify_user_groups.is_empty();
    recipients
        && match s.notify {
            Notify::Never => false,
            Notify::Failure => outcome.is_failure(),
            Notify::Always => true,
        }
}

/// Send the message; the remote is the instance `notify_instance` names.
pub fn send(
    config: &Config,
    source: Option<&Remote>,
    target: Option<&Remote>,
    subject: &str,
    text: &str,
) -> Result<(), String> {
    let remote = match config.sync.notify_instance {
        NotifyInstance::Source => source,
        NotifyInstance::Target => target,
    }
    .ok_or_else(|| "the instance to notify is a file, not a DHIS2 instance".to_string())?;
    let users: Vec<String> = config
        .sync
        .notify_users
        .iter()
        .map(|u| u.value.clone())
        .collect();
    let groups: Vec<String> = config
        .sync
        .notify_user_groups
        .iter()
        .map(|g| g.value.clone())
        .collect();
    send_message(&remote.client, subject, text, &users, &groups).map_err(|e| e.to_string())
}
