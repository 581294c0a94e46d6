import ConnectCore
/// The store's schema and its versioned migrations.
///
/// Writers (`connect-server`, `connect-admin store migrate`) apply missing migrations;
/// readers only check the version and refuse a store they do not understand. Every
/// statement is idempotent (`IF NOT EXISTS`), so two nodes migrating one PostgreSQL store at
/// the same moment (serialised by an advisory lock) cannot trip over each other.
enum Schema {
    /// The version this build reads and writes.
    static let currentVersion = 6

    /// Statements that take a store from `version - 1` to `version`.
    static func migration(to version: Int, dialect: SQLDialect) -> [String] {
        switch version {
        case 1: return version1(dialect)
        case 2: return version2(dialect)
        case 3: return version3(dialect)
        case 4: return version4(dialect)
        case 5: return version5(dialect)
        case 6: return version6(dialect)
        default: return []
        }
    }

    /// The columns of `auth_failure` after its id, shared by version 1 and version 5.
    static let failureColumns = """
        at BIGINT NOT NULL,
            node TEXT NOT NULL,
            client_key TEXT,
            reason TEXT NOT NULL,
            detail TEXT NOT NULL,
            method TEXT NOT NULL,
            path TEXT NOT NULL,
            remote_address TEXT,
            user_agent TEXT,
            token_fingerprint TEXT,
            alg TEXT,
            kid TEXT,
            exp BIGINT,
            iat BIGINT,
            count INTEGER NOT NULL
        """

    /// Marks a store puts on themselves: `served_by`, set by every connect-server that opens it
    /// for writing, so that `dev seed` refuses a live store even while it holds no tenant yet.
    static func version6(_ dialect: SQLDialect) -> [String] {
        ["CREATE TABLE IF NOT EXISTS store_marker (name TEXT PRIMARY KEY, value TEXT NOT NULL, at BIGINT NOT NULL)"]
    }

    /// PostgreSQL: `auth_failure` partitioned by day, so that retention drops whole days
    /// (`FailurePartitions`). SQLite keeps one table and prunes in small batches.
    static func version5(_ dialect: SQLDialect) -> [String] {
        switch dialect {
        case .sqlite: return []
        case .postgres: return [FailurePartitions.migration(columns: failureColumns)]
        }
    }

    /// What the app behind the sidecar (`connect-server --upstream`) answered to a callback:
    /// its HTTP status (NULL when not forwarded) and whether the callback was forwarded at all.
    static func version4(_ dialect: SQLDialect) -> [String] {
        let ifNotExists = dialect == .postgres ? "IF NOT EXISTS " : ""
        return [
            "ALTER TABLE install_event ADD COLUMN \(ifNotExists)upstream_status INTEGER",
            "ALTER TABLE install_event ADD COLUMN \(ifNotExists)forwarded INTEGER",
        ]
    }

    /// Folded rejections (`count` on install events, as failures have), the index that keeps a
    /// tenant's accepted events findable under any number of rejected ones, and the one
    /// retention prunes rejected events by.
    static func version3(_ dialect: SQLDialect) -> [String] {
        let ifNotExists = dialect == .postgres ? "IF NOT EXISTS " : ""
        return [
            "ALTER TABLE install_event ADD COLUMN \(ifNotExists)count INTEGER NOT NULL DEFAULT 1",
            "CREATE INDEX IF NOT EXISTS install_event_by_tenant_outcome ON install_event (client_key, outcome, id)",
            "CREATE INDEX IF NOT EXISTS install_event_by_outcome_time ON install_event (outcome, at)",
        ]
    }

    /// A trigram index for the tenants filter (case-insensitive substring of clientKey,
    /// baseUrl, description), so a rare match does not scan every tenant.
    static func version2(_ dialect: SQLDialect) -> [String] {
        switch dialect {
        case .sqlite:
            // External-content FTS5 table over tenant.search_text, kept in step by triggers.
            return [
                "CREATE VIRTUAL TABLE IF NOT EXISTS tenant_search USING fts5(search_text, content='tenant', content_rowid='rowid', tokenize='trigram')",
                "INSERT INTO tenant_search(tenant_search) VALUES ('rebuild')",
                """
                CREATE TRIGGER IF NOT EXISTS tenant_search_insert AFTER INSERT ON tenant BEGIN
                    INSERT INTO tenant_search (rowid, search_text) VALUES (new.rowid, new.search_text);
                END
                """,
                """
                CREATE TRIGGER IF NOT EXISTS tenant_search_delete AFTER DELETE ON tenant BEGIN
                    INSERT INTO tenant_search (tenant_search, rowid, search_text) VALUES ('delete', old.rowid, old.search_text);
                END
                """,
                """
                CREATE TRIGGER IF NOT EXISTS tenant_search_update AFTER UPDATE OF search_text ON tenant BEGIN
                    INSERT INTO tenant_search (tenant_search, rowid, search_text) VALUES ('delete', old.rowid, old.search_text);
                    INSERT INTO tenant_search (rowid, search_text) VALUES (new.rowid, new.search_text);
                END
                """,
            ]
        case .postgres:
            // pg_trgm ships with PostgreSQL; creating it needs a role allowed to (the owner of
            // the database on PostgreSQL 13+, where pg_trgm is a trusted extension).
            return [
                "CREATE EXTENSION IF NOT EXISTS pg_trgm",
                "CREATE INDEX IF NOT EXISTS tenant_search_trgm ON tenant USING gin (search_text gin_trgm_ops)",
            ]
        }
    }

    static func version1(_ dialect: SQLDialect) -> [String] {
        [
            """
            CREATE TABLE IF NOT EXISTS tenant (
                client_key TEXT PRIMARY KEY,
                addon_key TEXT NOT NULL,
                base_url TEXT NOT NULL,
                display_url TEXT,
                product_type TEXT NOT NULL,
                description TEXT NOT NULL,
                server_version TEXT,
                plugins_version TEXT,
                service_entitlement_number TEXT,
                oauth_client_id TEXT,
                cloud_id TEXT,
                installation_id TEXT,
                shared_secret TEXT NOT NULL,
                secret_fingerprint TEXT NOT NULL,
                state TEXT NOT NULL,
                installed_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                extra_json TEXT NOT NULL,
                search_text TEXT NOT NULL
            )
            """,
            // Keyset paging on every sortable column: (column, client_key).
            "CREATE INDEX IF NOT EXISTS tenant_by_base_url ON tenant (base_url, client_key)",
            "CREATE INDEX IF NOT EXISTS tenant_by_product_type ON tenant (product_type, client_key)",
            "CREATE INDEX IF NOT EXISTS tenant_by_state ON tenant (state, client_key)",
            "CREATE INDEX IF NOT EXISTS tenant_by_installed_at ON tenant (installed_at, client_key)",
            "CREATE INDEX IF NOT EXISTS tenant_by_updated_at ON tenant (updated_at, client_key)",
            """
            CREATE TABLE IF NOT EXISTS tenant_secret (
                client_key TEXT NOT NULL,
                fingerprint TEXT NOT NULL,
                shared_secret TEXT NOT NULL,
                current_from BIGINT NOT NULL,
                current_until BIGINT,
                PRIMARY KEY (client_key, fingerprint)
            )
            """,
            """
            CREATE TABLE IF NOT EXISTS install_event (
                id \(dialect.serialPrimaryKey),
                at BIGINT NOT NULL,
                node TEXT NOT NULL,
                client_key TEXT NOT NULL,
                event_type TEXT NOT NULL,
                outcome TEXT NOT NULL,
                reason TEXT,
                auth TEXT NOT NULL,
                fingerprint_before TEXT,
                fingerprint_after TEXT,
                base_url TEXT,
                remote_address TEXT,
                detail TEXT NOT NULL
            )
            """,
            "CREATE INDEX IF NOT EXISTS install_event_by_tenant ON install_event (client_key, id)",
            """
            CREATE TABLE IF NOT EXISTS auth_failure (
                id \(dialect.serialPrimaryKey),
                \(failureColumns)
            )
            """,
            "CREATE INDEX IF NOT EXISTS auth_failure_by_tenant ON auth_failure (client_key, id)",
            "CREATE INDEX IF NOT EXISTS auth_failure_by_reason ON auth_failure (reason, id)",
            "CREATE INDEX IF NOT EXISTS auth_failure_by_tenant_time ON auth_failure (client_key, at)",
            "CREATE INDEX IF NOT EXISTS auth_failure_by_time ON auth_failure (at)",
        ]
    }
}
