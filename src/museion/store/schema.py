"""Every table of Museion on one metadata: importing this module registers all model modules.

Alembic's environment and the tests import it, so migrations and schema checks see every area's
tables, while each area keeps its models next to its code.
"""

import museion.fairness.models  # noqa: F401  (registers the fairness audit table)
import museion.privacy.models  # noqa: F401  (registers the privacy tables)
import museion.registry.models  # noqa: F401  (registers the model registry tables)
import museion.security.models  # noqa: F401  (registers the security tables)
from museion.store.models import Base

metadata = Base.metadata
