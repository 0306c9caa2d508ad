{
    "name": "PostProduction",
    "summary": "Monthly invoicing of services from production: consultant days, "
    "re-invoiced expenses and purchases, scheduled instalments",
    "version": "18.0.1.0.0",
    "category": "Services/Project",
    "website": "https://github.com/postproduction/postproduction",
    "author": "PostProduction",
    "license": "LGPL-3",
    "application": True,
    "installable": True,
    # sale_timesheet: order lines delivered from timesheets; sale_expense: re-invoiced
    # expenses; project_purchase: vendor bills on projects; sale_management: the
    # Sales app's menus and order templates the accountants work in.
    "depends": ["sale_timesheet", "sale_expense", "project_purchase", "sale_management"],
    "external_dependencies": {"python": ["num2words", "xlsxwriter"]},
    "data": [
        "security/postproduction_security.xml",
        "security/ir.model.access.csv",
        "data/ir_sequence_data.xml",
        "data/postproduction_project_type_data.xml",
        "data/product_data.xml",
        "data/ir_cron_data.xml",
        "data/postproduction_financial_document_type_data.xml",
        "views/postproduction_project_type_views.xml",
        "views/postproduction_delivery_views.xml",
        "views/postproduction_schedule_views.xml",
        "views/project_project_views.xml",
        "views/sale_order_views.xml",
        "views/account_analytic_line_views.xml",
        "views/res_config_settings_views.xml",
        "views/postproduction_financial_document_views.xml",
        "views/res_config_settings_financial_document_views.xml",
        "wizards/postproduction_delivery_renew_wizard_views.xml",
        "wizards/postproduction_schedule_split_wizard_views.xml",
        "wizards/postproduction_financial_document_date_wizard_views.xml",
        "report/postproduction_budget_monitoring_views.xml",
        "views/menus.xml",
    ],
    "demo": [
        "demo/postproduction_demo.xml",
        "demo/postproduction_financial_document_demo.xml",
    ],
}
