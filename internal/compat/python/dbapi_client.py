"""PyMySQL or mysqlclient (MySQLdb) through plain DB-API calls, the way
scripts, notebooks and many tools use them.

Usage: dbapi_client.py pymysql|mysqldb  (configuration: COMPAT_* variables)
"""

import sys

import compat_report


def connect(driver, cfg):
    if driver == "pymysql":
        import pymysql
        from pymysql.constants import FIELD_TYPE

        conn = pymysql.connect(host=cfg.host, port=cfg.port, user=cfg.user, database=cfg.database, charset="utf8mb4")
        return conn, FIELD_TYPE
    if driver == "mysqldb":
        import MySQLdb
        from MySQLdb.constants import FIELD_TYPE

        conn = MySQLdb.connect(host=cfg.host, port=cfg.port, user=cfg.user, database=cfg.database, charset="utf8mb4")
        return conn, FIELD_TYPE
    raise SystemExit("unknown driver %r (want pymysql or mysqldb)" % driver)


def column_values(cursor, sql, *args):
    cursor.execute(sql, args or None)
    return [row[0] for row in cursor.fetchall()]


def main():
    driver = sys.argv[1]
    cfg = compat_report.Config()
    conn, field_type = connect(driver, cfg)
    types = compat_report.field_type_names(field_type)
    cur = conn.cursor()
    report = {
        "databases": column_values(cur, "SHOW DATABASES"),
        "tables": column_values(cur, "SHOW TABLES"),
        "columns": {},
        "primary_key": [],
        "results": {},
    }
    cur.execute("SHOW FULL COLUMNS FROM `%s`" % cfg.table)
    for row in cur.fetchall():
        name, col_type, key = row[0], row[1], row[4]
        report["columns"][name] = col_type
        if key == "PRI":
            report["primary_key"].append(name)

    for name, sql in cfg.queries.items():
        if not sql:
            continue
        if "?" in sql:
            # Both drivers interpolate parameters client-side ("format" paramstyle).
            cur.execute(sql.replace("?", "%s"), (cfg.param,))
        else:
            cur.execute(sql)
        report["results"][name] = compat_report.dbapi_result(cur, types)
    conn.close()
    compat_report.emit(report)


if __name__ == "__main__":
    main()
