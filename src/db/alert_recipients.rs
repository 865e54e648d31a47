//! Who got one of our alerts: the inboxes it was sent to, so that a change
//! reaches each of them and a loss of audience is told to the right ones.

use sqlx::AnyConnection;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Recipient {
    pub inbox: String,
    pub host: String,
    /// The named organisation this inbox got a restricted alert for.
    pub addressee: Option<String>,
    /// The `to` of the last Create or Update sent there (JSON), if recorded.
    pub sent_to: Option<String>,
}

pub async fn list(conn: &mut AnyConnection, alert_id: &str) -> sqlx::Result<Vec<Recipient>> {
    sqlx::query_as("SELECT inbox, host, addressee, sent_to FROM alert_recipients WHERE alert_id = $1 ORDER BY inbox")
        .bind(alert_id)
        .fetch_all(conn)
        .await
}

pub async fn add(
    conn: &mut AnyConnection,
    alert_id: &str,
    inbox: &str,
    host: &str,
    addressee: Option<&str>,
    sent_to: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO alert_recipients (alert_id, inbox, host, addressee, sent_to) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (alert_id, inbox) DO UPDATE SET sent_to = excluded.sent_to",
    )
    .bind(alert_id)
    .bind(inbox)
    .bind(host)
    .bind(addressee)
    .bind(sent_to)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn remove(conn: &mut AnyConnection, alert_id: &str, inbox: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM alert_recipients WHERE alert_id = $1 AND inbox = $2")
        .bind(alert_id)
        .bind(inbox)
        .execute(conn)
        .await?;
    Ok(())
}

/// (inbox, host) of everyone the alert was sent to.
pub async fn inboxes(conn: &mut AnyConnection, alert_id: &str) -> sqlx::Result<Vec<(String, String)>> {
    sqlx::query_as("SELECT inbox, host FROM alert_recipients WHERE alert_id = $1 ORDER BY inbox")
        .bind(alert_id)
        .fetch_all(conn)
        .await
}
