from . import postproduction_budget_monitoring
