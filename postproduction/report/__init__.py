from . import postproduction_turnover
from . import postproduction_turnover_read
from . import postproduction_turnover_xlsx
from . import postproduction_turnover_legend
