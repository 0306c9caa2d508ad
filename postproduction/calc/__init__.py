"""Pure calculations of PostProduction.

Nothing here imports from ``odoo``: month arithmetic, splitting an amount over
periods. The Odoo models pass in what needs the database (a company's working
days, its fiscal year end) as plain values or callables.
"""
