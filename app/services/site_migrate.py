"""``stella site migrate --to URL``: move a site's database (SQLite, say) into an empty
database elsewhere (PostgreSQL), then prove the copy is the same site.

The copy is one transaction on the target: every table in dependency order, rows as
stored (event bytes, hashes, signatures unchanged), sequences moved past the copied
ids. Then the copy is opened as the site and checked the way the site checks itself:
every run's chain and its entries in the transparency log under the signed checkpoint,
and the roster from record #0. The source is only read; the site home keeps using it
until it is pointed at the copy (``database.url`` in the home, or ``--db``/STELLA_DB).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import create_engine, func, insert, inspect, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from app.context import Site
from app.errors import Rejected
from app.site import SiteConfig
from models import content_objects, event_leaf, ids  # noqa: F401 (they register tables)
from models.migrate import upgrade
from models.tables import Base, Promotion

_BATCH = 1000


@dataclass
class MigrateReport:
    target: str
    rows: dict[str, int] = field(default_factory=dict)
    runs_verified: int = 0
    roster_records: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def migrate_site(config: SiteConfig, to_url: str) -> MigrateReport:
    if to_url == config.db_url:
        raise Rejected("the target database is the site's own database")
    source = Site.open(config)
    try:
        target = _empty_target(to_url)
        try:
            rows = _copy(source.db.engine, target)
            if target.dialect.name == "postgresql":  # workstations read bundles from there
                rows["bundle files (from the store folder)"] = _upload_store(config, target)
        finally:
            target.dispose()
    finally:
        source.close()
    report = MigrateReport(target=_shown(to_url), rows=rows)
    _verify(SiteConfig(paths=config.paths, db_url=to_url, clock=config.clock), report)
    return report


def _shown(url: str) -> str:
    from sqlalchemy import make_url

    return make_url(url).render_as_string(hide_password=True)


def _empty_target(url: str) -> Engine:
    """The target at the current schema, refused unless it holds no site data."""
    try:
        upgrade(url)
        engine = create_engine(url)
        with engine.connect() as connection:
            names = set(inspect(connection).get_table_names())
            for table in Base.metadata.sorted_tables:
                if table.name in names and connection.scalar(
                        select(func.count()).select_from(table)):
                    engine.dispose()
                    raise Rejected(f"the target database is not empty (table {table.name} has "
                                   "rows): migrate into a new, empty database")
    except SQLAlchemyError as error:
        raise Rejected(f"cannot use the target database {_shown(url)}: "
                       f"{str(getattr(error, 'orig', None) or error).splitlines()[0]}") from None
    return engine


def _copy(source: Engine, target: Engine) -> dict[str, int]:
    rows: dict[str, int] = {}
    with source.connect() as reader, target.begin() as writer:
        for table in Base.metadata.sorted_tables:
            count = 0
            result = reader.execution_options(stream_results=True).execute(select(table))
            while batch := result.fetchmany(_BATCH):
                writer.execute(insert(table), [dict(row._mapping) for row in batch])
                count += len(batch)
            rows[table.name] = count
        if target.dialect.name == "postgresql":
            _move_sequences(writer)
            ids.move_sequences_past_rows(writer)
    return rows


def _upload_store(config: SiteConfig, target: Engine) -> int:
    from sqlalchemy.orm import Session

    from app.services import shared_content
    from models.tables import Bundle

    with Session(target) as session, session.begin():
        bundles = dict(session.execute(select(Bundle.manifest_digest, Bundle.kind)).all())
        return shared_content.upload_store(session, config.paths.store, bundles)


def _move_sequences(writer) -> None:
    """Ids copied as they were: each serial column's sequence continues after them."""
    for table in Base.metadata.sorted_tables:
        for column in table.primary_key.columns:
            if column.autoincrement is True or (column.autoincrement == "auto"
                                                and column.type.python_type is int
                                                and len(table.primary_key.columns) == 1):
                sequence = writer.scalar(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                         {"t": table.name, "c": column.name})
                if sequence:
                    writer.execute(text(f'SELECT setval(:s, COALESCE((SELECT max("{column.name}") '
                                        f'FROM "{table.name}"), 0) + 1, false)'), {"s": sequence})


def _verify(config: SiteConfig, report: MigrateReport) -> None:
    from app.services import history, site_roster

    copy = Site.open(config)
    try:
        roster = site_roster.read(copy)  # verified from record #0 (raises when it is not)
        report.roster_records = len(roster.records)
        with copy.db.read() as session:
            ids = list(session.scalars(select(Promotion.id).order_by(Promotion.id)))
        for promotion_id in ids:
            try:
                check = history.history_of(copy, promotion_id)
            except Exception as error:  # a broken chain is a finding, not a crash
                report.problems.append(f"promotion {promotion_id}: {error}")
                continue
            report.problems.extend(check.problems)
            report.runs_verified += 1
    finally:
        copy.close()
