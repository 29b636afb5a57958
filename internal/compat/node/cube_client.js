// Cube's MySQL driver (@cubejs-backend/mysql-driver) along the paths Cube
// takes: testConnection, schema discovery (getSchemas,
// getTablesForSpecificSchemas, tablesSchemaV2: information_schema columns,
// primary and foreign keys), downloadQueryResults (rows with generic types)
// and query() with bound values. The driver reads DATETIME as strings
// (dateStrings: true) and sets time_zone before each query.
'use strict';

const { MySqlDriver } = require('@cubejs-backend/mysql-driver');
const report = require('./compat_report');

report.run(async () => {
  const cfg = report.config();
  const driver = new MySqlDriver({
    host: cfg.host, port: cfg.port, user: cfg.user, password: '', database: cfg.database,
  });
  try {
    await driver.testConnection();
    const out = { results: {} };
    const schemas = await driver.getSchemas();
    out.databases = schemas.map((s) => s.schema_name);
    const tables = await driver.getTablesForSpecificSchemas(schemas);
    out.tables = tables.filter((t) => t.schema_name === cfg.database).map((t) => t.table_name);
    const schema = await driver.tablesSchemaV2();
    const columns = (schema[cfg.database] || {})[cfg.table] || [];
    out.columns = Object.fromEntries(columns.map((c) => [c.name, c.type]));
    out.primary_key = columns.filter((c) => (c.attributes || []).includes('primaryKey')).map((c) => c.name);

    const plain = await driver.downloadQueryResults(cfg.queries.plain, [], {});
    // Cube's generic types ("int", "timestamp", "decimal", "text"...).
    out.results.plain = report.result(plain.rows, plain.types);
    // query() returns rows only; the select list is the plain query's,
    // whose types downloadQueryResults reported.
    out.results.prepared = report.result(await driver.query(cfg.queries.prepared, [cfg.param]), plain.types);
    if (cfg.queries.decimal) {
      const dec = await driver.downloadQueryResults(cfg.queries.decimal, [], {});
      out.results.decimal = report.result(dec.rows, dec.types);
    }
    return out;
  } finally {
    await driver.release();
  }
});
