{
    "name": "PostProduction Financial documents",
    "summary": "Invoices, quotes, commitments and forecasts recorded against a project's "
    "budgets, broken down over its fiscal years, and a budget monitoring pivot",
    "version": "18.0.1.1.0",
    "category": "Services/Project",
    "website": "https://github.com/postproduction/postproduction",
    "author": "PostProduction",
    "license": "LGPL-3",
    "installable": True,
    # Installing PostProduction brings the documents too, as it did when they were part of
    # it; a company that does not want them uninstalls this module alone.
    "auto_install": True,
    "depends": ["postproduction"],
    "data": [
        "security/postproduction_financial_document_security.xml",
        "security/ir.model.access.csv",
        "data/postproduction_financial_document_type_data.xml",
        "views/postproduction_financial_document_views.xml",
        "views/res_config_settings_views.xml",
        "views/project_project_views.xml",
        "wizards/postproduction_financial_document_date_wizard_views.xml",
        "report/postproduction_budget_monitoring_views.xml",
        "views/menus.xml",
    ],
    "demo": ["demo/postproduction_financial_document_demo.xml"],
}
