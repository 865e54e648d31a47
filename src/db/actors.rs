//! Actors on other servers, as last fetched.

use sqlx::{Any, Executor};

use url::Url;

/// An actor on another server, as last fetched from its own id.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RemoteActor {
    #[sqlx(try_from = "String")]
    pub id: UrlText,
    pub host: String,
    pub kind: String,
    pub name: Option<String>,
    pub inbox: String,
    pub shared_inbox: Option<String>,
    pub public_key_pem: String,
    pub fetched_at: i64,
}

/// A URL read from a text column.
#[derive(Debug, Clone)]
pub struct UrlText(pub Url);

impl TryFrom<String> for UrlText {
    type Error = url::ParseError;
    fn try_from(value: String) -> std::result::Result<Self, Self::Error> {
        Url::parse(&value).map(UrlText)
    }
}

pub async fn find_remote<'e>(ex: impl Executor<'e, Database = Any>, id: &str) -> sqlx::Result<Option<RemoteActor>> {
    sqlx::query_as(
        "SELECT id, host, kind, name, inbox, shared_inbox, public_key_pem, fetched_at FROM remote_actors WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(ex)
    .await
}

/// Stores an actor as fetched, with the document it was read from.
pub async fn upsert_remote<'e>(
    ex: impl Executor<'e, Database = Any>,
    actor: &RemoteActor,
    document: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO remote_actors (id, host, kind, name, inbox, shared_inbox, public_key_pem, document, fetched_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (id) DO UPDATE SET host = $2, kind = $3, name = $4, inbox = $5, shared_inbox = $6, \
         public_key_pem = $7, document = $8, fetched_at = $9",
    )
    .bind(actor.id.0.as_str())
    .bind(&actor.host)
    .bind(&actor.kind)
    .bind(&actor.name)
    .bind(&actor.inbox)
    .bind(&actor.shared_inbox)
    .bind(&actor.public_key_pem)
    .bind(document)
    .bind(actor.fetched_at)
    .execute(ex)
    .await?;
    Ok(())
}

/// The inbox of a remote actor, as stored (not parsed).
pub async fn remote_inbox<'e>(ex: impl Executor<'e, Database = Any>, id: &str) -> sqlx::Result<Option<String>> {
    let inbox: Option<(String,)> = sqlx::query_as("SELECT inbox FROM remote_actors WHERE id = $1")
        .bind(id)
        .fetch_optional(ex)
        .await?;
    Ok(inbox.map(|(inbox,)| inbox))
}

/// The document a remote actor was last read from.
pub async fn remote_document<'e>(ex: impl Executor<'e, Database = Any>, id: &str) -> sqlx::Result<Option<String>> {
    let document: Option<(String,)> = sqlx::query_as("SELECT document FROM remote_actors WHERE id = $1")
        .bind(id)
        .fetch_optional(ex)
        .await?;
    Ok(document.map(|(document,)| document))
}
