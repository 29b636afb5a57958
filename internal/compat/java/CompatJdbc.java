import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * MariaDB Connector/J through plain JDBC, the way Metabase, DBeaver and other
 * Java BI tools use it: DatabaseMetaData for catalogs, tables, columns, keys
 * and indexes, a Statement and a server-side PreparedStatement, and the
 * set-up probes those tools send (COMPAT_PROBES, one statement a line).
 *
 * Configuration: the COMPAT_* environment variables (compat_test.go). Prints
 * one JSON report on stdout; compat_test.go judges it. Compiled with javac
 * at test time; the driver jar comes from Debian's libmariadb-java.
 */
public final class CompatJdbc {
    private CompatJdbc() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> env = System.getenv();
        String db = env.get("COMPAT_DATABASE");
        String table = env.get("COMPAT_TABLE");
        // useServerPrepStmts: PreparedStatement becomes COM_STMT_PREPARE/EXECUTE
        // (binary protocol), as DBeaver's and Metabase's drivers can be set to.
        String url = "jdbc:mariadb://" + env.get("COMPAT_HOST") + ":" + env.get("COMPAT_PORT") + "/" + db
                + "?useServerPrepStmts=true&connectTimeout=10000&socketTimeout=60000";
        StringBuilder out = new StringBuilder("{");
        try (Connection conn = DriverManager.getConnection(url, env.get("COMPAT_USER"), "")) {
            DatabaseMetaData md = conn.getMetaData();
            field(out, "server_version", quote(md.getDatabaseProductVersion()));
            field(out, "databases", column(md.getCatalogs(), "TABLE_CAT"));
            field(out, "tables", column(md.getTables(db, null, "%", new String[] {"TABLE"}), "TABLE_NAME"));
            field(out, "columns", columnTypes(md.getColumns(db, null, table, "%")));
            field(out, "primary_key", column(md.getPrimaryKeys(db, null, table), "COLUMN_NAME"));
            field(out, "foreign_keys", column(md.getImportedKeys(db, null, table), "FKCOLUMN_NAME"));
            field(out, "indexes", column(md.getIndexInfo(db, null, table, false, true), "INDEX_NAME"));

            StringBuilder results = new StringBuilder("{");
            try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(env.get("COMPAT_PLAIN_SQL"))) {
                field(results, "plain", result(rs));
            }
            try (PreparedStatement ps = conn.prepareStatement(env.get("COMPAT_PREPARED_SQL"))) {
                ps.setString(1, env.get("COMPAT_PARAM"));
                try (ResultSet rs = ps.executeQuery()) {
                    field(results, "prepared", result(rs));
                }
            }
            String decimalSql = env.getOrDefault("COMPAT_DECIMAL_SQL", "");
            if (!decimalSql.isEmpty()) {
                try (PreparedStatement ps = conn.prepareStatement(decimalSql); ResultSet rs = ps.executeQuery()) {
                    field(results, "decimal", result(rs));
                }
            }
            field(out, "results", results.append('}').toString());
            field(out, "probes", probes(conn, env.getOrDefault("COMPAT_PROBES", "")));
        }
        System.out.println(out.append('}'));
    }

    /** Runs each probe on the same connection; records its error, if any. */
    private static String probes(Connection conn, String probes) throws SQLException {
        List<String> items = new ArrayList<>();
        for (String sql : probes.split("\n")) {
            if (sql.isBlank()) {
                continue;
            }
            String error = null;
            try (Statement st = conn.createStatement()) {
                if (st.execute(sql)) {
                    try (ResultSet rs = st.getResultSet()) {
                        while (rs.next()) {
                            // drained: a probe must stream its whole result
                        }
                    }
                }
            } catch (SQLException e) {
                error = e.getErrorCode() + " " + e.getMessage();
            }
            items.add("{\"sql\":" + quote(sql) + ",\"error\":" + (error == null ? "null" : quote(error)) + "}");
        }
        return "[" + String.join(",", items) + "]";
    }

    private static String column(ResultSet rs, String name) throws SQLException {
        List<String> items = new ArrayList<>();
        try (rs) {
            while (rs.next()) {
                items.add(quote(rs.getString(name)));
            }
        }
        return "[" + String.join(",", items) + "]";
    }

    private static String columnTypes(ResultSet rs) throws SQLException {
        StringBuilder sb = new StringBuilder("{");
        try (rs) {
            while (rs.next()) {
                field(sb, rs.getString("COLUMN_NAME"), quote(rs.getString("TYPE_NAME")));
            }
        }
        return sb.append('}').toString();
    }

    private static String result(ResultSet rs) throws SQLException {
        ResultSetMetaData meta = rs.getMetaData();
        int n = meta.getColumnCount();
        List<String> cols = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            cols.add("{\"name\":" + quote(meta.getColumnLabel(i)) + ",\"type\":" + quote(meta.getColumnTypeName(i)) + "}");
        }
        List<String> rows = new ArrayList<>();
        while (rs.next()) {
            List<String> cells = new ArrayList<>();
            for (int i = 1; i <= n; i++) {
                cells.add(cell(rs.getObject(i)));
            }
            rows.add("[" + String.join(",", cells) + "]");
        }
        return "{\"columns\":[" + String.join(",", cols) + "],\"rows\":[" + String.join(",", rows) + "]}";
    }

    /** Tags a value with the Java type the driver returned it as. */
    private static String cell(Object v) {
        String tag;
        String text;
        if (v == null) {
            return "{\"t\":\"null\",\"v\":null}";
        } else if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte || v instanceof BigInteger) {
            tag = "int";
            text = v.toString();
        } else if (v instanceof BigDecimal) {
            tag = "decimal";
            text = ((BigDecimal) v).toPlainString();
        } else if (v instanceof Timestamp) {
            tag = "datetime";
            text = ((Timestamp) v).toLocalDateTime().toString();
        } else if (v instanceof LocalDateTime) {
            tag = "datetime";
            text = v.toString();
        } else if (v instanceof Boolean) {
            tag = "bool";
            text = v.toString();
        } else if (v instanceof Double || v instanceof Float) {
            tag = "float";
            text = v.toString();
        } else if (v instanceof byte[]) {
            tag = "bytes";
            text = new String((byte[]) v, java.nio.charset.StandardCharsets.UTF_8);
        } else if (v instanceof String) {
            tag = "string";
            text = (String) v;
        } else {
            tag = "other:" + v.getClass().getName();
            text = v.toString();
        }
        return "{\"t\":\"" + tag + "\",\"v\":" + quote(text) + "}";
    }

    /** Appends "name": value (value already JSON) to an object being built. */
    private static void field(StringBuilder sb, String name, String json) {
        if (sb.length() > 1) {
            sb.append(',');
        }
        sb.append(quote(name)).append(':').append(json);
    }

    private static String quote(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
