"""mycli's own SQLExecute, as its REPL uses it: the completion refresher's
metadata queries (databases, tables, columns, functions), then statements
through SQLExecute.run with mycli's type conversions.

Usage: mycli_client.py  (configuration: COMPAT_* variables; the
parameterised query arrives as COMPAT_PREPARED_SCRIPT, SQL PREPARE/EXECUTE
statements, since mycli has no client-side parameters)
"""

import os

from mycli.sqlexecute import SQLExecute
from pymysql.constants import FIELD_TYPE

import compat_report


def last_result(sqlexecute, script, types):
    """Runs statements; returns the last result that has columns."""
    out = None
    for _title, cur, _headers, _status in sqlexecute.run(script):
        if cur is not None and cur.description:
            out = compat_report.dbapi_result(cur, types)
    return out


def main():
    cfg = compat_report.Config()
    sqlexecute = SQLExecute(
        database=cfg.database, user=cfg.user, password=None, host=cfg.host, port=cfg.port,
        socket=None, charset="utf8mb4", local_infile=False, ssl=None, ssh_user=None,
        ssh_host=None, ssh_port=None, ssh_password=None, ssh_key_filename=None,
    )
    types = compat_report.field_type_names(FIELD_TYPE)
    report = {
        "databases": sqlexecute.databases(),
        "tables": [row[0] for row in sqlexecute.tables()],
        "columns": {},
        "results": {},
        # The completer also lists functions and SHOW candidates; both must
        # answer (with nothing: there are no stored functions).
        "functions": [row[0] for row in sqlexecute.functions()],
    }
    for table, column in sqlexecute.table_columns():
        if table == cfg.table:
            report["columns"][column] = None  # mycli reads names only
    list(sqlexecute.show_candidates())

    report["results"]["plain"] = last_result(sqlexecute, cfg.queries["plain"], types)
    report["results"]["prepared"] = last_result(sqlexecute, os.environ["COMPAT_PREPARED_SCRIPT"], types)
    if cfg.queries["decimal"]:
        report["results"]["decimal"] = last_result(sqlexecute, cfg.queries["decimal"], types)
    sqlexecute.conn.close()
    compat_report.emit(report)


if __name__ == "__main__":
    main()
