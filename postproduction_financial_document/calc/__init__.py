"""Pure calculations of the financial documents: breaking a budget line down over fiscal
years. Like PostProduction's ``calc`` package, whose period and split functions it uses,
nothing here needs Odoo's ORM or a database."""
