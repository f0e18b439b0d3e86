"""The hub's database models, one module per concept; importing this package registers them all."""

from hub.models.site import ConnectionStatus, Site
from hub.models.user import User

__all__ = ["ConnectionStatus", "Site", "User"]
