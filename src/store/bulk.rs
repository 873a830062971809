//! Bulk loading for `hearth seed`: many rows per INSERT, many INSERTs per transaction, on an
//! empty database. Not used by the app itself.

use super::{BeginWrite, Db, Store, StoreError, StoreResult, on_db};

/// One value to insert. Nulls carry their column's type, which PostgreSQL needs.
#[derive(Debug, Clone)]
pub enum V {
    I(i64),
    T(String),
    B(bool),
    NullInt,
    NullText,
}

/// `ALTER TABLE … {ENABLE|DISABLE} TRIGGER …` for the triggers a bulk load turns off on
/// PostgreSQL: the attendance count and every data-version trigger (found in the catalog).
async fn switch_triggers<'c, E>(executor: E, verb: &str) -> Result<String, sqlx::Error>
where
    E: sqlx::Executor<'c, Database = sqlx::Postgres>,
{
    let tables: Vec<String> = sqlx::query_scalar(super::versions::PG_VERSION_TRIGGERS)
        .fetch_all(executor)
        .await?;
    let mut script = format!("ALTER TABLE attendance {verb} TRIGGER attendance_count;");
    for table in tables {
        script.push_str(&format!(
            " ALTER TABLE {table} {verb} TRIGGER data_version;"
        ));
    }
    Ok(script)
}

impl Store {
    /// Inserts the rows in as few statements as the bind-parameter limits allow, all in one
    /// transaction.
    pub async fn bulk_insert(
        &self,
        table: &str,
        cols: &[&str],
        rows: &[Vec<V>],
    ) -> StoreResult<()> {
        if rows.is_empty() {
            return Ok(());
        }
        // SQLite's driver binds each "$n" by looking its name up, which grows with the number
        // of parameters in the statement: a thousand or so per statement is fastest there.
        let limit = match self.db {
            Db::Sqlite(_) => 1_000,
            Db::Postgres(_) => 30_000,
        };
        let per = (limit / cols.len()).max(1);
        let head = format!("INSERT INTO {table} ({}) VALUES ", cols.join(", "));
        on_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            for chunk in rows.chunks(per) {
                let mut sql = String::with_capacity(head.len() + chunk.len() * cols.len() * 6);
                sql.push_str(&head);
                let mut n = 1;
                for (i, _) in chunk.iter().enumerate() {
                    sql.push_str(if i == 0 { "(" } else { ",(" });
                    for j in 0..cols.len() {
                        if j > 0 {
                            sql.push(',');
                        }
                        sql.push('$');
                        sql.push_str(&n.to_string());
                        n += 1;
                    }
                    sql.push(')');
                }
                let mut q = sqlx::query(&sql);
                for row in chunk {
                    for v in row {
                        q = match v {
                            V::I(x) => q.bind(*x),
                            V::T(s) => q.bind(s.as_str()),
                            V::B(b) => q.bind(*b),
                            V::NullInt => q.bind(Option::<i64>::None),
                            V::NullText => q.bind(Option::<String>::None),
                        };
                    }
                }
                q.execute(&mut *tx).await?;
            }
            tx.commit().await
        })
        .map_err(StoreError::from_sqlx)
    }

    /// After loading rows with their own ids, PostgreSQL's id sequences must move past them.
    pub async fn reset_id_sequences(&self, tables: &[&str]) -> StoreResult<()> {
        if let Db::Postgres(pool) = &self.db {
            for t in tables {
                sqlx::query(&format!(
                    "SELECT setval(pg_get_serial_sequence('{t}', 'id'), COALESCE((SELECT MAX(id) FROM {t}), 0) + 1, false)"
                ))
                .execute(pool)
                .await
                .map_err(StoreError::from_sqlx)?;
            }
        }
        Ok(())
    }

    /// Before a bulk load: PostgreSQL stops keeping each meeting's count of who came row by
    /// row (a trigger per attendance row would update each meeting a dozen times and leave the
    /// old row versions behind); `bulk_load_end` counts them all at once. SQLite's triggers
    /// are cheap updates in place and stay on.
    pub async fn bulk_load_begin(&self) -> StoreResult<()> {
        if let Db::Postgres(pool) = &self.db {
            // Every row would otherwise recount its meeting and raise its group's data version
            // (one row each, rewritten a million times); bulk_load_end does both once.
            let script = switch_triggers(pool, "DISABLE")
                .await
                .map_err(StoreError::from_sqlx)?;
            sqlx::raw_sql(&script)
                .execute(pool)
                .await
                .map_err(StoreError::from_sqlx)?;
        }
        Ok(())
    }

    /// After a bulk load: counts who came to each meeting and turns the count trigger back on.
    pub async fn bulk_load_end(&self) -> StoreResult<()> {
        if let Db::Postgres(pool) = &self.db {
            let mut tx = pool.begin().await.map_err(StoreError::from_sqlx)?;
            sqlx::query(
                "UPDATE meetings m SET attended = a.n
                 FROM (SELECT meeting_id, COUNT(*) AS n FROM attendance GROUP BY meeting_id) a
                 WHERE a.meeting_id = m.id AND m.attended <> a.n",
            )
            .execute(&mut *tx)
            .await
            .map_err(StoreError::from_sqlx)?;
            let enable = switch_triggers(&mut *tx, "ENABLE")
                .await
                .map_err(StoreError::from_sqlx)?;
            let script = format!(
                "{enable}
                 INSERT INTO data_versions (scope, version) SELECT id, 1 FROM support_groups
                 ON CONFLICT (scope) DO UPDATE SET version = data_versions.version + 1;
                 UPDATE data_versions SET version = version + 1 WHERE scope = 0;"
            );
            sqlx::raw_sql(&script)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::from_sqlx)?;
            tx.commit().await.map_err(StoreError::from_sqlx)?;
        }
        Ok(())
    }

    /// Whether the database has no staff accounts and no groups (seeding needs it empty).
    pub async fn is_empty(&self) -> StoreResult<bool> {
        let n = on_db!(self, pool => sqlx::query_scalar::<_, i64>(
            "SELECT (SELECT COUNT(*) FROM accounts) + (SELECT COUNT(*) FROM support_groups)")
            .fetch_one(pool).await)
        .map_err(StoreError::from_sqlx)?;
        Ok(n == 0)
    }

    /// Brings the planner's statistics up to date after a bulk load.
    pub async fn analyze(&self) -> StoreResult<()> {
        let done = match &self.db {
            Db::Sqlite(pool) => sqlx::query("ANALYZE").execute(pool).await.map(|_| ()),
            // PostgreSQL also vacuums (so its visibility map lets index-only scans skip the
            // table), only this schema's tables: others may share the database.
            Db::Postgres(pool) => {
                let tables: Vec<String> = sqlx::query_scalar(
                    "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = current_schema()",
                )
                .fetch_all(pool)
                .await?;
                if tables.is_empty() {
                    return Ok(());
                }
                sqlx::query(&format!("VACUUM (ANALYZE) {}", tables.join(", ")))
                    .execute(pool)
                    .await
                    .map(|_| ())
            }
        };
        done.map_err(StoreError::from_sqlx)
    }
}
