from . import postproduction_budget_monitoring
from . import postproduction_turnover
from . import postproduction_turnover_legend
