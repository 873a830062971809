//! Copying a whole Hearth database from one store to another, on either backend: `hearth
//! migrate` (SQLite to PostgreSQL and back), a PostgreSQL backup in Hearth's portable format
//! (an SQLite file, which `hearth backup` checks and `hearth restore` reads on either backend)
//! and restoring such a file into PostgreSQL.
//!
//! Both stores are opened by [`Store::open`], so both have the same schema. The copy reads
//! every table of the source in one snapshot (a read-only repeatable-read transaction on
//! PostgreSQL, one read transaction on SQLite) and writes the target in one transaction, in
//! an order that puts each row after the rows it refers to. Every id is kept. Values travel as
//! text in a form both backends read the same way (integers in decimal, booleans as 0 and 1,
//! NULL as NULL), and each table's rows are counted and summed into a checksum on the way out;
//! before the target commits, it is read back the same way and must match table by table, so
//! a copy that does not match leaves the target as it was.
//!
//! What the target works out for itself is not copied: the search index (triggers on SQLite, a
//! generated column on PostgreSQL), each meeting's count of who came (rebuilt from the
//! attendance rows), the page cache's data versions and PostgreSQL's id sequences (moved past
//! the highest id).

use futures_util::TryStreamExt;
use sha2::{Digest, Sha256};
use sqlx::Row;

use super::{Backend, Db, Store};

/// Tables that are not data: the migration ledger and the page cache's versions.
const SKIPPED: [&str; 2] = ["_sqlx_migrations", "data_versions"];

/// Bound values per INSERT statement (both backends allow many more).
const PARAMS_PER_STATEMENT: usize = 4000;

/// One table's rows and checksum, the same on both sides of a finished copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCopy {
    pub table: String,
    pub rows: u64,
    pub checksum: String,
}

/// What a copy moved.
#[derive(Debug, Clone, Default)]
pub struct CopyReport {
    pub tables: Vec<TableCopy>,
}

impl CopyReport {
    pub fn rows(&self) -> u64 {
        self.tables.iter().map(|t| t.rows).sum()
    }
}

impl std::fmt::Display for CopyReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{} rows in {} tables; each table's count and checksum match:",
            self.rows(),
            self.tables.len()
        )?;
        for t in &self.tables {
            writeln!(f, "  {:<28} {:>10} rows  {}", t.table, t.rows, t.checksum)?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Column {
    pub(crate) name: String,
    /// The declared type, lower case (PostgreSQL: as `format_type` names it).
    pub(crate) sql_type: String,
}

#[derive(Debug, Clone)]
pub(crate) struct Table {
    pub(crate) name: String,
    pub(crate) columns: Vec<Column>,
    /// Tables this one refers to (not itself).
    parents: Vec<String>,
    /// It refers to itself, so rows go in id order.
    self_referring: bool,
    /// PostgreSQL: the identity column whose sequence must move past the copied ids.
    identity: Option<String>,
}

pub(crate) fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The tables of a store, each with its columns (generated ones left out) and the tables it
/// refers to.
pub(crate) async fn tables_of(store: &Store) -> Result<Vec<Table>, String> {
    let fail = |e: sqlx::Error| format!("could not read the database's tables: {e}");
    let mut tables = Vec::new();
    match &store.db {
        Db::Sqlite(pool) => {
            let names: Vec<String> = sqlx::query_scalar(
                "SELECT name FROM pragma_table_list
                 WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
                 ORDER BY name",
            )
            .fetch_all(pool)
            .await
            .map_err(fail)?;
            for name in names {
                if SKIPPED.contains(&name.as_str()) {
                    continue;
                }
                let columns: Vec<(String, String)> = sqlx::query_as(
                    "SELECT name, lower(type) FROM pragma_table_xinfo($1) WHERE hidden = 0 ORDER BY cid",
                )
                .bind(&name)
                .fetch_all(pool)
                .await
                .map_err(fail)?;
                let parents: Vec<String> = sqlx::query_scalar(
                    "SELECT DISTINCT \"table\" FROM pragma_foreign_key_list($1)",
                )
                .bind(&name)
                .fetch_all(pool)
                .await
                .map_err(fail)?;
                tables.push(table(name, columns, parents, None));
            }
        }
        Db::Postgres(pool) => {
            // Straight from the catalog, in two statements for the whole schema: the
            // information_schema views took two statements a table, each scanning every
            // schema's constraints (25 ms on a quiet server, over 300 ms once a busy server's
            // catalog had grown), so a member's export could outlast the request timeout.
            let columns: Vec<CatalogColumn> = sqlx::query_as(
                "SELECT c.relname::text AS table_name, a.attname::text AS name,
                        lower(format_type(a.atttypid, NULL)) AS sql_type,
                        a.attgenerated::text AS generated, a.attidentity::text AS identity
                 FROM pg_class c
                 JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                 WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
                   AND c.relkind IN ('r', 'p')
                 ORDER BY c.relname COLLATE \"C\", a.attnum",
            )
            .fetch_all(pool)
            .await
            .map_err(fail)?;
            let links: Vec<(String, String)> = sqlx::query_as(
                "SELECT DISTINCT c.relname::text, p.relname::text
                 FROM pg_constraint k
                 JOIN pg_class c ON c.oid = k.conrelid
                 JOIN pg_class p ON p.oid = k.confrelid
                 WHERE k.contype = 'f'
                   AND c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())",
            )
            .fetch_all(pool)
            .await
            .map_err(fail)?;
            for of_one in columns.chunk_by(|a, b| a.table_name == b.table_name) {
                let name = of_one[0].table_name.clone();
                if SKIPPED.contains(&name.as_str()) {
                    continue;
                }
                // attidentity: 'a' (always) or 'd' (by default); attgenerated: 's' (stored).
                let identity = of_one
                    .iter()
                    .find(|c| c.identity == "a" || c.identity == "d")
                    .map(|c| c.name.clone());
                let columns = of_one
                    .iter()
                    .filter(|c| c.generated.is_empty())
                    .map(|c| (c.name.clone(), c.sql_type.clone()))
                    .collect();
                let mut parents: Vec<String> = links
                    .iter()
                    .filter(|(child, _)| *child == name)
                    .map(|(_, parent)| parent.clone())
                    .collect();
                parents.sort();
                tables.push(table(name, columns, parents, identity));
            }
        }
    }
    Ok(tables)
}

/// One column as PostgreSQL's catalog describes it.
#[derive(sqlx::FromRow)]
struct CatalogColumn {
    table_name: String,
    name: String,
    sql_type: String,
    /// 's' for a stored generated column, else empty.
    generated: String,
    /// 'a' or 'd' for an identity column, else empty.
    identity: String,
}

fn table(
    name: String,
    columns: Vec<(String, String)>,
    parents: Vec<String>,
    identity: Option<String>,
) -> Table {
    let self_referring = parents.contains(&name);
    Table {
        parents: parents.into_iter().filter(|p| *p != name).collect(),
        columns: columns
            .into_iter()
            .map(|(name, sql_type)| Column { name, sql_type })
            .collect(),
        name,
        self_referring,
        identity,
    }
}

/// Orders tables so each comes after those it refers to.
fn in_dependency_order(mut pending: Vec<Table>) -> Result<Vec<Table>, String> {
    let mut done: Vec<Table> = Vec::new();
    while !pending.is_empty() {
        let ready = pending.iter().position(|t| {
            t.parents
                .iter()
                .all(|p| done.iter().any(|d| d.name == *p) || !pending.iter().any(|q| q.name == *p))
        });
        match ready {
            Some(i) => done.push(pending.remove(i)),
            None => {
                let names: Vec<&str> = pending.iter().map(|t| t.name.as_str()).collect();
                return Err(format!(
                    "these tables refer to each other in a circle: {}",
                    names.join(", ")
                ));
            }
        }
    }
    Ok(done)
}

/// A column read as text both backends write the same way (integers in decimal, booleans as
/// 0 and 1, NULL as NULL).
pub(crate) fn as_text(backend: Backend, column: &Column) -> String {
    let q = quoted(&column.name);
    match backend {
        Backend::Sqlite => format!("CAST({q} AS TEXT)"),
        Backend::Postgres if column.sql_type == "boolean" => format!("({q})::int::text"),
        Backend::Postgres => format!("({q})::text"),
    }
}

/// The SELECT that reads a table's rows as text both backends write the same way.
fn select_sql(backend: Backend, table: &Table, order_by_id: bool) -> String {
    let columns: Vec<String> = table.columns.iter().map(|c| as_text(backend, c)).collect();
    let order = if order_by_id { " ORDER BY 1" } else { "" };
    format!(
        "SELECT {} FROM {}{order}",
        columns.join(", "),
        quoted(&table.name)
    )
}

/// The INSERT for `rows` rows of a table (PostgreSQL casts each text value to its column's type;
/// SQLite's column affinity does the same).
fn insert_sql(backend: Backend, table: &Table, rows: usize) -> String {
    let names: Vec<String> = table.columns.iter().map(|c| quoted(&c.name)).collect();
    let width = table.columns.len();
    let mut values = Vec::with_capacity(rows);
    for r in 0..rows {
        let cells: Vec<String> = table
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let n = r * width + i + 1;
                match backend {
                    Backend::Sqlite => format!("${n}"),
                    Backend::Postgres => format!("CAST(${n} AS {})", c.sql_type),
                }
            })
            .collect();
        values.push(format!("({})", cells.join(", ")));
    }
    format!(
        "INSERT INTO {} ({}) VALUES {}",
        quoted(&table.name),
        names.join(", "),
        values.join(", ")
    )
}

/// Counts rows and sums their hashes; the sum does not depend on the order rows come in.
#[derive(Default)]
struct Tally {
    rows: u64,
    sum: u128,
}

impl Tally {
    fn add(&mut self, values: &[Option<String>]) {
        let mut hash = Sha256::new();
        for v in values {
            match v {
                None => hash.update([0u8]),
                Some(s) => {
                    hash.update([1u8]);
                    hash.update((s.len() as u64).to_le_bytes());
                    hash.update(s.as_bytes());
                }
            }
        }
        let digest = hash.finalize();
        let mut first = [0u8; 16];
        first.copy_from_slice(&digest[..16]);
        self.rows += 1;
        self.sum = self.sum.wrapping_add(u128::from_le_bytes(first));
    }

    fn checksum(&self) -> String {
        format!("{:032x}", self.sum)
    }
}

fn values_of<R>(row: &R, width: usize) -> Result<Vec<Option<String>>, sqlx::Error>
where
    R: Row,
    for<'a> Option<String>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    usize: sqlx::ColumnIndex<R>,
{
    (0..width)
        .map(|i| row.try_get::<Option<String>, _>(i))
        .collect()
}

/// Whether a store holds anything of a network: staff accounts or groups.
pub async fn has_data(store: &Store) -> Result<bool, String> {
    let sql = "SELECT (SELECT COUNT(*) FROM accounts) + (SELECT COUNT(*) FROM support_groups)";
    let n = match &store.db {
        Db::Sqlite(pool) => sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await,
        Db::Postgres(pool) => sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await,
    }
    .map_err(|e| format!("could not read the database: {e}"))?;
    Ok(n > 0)
}

/// Runs `$body` with `$tx` bound to a transaction of the store's own backend.
macro_rules! in_tx {
    ($db:expr, $begin:expr, $tx:ident, $backend:ident => $body:expr) => {
        match $db {
            Db::Sqlite(pool) => {
                let $backend = Backend::Sqlite;
                #[allow(unused_mut)]
                let mut $tx = pool
                    .begin_with($begin.0)
                    .await
                    .map_err(|e| format!("could not start a transaction: {e}"))?;
                $body
            }
            Db::Postgres(pool) => {
                let $backend = Backend::Postgres;
                #[allow(unused_mut)]
                let mut $tx = pool
                    .begin_with($begin.1)
                    .await
                    .map_err(|e| format!("could not start a transaction: {e}"))?;
                $body
            }
        }
    };
}

/// Copies every table of `from` into `to`. `to` must hold no network unless `replace`, in which
/// case what it holds is removed in the same transaction. Nothing is committed unless every
/// table's count and checksum match.
pub async fn copy(from: &Store, to: &Store, replace: bool) -> Result<CopyReport, String> {
    if has_data(to).await? && !replace {
        return Err(
            "the target already holds a network (staff accounts or groups): Hearth copies only \
             into an empty database"
                .into(),
        );
    }
    let source_tables = in_dependency_order(tables_of(from).await?)?;
    let target_tables = tables_of(to).await?;
    // Both must have the same tables and columns (both were opened by this Hearth).
    let mut plan = Vec::new();
    for t in &source_tables {
        let Some(target) = target_tables.iter().find(|x| x.name == t.name) else {
            return Err(format!("the target has no table {}", t.name));
        };
        let mut columns = Vec::new();
        for c in &t.columns {
            let Some(tc) = target.columns.iter().find(|x| x.name == c.name) else {
                return Err(format!("the target's {} has no column {}", t.name, c.name));
            };
            columns.push((c.clone(), tc.clone()));
        }
        // In name order: the checksums then compare across backends (whose column orders may
        // differ) and with `fingerprint`.
        columns.sort_by(|a, b| a.0.name.cmp(&b.0.name));
        if target.columns.len() != columns.len() {
            return Err(format!(
                "{} has different columns in the source and the target",
                t.name
            ));
        }
        plan.push((t.clone(), target.clone(), columns));
    }
    if let Some(extra) = target_tables
        .iter()
        .find(|x| !source_tables.iter().any(|t| t.name == x.name))
    {
        return Err(format!("the source has no table {}", extra.name));
    }
    // The source as read, in the source's column order on both sides.
    let source_side: Vec<Table> = plan
        .iter()
        .map(|(s, _, cols)| Table {
            columns: cols.iter().map(|(sc, _)| sc.clone()).collect(),
            ..s.clone()
        })
        .collect();
    let target_side: Vec<Table> = plan
        .iter()
        .map(|(_, t, cols)| Table {
            columns: cols.iter().map(|(_, tc)| tc.clone()).collect(),
            ..t.clone()
        })
        .collect();

    // One snapshot of the source, one transaction on the target.
    const READ: (&str, &str) = ("BEGIN", "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
    const WRITE: (&str, &str) = ("BEGIN IMMEDIATE", "BEGIN");
    in_tx!(&from.db, READ, source, source_backend => {
        in_tx!(&to.db, WRITE, target, target_backend => {
            // On PostgreSQL the target's own triggers (data versions, each meeting's count of
            // who came) are switched off for the copy and on again before it commits: fired
            // for every row, the deferred data-version triggers made a network-scale COMMIT
            // take many minutes, and what they keep is rebuilt below anyway. (SQLite's fire
            // at once and cost little; its search index is kept by them.) DDL is part of the
            // transaction, so a failed copy leaves them on.
            if target_backend == Backend::Postgres {
                for t in &target_side {
                    sqlx::query(&format!("ALTER TABLE {} DISABLE TRIGGER USER", quoted(&t.name)))
                        .execute(&mut *target)
                        .await
                        .map_err(|e| format!("could not pause {}'s triggers: {e}", t.name))?;
                }
            }
            // What Store::open put in the target (the topic library) and, with `replace`, the
            // old network go first, children before parents.
            for t in target_side.iter().rev() {
                sqlx::query(&format!("DELETE FROM {}", quoted(&t.name)))
                    .execute(&mut *target)
                    .await
                    .map_err(|e| format!("could not empty {}: {e}", t.name))?;
            }
            let mut report = CopyReport::default();
            for (s, t) in source_side.iter().zip(&target_side) {
                let width = s.columns.len();
                let per_statement = (PARAMS_PER_STATEMENT / width.max(1)).max(1);
                let mut tally = Tally::default();
                let mut batch: Vec<Option<String>> = Vec::with_capacity(per_statement * width);
                let sql = select_sql(source_backend, s, s.self_referring);
                let mut rows = sqlx::query(&sql).fetch(&mut *source);
                loop {
                    let row = rows
                        .try_next()
                        .await
                        .map_err(|e| format!("could not read {}: {e}", s.name))?;
                    let done = row.is_none();
                    if let Some(row) = row {
                        let values = values_of(&row, width)
                            .map_err(|e| format!("could not read {}: {e}", s.name))?;
                        tally.add(&values);
                        batch.extend(values);
                    }
                    let full = batch.len() >= per_statement * width;
                    if (full || done) && !batch.is_empty() {
                        let sql = insert_sql(target_backend, t, batch.len() / width);
                        let mut q = sqlx::query(&sql);
                        for v in batch.drain(..) {
                            q = q.bind(v);
                        }
                        q.execute(&mut *target)
                            .await
                            .map_err(|e| format!("could not write {}: {e}", t.name))?;
                    }
                    if done {
                        break;
                    }
                }
                drop(rows);
                report.tables.push(TableCopy {
                    table: s.name.clone(),
                    rows: tally.rows,
                    checksum: tally.checksum(),
                });
            }
            // What the target works out for itself.
            let derived = [
                "UPDATE meetings SET attended =
                    (SELECT COUNT(*) FROM attendance a WHERE a.meeting_id = meetings.id)",
                "INSERT INTO data_versions (scope, version)
                    SELECT id, 1 FROM support_groups
                    WHERE id NOT IN (SELECT scope FROM data_versions)",
            ];
            for sql in derived {
                sqlx::query(sql)
                    .execute(&mut *target)
                    .await
                    .map_err(|e| format!("could not rebuild the counts: {e}"))?;
            }
            if target_backend == Backend::Postgres {
                for t in &target_side {
                    sqlx::query(&format!("ALTER TABLE {} ENABLE TRIGGER USER", quoted(&t.name)))
                        .execute(&mut *target)
                        .await
                        .map_err(|e| format!("could not restore {}'s triggers: {e}", t.name))?;
                }
            }
            if target_backend == Backend::Postgres {
                for t in &target_side {
                    if let Some(id) = &t.identity {
                        let sql = format!(
                            "SELECT setval(pg_get_serial_sequence($1, $2),
                                (SELECT COALESCE(MAX({}), 0) + 1 FROM {}), false)",
                            quoted(id),
                            quoted(&t.name)
                        );
                        sqlx::query(&sql)
                            .bind(quoted(&t.name))
                            .bind(id)
                            .execute(&mut *target)
                            .await
                            .map_err(|e| format!("could not move {}'s ids on: {e}", t.name))?;
                    }
                }
            }
            // Read back what was written, before committing it.
            for (t, copied) in target_side.iter().zip(&report.tables) {
                let width = t.columns.len();
                let mut tally = Tally::default();
                let sql = select_sql(target_backend, t, false);
                let mut rows = sqlx::query(&sql).fetch(&mut *target);
                while let Some(row) = rows
                    .try_next()
                    .await
                    .map_err(|e| format!("could not read back {}: {e}", t.name))?
                {
                    let values = values_of(&row, width)
                        .map_err(|e| format!("could not read back {}: {e}", t.name))?;
                    tally.add(&values);
                }
                if tally.rows != copied.rows || tally.checksum() != copied.checksum {
                    return Err(format!(
                        "{} does not match after the copy ({} rows read, {} written, checksums \
                         {} and {}); nothing was committed",
                        t.name,
                        copied.rows,
                        tally.rows,
                        copied.checksum,
                        tally.checksum()
                    ));
                }
            }
            target
                .commit()
                .await
                .map_err(|e| format!("could not commit the copy: {e}"))?;
            source
                .rollback()
                .await
                .map_err(|e| format!("could not end the read: {e}"))?;
            Ok(report)
        })
    })
}

/// Reads every table's count and checksum, as a copy reports them (used to compare two
/// databases, for example an original and its copy moved there and back).
pub async fn fingerprint(store: &Store) -> Result<CopyReport, String> {
    let tables = in_dependency_order(tables_of(store).await?)?;
    const READ: (&str, &str) = ("BEGIN", "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
    in_tx!(&store.db, READ, tx, backend => {
        let mut report = CopyReport::default();
        for t in &tables {
            // Columns in name order, so two backends' column orders compare equal.
            let mut sorted = t.clone();
            sorted.columns.sort_by(|a, b| a.name.cmp(&b.name));
            let width = sorted.columns.len();
            let mut tally = Tally::default();
            let sql = select_sql(backend, &sorted, false);
            let mut rows = sqlx::query(&sql).fetch(&mut *tx);
            while let Some(row) = rows
                .try_next()
                .await
                .map_err(|e| format!("could not read {}: {e}", t.name))?
            {
                let values =
                    values_of(&row, width).map_err(|e| format!("could not read {}: {e}", t.name))?;
                tally.add(&values);
            }
            report.tables.push(TableCopy {
                table: t.name.clone(),
                rows: tally.rows,
                checksum: tally.checksum(),
            });
        }
        report.tables.sort_by(|a, b| a.table.cmp(&b.table));
        Ok(report)
    })
}
