//! Running analytics tables on the source (`POST /api/resourceTables/analytics`) and
//! following the job (`GET /api/system/tasks/{type}/{id}`), dhis2-api.md §5.

use serde::Deserialize;

use super::client::Client;
use super::error::RemoteError;
use super::retry::Repeat;

/// A started job, by the path its notifications are read from (below `/api/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub tasks_path: String,
}

/// Start analytics table generation. Program indicators read the event and enrollment
/// tables, so the aggregate tables are skipped.
pub fn trigger(client: &Client, last_years: Option<u64>) -> Result<Job, RemoteError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Response {
        id: Option<String>,
        job_type: Option<String>,
        relative_notifier_endpoint: Option<String>,
    }
    #[derive(Deserialize)]
    struct Message {
        response: Option<Response>,
        message: Option<String>,
    }
    let mut q = vec![
        ("skipResourceTables", "false".to_string()),
        ("skipAggregate", "true".to_string()),
        ("skipEvents", "false".to_string()),
        ("skipEnrollment", "false".to_string()),
    ];
    if let Some(n) = last_years {
        q.push(("lastYears", n.to_string()));
    }
    let url = client.api_url("resourceTables/analytics").to_string();
    // 2.40 answers 409 when a run is already going, with that job: follow it instead.
    let (status, body) = client.post_json(
        "resourceTables/analytics",
        &q,
        &serde_json::json!({}),
        true,
        // Sent twice, it starts two analytics runs.
        Repeat::Unsent,
    )?;
    let msg: Message = serde_json::from_slice(&body).map_err(|e| RemoteError::BadResponse {
        url: url.clone(),
        message: format!("unreadable job answer: {e}"),
    })?;
    let r = match msg.response {
        Some(r) => r,
        None if status == reqwest::StatusCode::CONFLICT => {
            return Err(RemoteError::Status {
                url,
                status: 409,
                message: msg
                    .message
                    .unwrap_or_else(|| "analytics could not be started".into()),
                help: Some(
                    "another analytics run may be going on; try again when it is done".into(),
                ),
            });
        }
        None => {
            return Err(RemoteError::BadResponse {
                url,
                message: "the answer names no job".into(),
            });
        }
    };
    // `relativeNotifierEndpoint` is "/api/system/tasks/<type>/<id>" without context path.
    let tasks_path = match (r.relative_notifier_endpoint, r.job_type, r.id) {
        (Some(e), _, _) => e
            .trim_start_matches('/')
            .trim_start_matches("api/")
            .to_string(),
        (None, Some(t), Some(id)) => format!("system/tasks/{t}/{id}"),
        (None, None, Some(id)) => format!("system/tasks/ANALYTICS_TABLE/{id}"),
        _ => {
            return Err(RemoteError::BadResponse {
                url,
                message: "the answer names no job".into(),
            });
        }
    };
    Ok(Job { tasks_path })
}

/// Where a job stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// Queued or running; the newest notification, if any.
    Running(Option<String>),
    Done(String),
    Failed(String),
}

#[derive(Debug, Deserialize)]
struct Notification {
    #[serde(default)]
    level: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    completed: bool,
}

/// Read the job's notifications (newest first).
pub fn poll(client: &Client, job: &Job) -> Result<Progress, RemoteError> {
    let notes: Vec<Notification> = client.get_json(&job.tasks_path, &[])?;
    let Some(newest) = notes.first() else {
        // Not started yet (2.41 queues a job while another of its type runs).
        return Ok(Progress::Running(None));
    };
    let message = newest.message.clone().unwrap_or_default();
    Ok(if newest.level.as_deref() == Some("ERROR") {
        Progress::Failed(message)
    } else if newest.completed {
        Progress::Done(message)
    } else {
        Progress::Running(Some(message))
    })
}
