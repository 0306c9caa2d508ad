"""The dashboard read as the web client and RPC read it: by month, by id, in one query.

The dashboard's model is a view over a month's activity; these overrides keep its reads
close to one ``GROUP BY`` and give its rows their small ids. They rely on these Odoo 18
internals, to check on every upgrade of Odoo:

- ``BaseModel._table_sql`` (a property: the ``FROM`` of the model's queries) and
  ``SQL(to_flush=...)``, to read the months searched through ``store.ROWS_FUNCTION``;
- ``BaseModel._search`` returning a ``Query`` (``select``, ``is_empty``), and
  ``_field_to_sql`` checking each field's access;
- ``BaseModel.search_fetch`` as the one method behind ``search`` and ``search_read``;
- ``BaseModel._format_web_search_read_results`` and what ``web_read`` returns per field
  type (``_PLAIN_TYPES``; a test compares both);
- ``env.cache.contains`` / ``get`` / ``set``, to move fetched values to a row's id;
- the ``_readonly`` attribute that ``web/controllers/dataset.py`` (``_call_kw_readonly``)
  looks up along the class hierarchy (``_read_write``);
- ``Cursor.readonly`` and ``env.execute_query``.
"""

from odoo import api, models
from odoo.tools import SQL

from ..calc import month_domain, turnover_key
from . import postproduction_turnover_sql as turnover_sql
from . import postproduction_turnover_sql_store as store


# What ``web_read`` makes of a column fetched from the database (``convert_to_record`` then
# ``convert_to_read`` of Odoo 18's fields, applied to a whole column; the test of the list
# checks they agree). A column without ``None`` is returned as it is (the same object).
def _none_as_false(column):
    if None not in column:
        return column
    return [False if value is None else value for value in column]


def _none_as_zero(column):
    if None not in column:
        return column
    return [value or 0 for value in column]


def _none_as_zero_float(column):
    if None not in column:
        return column
    return [value or 0.0 for value in column]


def _read_write(method):
    """Run ``method`` on a read/write cursor when the web client calls it.

    Odoo's RPC takes the first ``_readonly`` it finds along the class hierarchy
    (``api.readonly``): an override without one would inherit the parent's.
    """
    method._readonly = False
    return method


#: The column types ``web_search_read`` formats itself, with their formatting.
_PLAIN_TYPES = {
    "boolean": _none_as_false,
    "char": _none_as_false,
    "date": _none_as_false,
    "float": _none_as_zero_float,
    "integer": _none_as_zero,  # int4 columns: never above XML-RPC's MAXINT
    "many2one": None,  # ``_read_column``
    "monetary": _none_as_zero_float,
    "selection": _none_as_false,
    "text": _none_as_false,
}


#: The context key through which ``_search`` tells ``_table_sql`` what it reads: the first
#: and last months (ISO dates, ``None`` for no bound) and the orders (a tuple of ids, or
#: ``None`` for any).
MONTH_CONTEXT = "postproduction_turnover_month"


def _orders_of(domain):
    """The ids of the orders a domain of leaves only (an implicit AND) restricts the rows
    to, as a sorted tuple; ``None`` when it does not restrict them to orders."""
    if not isinstance(domain, list | tuple) or any(isinstance(leaf, str) for leaf in domain):
        return None
    for leaf in domain:
        if isinstance(leaf, list | tuple) and len(leaf) == 3 and leaf[0] == "order_id":
            ids = leaf[2] if leaf[1] == "in" else [leaf[2]] if leaf[1] == "=" else None
            if isinstance(ids, list | tuple) and all(
                isinstance(id_, int) and not isinstance(id_, bool) for id_ in ids
            ):
                return tuple(sorted(set(ids)))
    return None


class PostproductionTurnover(models.Model):
    _inherit = "postproduction.turnover"

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None):
        self._disable_jit()
        domain = self._with_months_of_ids(domain)
        bounds = month_domain.month_bounds(domain) or (None, None)
        orders = _orders_of(domain)
        reading = (*(day and day.isoformat() for day in bounds), orders)
        reading = reading if any(reading) else None
        model = self
        if self.env.context.get(MONTH_CONTEXT) != reading:
            model = self.with_context(**{MONTH_CONTEXT: reading})
        return super(PostproductionTurnover, model)._search(domain, offset, limit, order)

    @property
    def _table_sql(self):
        """The rows of the months the search is about, when it bounds them (``_search``).

        They come from the kept rows and, for the keys marked since, from the view,
        through a function whose queries PostgreSQL plans once per connection
        (``store.rows_function_ddl``).
        """
        table = super()._table_sql
        reading = self.env.context.get(MONTH_CONTEXT)
        # only ``_search`` builds a tuple: a context from RPC (JSON, lists) reads every row
        if not isinstance(reading, tuple) or len(reading) != 3:
            return table
        first, last, orders = reading
        # the fields of ``_depends`` ride along, so that their pending changes are flushed
        flush = SQL().join(SQL(to_flush=field) for field in table.to_flush)
        return SQL(
            "%s(%s::date, %s::date, %s::integer[])%s",
            SQL.identifier(store.ROWS_FUNCTION),
            first,
            last,
            list(orders) if orders else None,
            flush,
        )

    @api.model
    def search_fetch(self, domain, field_names, offset=0, limit=None, order=None):
        """Fetch the company with the columns asked for.

        The record rules read the company of the rows; fetched later, it would compute
        the view again.
        """
        if field_names:
            field_names = {*field_names, "company_id"}
        records = super().search_fetch(domain, field_names, offset, limit, order)
        return records._with_given_ids()

    # ------------------------------------------------------------------ row ids
    @api.model
    def _rows(self, domain):
        """The rows of ``domain`` for code that works on them in its own transaction, as
        a run does: no row is given its id there. A run holds its transaction for
        minutes; ids it gave would make every reader of those rows wait for its end."""
        return self.browse(self._search(domain))

    def _with_given_ids(self):
        """These rows, those read under their packed key given their small id.

        The values already fetched follow the rows to their ids. On a read-only cursor
        (a replica) rows keep their packed key, which every method of the model accepts.
        """
        given = self._give_ids([id_ for id_ in self._ids if turnover_key.is_packed(id_)])
        if not given:
            return self
        rows = self.browse([given.get(id_, id_) for id_ in self._ids])
        cache = self.env.cache
        for field in self._fields.values():
            for packed, id_ in given.items():
                packed_row, row = self.browse(packed), self.browse(id_)
                if cache.contains(packed_row, field):
                    cache.set(row, field, cache.get(packed_row, field))
        return rows

    @api.model
    def _give_ids(self, keys):
        """{packed key: id} for ``keys``, the ids given now or earlier.

        Two transactions giving an id to the same row at once: the second one's insert
        fails as a serialization failure, and Odoo tries its request again.
        """
        if not keys or self.env.cr.readonly:
            return {}
        columns = list(zip(*(turnover_key.split_row_key(key) for key in keys), strict=True))
        values = SQL(
            "unnest(%s::bigint[], %s::date[], %s::int[], %s::int[], %s::int[])",
            list(keys),
            list(columns[0]),
            *([value or 0 for value in column] for column in columns[1:]),
        )
        rows = self.env.execute_query(
            SQL(
                """
                WITH k (packed, period, project_id, order_id, company_id) AS (
                         SELECT * FROM %(values)s),
                     given AS (
                         INSERT INTO %(table)s (period, project_id, order_id, company_id)
                         SELECT period, project_id, order_id, company_id FROM k
                          ORDER BY period, project_id, order_id, company_id
                         ON CONFLICT DO NOTHING
                         RETURNING id, period, project_id, order_id, company_id)
                SELECT k.packed, COALESCE(g.id, r.id)
                  FROM k
                  LEFT JOIN given g USING (period, project_id, order_id, company_id)
                  LEFT JOIN %(table)s r USING (period, project_id, order_id, company_id)
                """,
                values=values,
                table=SQL.identifier(turnover_sql.ROW_TABLE),
            )
        )
        return dict(rows)

    @api.model
    def _row_keys(self, ids):
        """{id: (month, project id, order id, shared company id)}, ``None`` for none."""
        keys = {id_: turnover_key.split_row_key(id_) for id_ in ids if turnover_key.is_packed(id_)}
        given = [id_ for id_ in ids if not turnover_key.is_packed(id_)]
        if given:
            rows = self.env.execute_query(
                SQL(
                    """SELECT id, period, project_id, order_id, company_id
                         FROM %s WHERE id = ANY(%s)""",
                    SQL.identifier(turnover_sql.ROW_TABLE),
                    given,
                )
            )
            keys.update(
                (id_, (period, project or None, order or None, company or None))
                for id_, period, project, order, company in rows
            )
        return keys

    # The methods that return rows, with their ids, run on a cursor that can give a row
    # its id (``_give_ids``): ``_read_write`` marks them so for the web client's RPC.
    @api.model
    @_read_write
    def search(self, domain, offset=0, limit=None, order=None):
        return super().search(domain, offset, limit, order)

    @api.model
    @_read_write
    def search_read(self, domain=None, fields=None, offset=0, limit=None, order=None, **kwargs):
        return super().search_read(domain, fields, offset, limit, order, **kwargs)

    @api.model
    @_read_write
    def web_search_read(
        self, domain, specification, offset=0, limit=None, order=None, count_limit=None
    ):
        """The list's rows, read in one query and formatted as ``web_read`` formats them.

        A month is a few thousand rows of some thirty columns: putting them in the cache
        and reading them back record by record (``search_fetch``, then ``web_read`` and
        its record rules evaluated in Python) would cost more than computing them. The
        record rules apply in SQL (``_search``), the access to each field is checked
        (``_field_to_sql``). A specification this method does not cover (a relation's
        fields, a context) goes to the ORM.
        """
        fields_ = [self._fields.get(name) for name in specification]
        if not all(
            field and self._is_listed_plainly(field, specification[field.name]) for field in fields_
        ):
            return super().web_search_read(domain, specification, offset, limit, order, count_limit)
        query = self._search(domain, offset=offset, limit=limit, order=order or self._order)
        if query.is_empty():
            return self._format_web_search_read_results(domain, [], offset, limit, count_limit)
        rows = self.env.execute_query(
            query.select(
                SQL.identifier(self._table, "id"),
                *(self._field_to_sql(self._table, field.name, query) for field in fields_),
            )
        )
        if not rows:
            return self._format_web_search_read_results(domain, [], offset, limit, count_limit)
        given = self._give_ids([row[0] for row in rows if turnover_key.is_packed(row[0])])
        names = ["id", *(field.name for field in fields_)]
        records = [dict(zip(names, row, strict=True)) for row in rows]
        for record in records:
            record["id"] = given.get(record["id"], record["id"])
        _ids, *columns = zip(*rows, strict=True)
        for field, column in zip(fields_, columns, strict=True):
            values = self._read_column(field, specification[field.name], column)
            if values is not column:
                for record, value in zip(records, values, strict=True):
                    record[field.name] = value
        return self._format_web_search_read_results(domain, records, offset, limit, count_limit)

    @api.model
    def _is_listed_plainly(self, field, spec):
        """Whether ``web_search_read`` formats ``field`` itself (``spec``: its part)."""
        if not field.store or not field.column_type or field.type not in _PLAIN_TYPES:
            return False
        if callable(field.translate):  # terms marked up when editing translations
            return False
        if field.type != "many2one":
            return not spec
        return set(spec) <= {"fields"} and set(spec.get("fields", {})) <= {"display_name"}

    def _read_column(self, field, spec, column):
        """The ``column`` of ``field``'s values as ``web_read`` returns them."""
        if field.type == "many2one":
            if "fields" not in spec:
                return [value or False for value in column]
            records = {value: {"id": value} for value in column if value}
            if "display_name" in spec["fields"]:
                for record in self.env[field.comodel_name].browse(records).sudo():
                    records[record.id]["display_name"] = record.display_name
            return [records[value] if value else False for value in column]
        return _PLAIN_TYPES[field.type](column)

    @api.model
    def _disable_jit(self):
        """Turn PostgreSQL's JIT off for the transaction.

        The view's plan is large enough for the JIT to compile it, which takes longer
        (hundreds of milliseconds) than running it; ``SET LOCAL`` ends with the
        transaction.
        """
        self.env.cr.execute(SQL("SET LOCAL jit = off"))

    @api.model
    def _with_months_of_ids(self, domain):
        """``domain`` and the months its ids stand for, when it selects rows by id.

        Reading rows by id (the web client after a save, a row's button) would otherwise
        compute every month of the view; the month packed in the id limits it to the
        months of those rows.
        """
        if not isinstance(domain, list | tuple) or any(isinstance(t, str) for t in domain):
            return domain
        months = set()
        for leaf in domain:
            if len(leaf) == 3 and leaf[0] == "id" and leaf[1] in ("=", "in"):
                ids = leaf[2] if isinstance(leaf[2], list | tuple) else [leaf[2]]
                if not all(isinstance(id_, int) for id_ in ids):
                    return domain
                months |= {key[0] for key in self._row_keys(ids).values()}
                break
        else:
            return domain
        return [*domain, ("period", "in", sorted(months))]

    def exists(self):
        ids = tuple(id_ for id_ in self._ids if isinstance(id_, int))
        if not ids:
            return super().exists()
        months = tuple({key[0] for key in self._row_keys(ids).values()})
        if not months:
            return self.browse(id_ for id_ in self._ids if not isinstance(id_, int))
        self._disable_jit()
        self.env.cr.execute(
            SQL(
                "SELECT id FROM %s(%s, %s) WHERE id IN %s AND period IN %s",
                SQL.identifier(store.ROWS_FUNCTION),
                min(months),
                max(months),
                ids,
                months,
            )
        )
        valid = {row[0] for row in self.env.cr.fetchall()}
        return self.browse(id_ for id_ in self._ids if id_ in valid or not isinstance(id_, int))
