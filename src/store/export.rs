//! Everything Hearth holds about one member, for their right of access (UK GDPR article 15):
//! their own row and every row of every table that names them by `member_id`, found from the
//! schema itself, so a table added later is in the export without anyone remembering to add
//! it. Secrets (the hashes of links and feeds) are left out; the audit trail's entries about
//! them are included (who looked, and when).

use serde::Serialize;
use serde_json::{Map, Value};
use sqlx::Row;

use super::access::MemberScope;
use super::portable::{Table, tables_of};
use super::{Db, Store, StoreError, StoreResult, now};

/// Columns never exported: hashes of secrets, which would help no one and could help an
/// attacker who got hold of the file.
const WITHHELD: [&str; 1] = ["token_hash"];

/// What the member's own copy (from their personal link, which anyone holding their phone can
/// open) leaves out, and why (ASVS V15.3.1; UK GDPR article 15(4) and the safeguarding
/// exemption): safeguarding concerns, which can name who raised them and what was done, and
/// whose disclosure a person must weigh; and, of the audit trail, the detail and request
/// columns, which can hold other members' ids. A coordinator or the group's facilitator makes
/// the full copy from the member's page when the member asks (a subject access request), and
/// reads it before handing it over.
const LEFT_OUT_OF_OWN_COPY: [&str; 1] = ["concerns"];
const AUDIT_COLUMNS_LEFT_OUT_OF_OWN_COPY: [&str; 2] = ["detail", "request_id"];

/// One kind of record: the table it comes from and its rows, each column by name.
#[derive(Debug, Clone, Serialize)]
pub struct ExportSection {
    pub table: String,
    pub rows: Vec<Map<String, Value>>,
}

/// What Hearth holds about a member.
#[derive(Debug, Clone, Serialize)]
pub struct MemberExport {
    /// When this copy was made (Unix seconds).
    pub made_at: i64,
    pub member: Map<String, Value>,
    /// Every other kind of record that names them, in table name order; kinds with no rows are
    /// left out.
    pub records: Vec<ExportSection>,
    /// The dates of the meetings the records refer to, for reading (`meeting_id` → date).
    #[serde(skip)]
    pub meeting_dates: std::collections::BTreeMap<i64, String>,
    /// The names of staff the records name (`account:<id>` → name), for reading.
    #[serde(skip)]
    pub staff_names: std::collections::BTreeMap<i64, String>,
    /// Kinds of record this copy never includes (the member's own copy leaves out safeguarding
    /// concerns, `LEFT_OUT_OF_OWN_COPY`), so the copy says so; the same whether or not any are
    /// kept.
    pub left_out: Vec<String>,
}

/// A value as JSON: integers and booleans typed by their column, the rest as text.
fn typed(column_type: &str, text: Option<String>) -> Value {
    let Some(text) = text else {
        return Value::Null;
    };
    if column_type == "boolean" {
        return Value::Bool(text == "1" || text == "true" || text == "t");
    }
    if column_type.contains("int")
        && let Ok(n) = text.parse::<i64>()
    {
        return Value::from(n);
    }
    Value::String(text)
}

async fn rows_where(
    store: &Store,
    table: &Table,
    filter: &str,
    bind: Value,
    also_withheld: &[&str],
) -> StoreResult<Vec<Map<String, Value>>> {
    let columns: Vec<_> = table
        .columns
        .iter()
        .filter(|c| {
            !WITHHELD.contains(&c.name.as_str()) && !also_withheld.contains(&c.name.as_str())
        })
        .collect();
    let select: Vec<String> = columns
        .iter()
        .map(|c| super::portable::as_text(store.backend(), c))
        .collect();
    let sql = format!(
        "SELECT {} FROM {} WHERE {filter} ORDER BY 1",
        select.join(", "),
        super::portable::quoted(&table.name)
    );
    let to_row = |values: Vec<Option<String>>| {
        columns
            .iter()
            .zip(values)
            .map(|(c, v)| (c.name.clone(), typed(&c.sql_type, v)))
            .collect::<Map<String, Value>>()
    };
    macro_rules! read {
        ($pool:expr) => {{
            let q = sqlx::query(&sql);
            let q = match &bind {
                Value::Number(n) => q.bind(n.as_i64()),
                other => q.bind(other.as_str().map(str::to_string)),
            };
            let rows = q.fetch_all($pool).await.map_err(StoreError::from_sqlx)?;
            let mut out = Vec::with_capacity(rows.len());
            for row in rows {
                let values = (0..columns.len())
                    .map(|i| row.try_get::<Option<String>, _>(i))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(StoreError::from_sqlx)?;
                out.push(to_row(values));
            }
            out
        }};
    }
    Ok(match &store.db {
        Db::Sqlite(pool) => read!(pool),
        Db::Postgres(pool) => read!(pool),
    })
}

impl Store {
    /// Everything held about the member, for them (their link) or for staff who may see them.
    /// Each export is audited (who made it, and for whom) before it is read.
    pub async fn member_export(&self, member: &impl MemberScope) -> StoreResult<MemberExport> {
        let id = member.member_id();
        self.audit_read(
            &member.actor().to_string(),
            "exported their data",
            &format!("member:{id}"),
            &[],
        )
        .await?;
        let tables = tables_of(self).await.map_err(|e| {
            StoreError::Other(sqlx::Error::Protocol(format!("reading the schema: {e}")))
        })?;
        let own = member.is_the_member();
        let mut member_row = Map::new();
        let mut records = Vec::new();
        // Said whether or not any such record is kept, so the copy does not tell whoever holds
        // the phone that one is.
        let left_out = if own {
            LEFT_OUT_OF_OWN_COPY.iter().map(|t| t.to_string()).collect()
        } else {
            Vec::new()
        };
        for table in &tables {
            if table.name == "audit_members" {
                // Shown through the events it links them to (below).
                continue;
            }
            if table.name == "members" {
                if let Some(row) = rows_where(self, table, "id = $1", Value::from(id.get()), &[])
                    .await?
                    .into_iter()
                    .next()
                {
                    member_row = row;
                }
                continue;
            }
            let rows = if table.columns.iter().any(|c| c.name == "member_id") {
                let rows =
                    rows_where(self, table, "member_id = $1", Value::from(id.get()), &[]).await?;
                if own && LEFT_OUT_OF_OWN_COPY.contains(&table.name.as_str()) {
                    continue;
                }
                rows
            } else if table.name == "plan_reviews" {
                // Reviews belong to a plan, which is the member's.
                rows_where(
                    self,
                    table,
                    "plan_id IN (SELECT id FROM action_plans WHERE member_id = $1)",
                    Value::from(id.get()),
                    &[],
                )
                .await?
            } else if table.name == "audit_events" {
                // Every event that names them, alone or among others shown at once.
                rows_where(
                    self,
                    table,
                    "id IN (SELECT event_id FROM audit_members WHERE member_id = $1)",
                    Value::from(id.get()),
                    if own {
                        &AUDIT_COLUMNS_LEFT_OUT_OF_OWN_COPY[..]
                    } else {
                        &[]
                    },
                )
                .await?
            } else {
                continue;
            };
            if !rows.is_empty() {
                records.push(ExportSection {
                    table: table.name.clone(),
                    rows,
                });
            }
        }
        let mut meeting_ids: Vec<i64> = records
            .iter()
            .flat_map(|s| s.rows.iter())
            .filter_map(|r| r.get("meeting_id").and_then(Value::as_i64))
            .collect();
        meeting_ids.sort_unstable();
        meeting_ids.dedup();
        let mut meeting_dates = std::collections::BTreeMap::new();
        for chunk in meeting_ids.chunks(500) {
            let sql = format!(
                "SELECT id, local_date FROM meetings WHERE id IN ({})",
                super::placeholders(chunk.len())
            );
            let rows: Vec<(i64, String)> = super::on_db!(self, pool => {
                let mut q = sqlx::query_as::<_, (i64, String)>(&sql);
                for id in chunk {
                    q = q.bind(*id);
                }
                q.fetch_all(pool).await
            })
            .map_err(StoreError::from_sqlx)?;
            meeting_dates.extend(rows);
        }
        let staff_names = self
            .accounts()
            .await?
            .into_iter()
            .map(|a| (a.id, a.name))
            .collect();
        Ok(MemberExport {
            made_at: now(),
            member: member_row,
            records,
            meeting_dates,
            staff_names,
            left_out,
        })
    }
}
