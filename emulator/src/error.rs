//! `EmuError`: every failure an API call can produce, as HTTP status + Alibaba
//! error code + message. Rendering (JSON or XML, with `RequestId`, `HostId`,
//! `Recommend`) lives in `response.rs`; this file only names the errors.

use axum::response::{IntoResponse, Response};

/// An Alibaba-style API error.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{status} {code}: {message}")]
pub struct EmuError {
    /// HTTP status code.
    pub status: u16,
    /// Error code, e.g. `InvalidParameter`.
    pub code: String,
    /// Human-readable message.
    pub message: String,
}

/// Result of an API handler.
pub type ApiResult<T> = Result<T, EmuError>;

impl EmuError {
    /// Any error.
    pub fn new(status: u16, code: impl Into<String>, message: impl Into<String>) -> Self {
        EmuError {
            status,
            code: code.into(),
            message: message.into(),
        }
    }

    /// 400 `MissingParameter` naming the parameter.
    pub fn missing(name: &str) -> Self {
        Self::new(
            400,
            "MissingParameter",
            format!(
                "The input parameter \"{name}\" that is mandatory for processing this request is not supplied."
            ),
        )
    }

    /// 400 `InvalidParameter` with free text.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(400, "InvalidParameter", message)
    }

    /// 400 `InvalidParameter` about one named parameter.
    pub fn invalid_value(name: &str, why: &str) -> Self {
        Self::invalid(format!(
            "The specified parameter \"{name}\" is not valid: {why}."
        ))
    }

    /// 400 `InvalidParameter.NotFound` (ECI's code for a missing cache on update/delete).
    pub fn not_found_param(what: &str, id: &str) -> Self {
        Self::new(
            400,
            "InvalidParameter.NotFound",
            format!("The specified {what} \"{id}\" is not found."),
        )
    }

    /// 400 `NoNeedUpdate`.
    pub fn no_need_update() -> Self {
        Self::new(
            400,
            "NoNeedUpdate",
            "There are no changes to be updated for current resource.",
        )
    }

    /// 400 `IdempotentParameterMismatch`.
    pub fn idempotent_mismatch() -> Self {
        Self::new(
            400,
            "IdempotentParameterMismatch",
            "The specified ClientToken was already used with different request parameters.",
        )
    }

    /// 404 `InvalidAction.NotFound`.
    pub fn unknown_action() -> Self {
        Self::new(
            404,
            "InvalidAction.NotFound",
            "Specified api is not found, please check your url and method.",
        )
    }

    /// 400 `Throttling.User`.
    pub fn throttling() -> Self {
        Self::new(
            400,
            "Throttling.User",
            "Request was denied due to user flow control.",
        )
    }

    /// 503 `ServiceUnavailable`.
    pub fn unavailable() -> Self {
        Self::new(
            503,
            "ServiceUnavailable",
            "The request has failed due to a temporary failure of the server.",
        )
    }

    /// 500 `InternalError`.
    pub fn internal() -> Self {
        Self::new(
            500,
            "InternalError",
            "The request processing has failed due to some unknown error, exception or failure.",
        )
    }
}

/// Used by the `/_emulator/` API (plain JSON, no RequestId needed).
impl IntoResponse for EmuError {
    fn into_response(self) -> Response {
        let status = axum::http::StatusCode::from_u16(self.status)
            .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::json!({ "Code": self.code, "Message": self.message });
        (status, axum::Json(body)).into_response()
    }
}
