"""SQLAlchemy's inspector and engine over mysqlclient, the way Superset
discovers schemas, tables and columns and runs chart queries.

Usage: sqlalchemy_client.py  (configuration: COMPAT_* variables)
"""

import re

import sqlalchemy
from MySQLdb.constants import FIELD_TYPE
from sqlalchemy.engine import URL

import compat_report


def type_name(sa_type):
    # VARCHAR(length=5000) renders "VARCHAR(5000)"; dialect types such as
    # mysql.JSON render their SQL name.
    try:
        return str(sa_type)
    except Exception:
        return type(sa_type).__name__.upper()


def main():
    cfg = compat_report.Config()
    # "mysql://" picks mysqlclient, the driver Superset's docs recommend.
    url = URL.create("mysql+mysqldb", username=cfg.user, host=cfg.host, port=cfg.port, database=cfg.database, query={"charset": "utf8mb4"})
    engine = sqlalchemy.create_engine(url)
    insp = sqlalchemy.inspect(engine)
    report = {
        "databases": insp.get_schema_names(),
        "tables": insp.get_table_names(schema=cfg.database),
        "columns": {c["name"]: type_name(c["type"]) for c in insp.get_columns(cfg.table, schema=cfg.database)},
        "primary_key": insp.get_pk_constraint(cfg.table, schema=cfg.database)["constrained_columns"],
        "results": {},
    }
    # Superset also lists views and indexes when it syncs a table.
    report["views"] = insp.get_view_names(schema=cfg.database)
    report["indexes"] = sorted(i["name"] for i in insp.get_indexes(cfg.table, schema=cfg.database))

    types = compat_report.field_type_names(FIELD_TYPE)
    with engine.connect() as conn:
        for name, sql in cfg.queries.items():
            if not sql:
                continue
            # text() binds ":name" parameters; mysqlclient interpolates them.
            stmt = sqlalchemy.text(re.sub(r"\?", ":p", sql))
            res = conn.execute(stmt, {"p": cfg.param} if "?" in sql else {})
            codes = [d[1] for d in res.cursor.description]
            columns = [(k, types.get(c, str(c))) for k, c in zip(res.keys(), codes)]
            report["results"][name] = compat_report.result(columns, res.fetchall())
    engine.dispose()
    compat_report.emit(report)


if __name__ == "__main__":
    main()
